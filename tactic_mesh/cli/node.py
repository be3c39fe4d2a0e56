"""``tactic-mesh node``: run a proof-mesh node until SIGINT or SIGTERM (``tactic_mesh.net.node``).

On start the node prints one ready line (``--json``: a JSON object) naming its three addresses,
the experts it hosts and its data directory; on a signal it stops every thread within its poll
interval and request timeout, closes its sockets, cache and ledger, prints its counters and exits 0.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from tactic_mesh.kernel.errors import TacticMeshError


def run_node(args: argparse.Namespace) -> int:
    from tactic_mesh.api import Session
    from tactic_mesh.mesh import check_experts, node_services
    from tactic_mesh.net.client import MeshClient
    from tactic_mesh.net.node import Node, NodeConfig
    from tactic_mesh.net.peers import Address

    stopping: list[int] = []  # a plain list, not an Event: a handler that takes a lock can deadlock the main thread

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        listen = Address.parse(args.listen, "--listen")
        peers = tuple(p for p in Address.parse_list(args.peers, "--peers") if p != listen)
        experts = check_experts(args.experts.split(","))
        data = Path(args.data)
        session = Session(args.library)
        cfg = NodeConfig(listen, peers, experts, data, args.name, workers=args.workers, timeout=args.timeout,
                         sync_every=args.sync_every)  # fmt: skip
        services = node_services(session, experts, args.model, neural=args.policy == "auto")
        node = Node(cfg, services)
    except TacticMeshError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    # the node's own searches ask its peers for the experts it does not host (through its own cache)
    client = services.client = MeshClient(peers, session.environment, node.cache, timeout=args.timeout,
                                          max_peers=args.max_peers)  # fmt: skip
    try:
        node.start()
    except TacticMeshError as err:
        print(f"error: {err}", file=sys.stderr)
        client.close()
        node.stop()
        return 1
    ready = {"ready": True, "name": cfg.label, "requests": listen.requests, "surveys": listen.surveys,
             "announcements": listen.announcements, "experts": list(experts), "peers": [str(p) for p in peers],
             "data": str(data), "neural": services.neural}  # fmt: skip
    if args.json:
        print(json.dumps(ready), flush=True)
    else:
        print(f"node {cfg.label}: requests {listen.requests}, surveys {listen.surveys}, announcements "
              f"{listen.announcements}; experts {', '.join(experts)}; data {data}; "
              f"{'learned experts' if services.neural else 'heuristic proposers'}; ready", flush=True)
    try:
        while not stopping:  # the client surveys its peers when its searches need them (MeshClient.refresh)
            time.sleep(0.2)
    finally:
        counters = node.counters()
        client.close()
        node.stop()
    if args.json:
        print(json.dumps({"stopped": True, "counters": counters}), flush=True)
    else:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counters.items()))
        print(f"node {cfg.label}: stopped cleanly; {shown}", flush=True)
    return 0
