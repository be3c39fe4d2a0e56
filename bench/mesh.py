"""The proof mesh on 127.0.0.1: 1 node vs 3 nodes with distinct expert shards, a second run served
from the verified caches, and forged certificates rejected.

* **Nodes** are ``tactic-mesh node`` processes (``--library all``, the learned experts), each with its
  own data directory.  ``1 node`` hosts every expert family; ``3 nodes`` split the families into three
  disjoint shards and are each other's peers, so a node's search asks its peers for the experts it
  does not host (node-limited routing, at most 2 peers per state).
* **Run 1**: the client sends a ``solve`` request per statement of ``bench/search_set.py`` (``--limit``),
  ``--concurrency`` at a time, round-robin over the nodes; every certificate a node returns is
  re-checked by the client's own kernel (``VerifiedCache.offer``) before it counts.  Figures: proved,
  wall, throughput (proved per second), and the ratio 3 nodes / 1 node.
* **Run 2**: the same statements again on the 3-node mesh (new request ids): hit rate (answers served
  from a node's cache) and wall, against run 1's.
* **Forged**: every proof of run 1 is forged four ways (a ``sorry`` proof, another statement's proof,
  another statement's key, flipped bytes) and announced to a fresh node by a Pub0 peer; rejected / sent.

* **Executors**: with ``--etp-budget S``, Ray vs process pool vs inline on the ETP dev file is run too
  (``bench/executors.py --budget S``, its own report: rows settled, wrong verdicts, wall, ratios).

    python bench/mesh.py [--limit 30] [--budget 5] [--concurrency 2] [--etp-budget 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "net"))

from net_support import free_address, wait_until
from report import header, say
from search_set import STATEMENTS

SHARDS = (("intro", "cases", "auto"), ("rewrite", "simp"), ("apply", "induction"))


class Nodes:
    """``tactic-mesh node`` processes (each waits for its ready line, bounded)."""

    def __init__(self, shards: tuple[tuple[str, ...], ...], root: Path, extra_peers: tuple[Any, ...] = ()) -> None:
        """One node per shard, each the others' peer (and ``extra_peers``')."""
        self.addresses = [free_address() for _ in shards]
        self.procs: list[subprocess.Popen[str]] = []
        for i, (address, shard) in enumerate(zip(self.addresses, shards, strict=True)):
            peers = ",".join([a.requests for a in self.addresses if a != address] + [a.requests for a in extra_peers])
            cmd = [sys.executable, "-m", "tactic_mesh.cli.main", "node", "--listen", address.requests,
                   "--experts", ",".join(shard), "--data", str(root / f"node{i}"), "--name", f"node{i}", "--json",
                   "--sync-every", "1"] + (["--peers", peers] if peers else [])  # fmt: skip
            self.procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for p in self.procs:
            assert p.stdout is not None
            line = p.stdout.readline()
            if not line:
                raise SystemExit(f"a node did not start: {p.stderr.read() if p.stderr else ''}")

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def run(nodes: Nodes, goals: list[tuple[Any, tuple[str, ...]]], env: Any, budget: float, concurrency: int,
        data: Path) -> dict[str, Any]:  # fmt: skip
    from tactic_mesh.net.cache import Accepted, VerifiedCache
    from tactic_mesh.net.keys import key_of
    from tactic_mesh.net.node import encode_statement
    from tactic_mesh.net.peers import PeerError, PeerLink, new_req_id
    from tactic_mesh.net.wire import Frame

    cache = VerifiedCache(data)
    links = [PeerLink(a, timeout=budget + 30) for a in nodes.addresses]
    lock = threading.Lock()
    tally = {"proved": 0, "cached": 0, "rejected": 0, "failed": 0, "unproved": 0}

    def one(i: int) -> None:
        statement, levels = goals[i]
        key = key_of(env, statement, levels).key
        frame = Frame("solve", new_req_id(), {"key": key, "budget": int(budget), "nodes": 2000},
                      encode_statement(env, statement, levels))  # fmt: skip
        try:
            got = links[i % len(links)].ask(frame)
        except PeerError:
            with lock:
                tally["failed"] += 1
            return
        if got.body.get("found") is not True:
            with lock:
                tally["unproved"] += 1
            return
        verdict = cache.offer(env, got.attachment)  # the client's own kernel re-checks the node's proof
        with lock:
            if isinstance(verdict, Accepted) and verdict.entry.key == key:
                tally["proved"] += 1
                tally["cached"] += int(got.body.get("cached") is True)
            else:
                tally["rejected"] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(len(goals))))
    wall = time.perf_counter() - start
    for link in links:
        link.close()
    cache.close()
    return {**tally, "wall": round(wall, 2), "throughput": round(tally["proved"] / wall, 3) if wall else 0.0}


def forged(env: Any, dirs: list[Path], root: Path) -> dict[str, Any]:
    """Every certificate the client verified, forged four ways and announced to a fresh node."""
    import pynng

    from tactic_mesh.codecs.json_artifacts import KernelCertificate
    from tactic_mesh.kernel.expr import App, Const
    from tactic_mesh.kernel.level import ZERO
    from tactic_mesh.net.cache import Program, VerifiedCache, WireCertificate, decode_wire, encode_wire
    from tactic_mesh.net.keys import key_of
    from tactic_mesh.net.peers import PeerLink, new_req_id
    from tactic_mesh.net.wire import Frame, encode_frame

    by_key: dict[str, Any] = {}
    for d in dirs:
        cache = VerifiedCache(d)
        by_key.update((k, decode_wire(cache.export(k))) for k in cache.keys())
        cache.close()
    wires = list(by_key.values())
    bad: list[bytes] = []
    for i, w in enumerate(wires):
        c = w.certificate
        other = wires[(i + 1) % len(wires)].certificate
        sorry = App(Const("sorryAx", (ZERO,)), c.statement)
        bad.append(encode_wire(WireCertificate(w.key, w.program, KernelCertificate(c.statement, sorry,
                                                                                   c.level_params, c.provenance))))
        if other.statement != c.statement:
            bad.append(encode_wire(WireCertificate(w.key, w.program, KernelCertificate(c.statement, other.proof,
                                                                                       c.level_params, c.provenance))))
            bad.append(encode_wire(WireCertificate(key_of(env, other.statement, other.level_params).key,
                                                   Program.of(("rfl",)), c)))  # fmt: skip
        genuine = bytearray(encode_wire(w))
        genuine[len(genuine) // 2] ^= 0x5A
        bad.append(bytes(genuine))
    pub_at = free_address()
    with pynng.Pub0(listen=pub_at.announcements) as pub:
        nodes = Nodes((SHARDS[0],), root / "forged", (pub_at,))  # its only peer: this forger
        link = PeerLink(nodes.addresses[0], timeout=10)
        counts: dict[str, int] = {}
        rounds = 0

        def delivered() -> bool:  # Pub0 drops what is sent before the subscriber is connected: resend
            nonlocal rounds
            rounds += 1
            for i, data_ in enumerate(bad):
                pub.send(encode_frame(Frame("announce", f"f{rounds}-{i}", {}, data_)))
            got = link.ask(Frame("stats", new_req_id(), {})).body["counters"]
            counts.update(got if isinstance(got, dict) else {})
            return sum(v for k, v in counts.items() if k.startswith("announce.rejected.")) >= len(bad)

        try:
            wait_until(delivered, seconds=30, step=0.5)
        finally:
            link.close()
            nodes.stop()
    by_kind = {k.removeprefix("announce.rejected."): v for k, v in counts.items() if k.startswith("announce.rejected.")}
    rejected = sum(by_kind.values())
    accepted = counts.get("announce.accepted", 0) + counts.get("announce.duplicate", 0)
    return {"forged": len(bad), "rounds_sent": rounds, "received": rejected + accepted, "rejected": rejected,
            "accepted": accepted, "stored": counts.get("cache.entries", -1), "by_kind": by_kind}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=30, help="statements of the search set (default 30)")
    ap.add_argument("--budget", type=float, default=5.0, help="seconds per solve request")
    ap.add_argument("--concurrency", type=int, default=2, help="requests in flight")
    ap.add_argument("--etp-budget", type=float, default=0.0,
                    help="also run bench/executors.py on the whole ETP dev file with this budget per row")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()

    from tactic_mesh.api import Session

    session = Session("all")
    env = session.environment
    goals = [session.elaborate(s) for _, s, _ in STATEMENTS[: args.limit]]
    out: dict[str, Any] = {"statements": len(goals), "budget": args.budget, "concurrency": args.concurrency}
    with tempfile.TemporaryDirectory(prefix="bench-mesh-") as tmp:
        root = Path(tmp)
        for name, shards in (("1 node", (tuple(f for s in SHARDS for f in s),)), ("3 nodes", SHARDS)):
            nodes = Nodes(shards, root / name.replace(" ", ""))
            try:
                out[name] = run(nodes, goals, env, args.budget, args.concurrency, root / f"client-{name[0]}")
                if name == "3 nodes":
                    out["3 nodes, again"] = run(nodes, goals, env, args.budget, args.concurrency, root / "client-3b")
            finally:
                nodes.stop()
        out["forged"] = forged(env, [root / "client-1", root / "client-3", root / "client-3b"], root)
    one, three, again = out["1 node"], out["3 nodes"], out["3 nodes, again"]
    header(f"proving {len(goals)} search-set statements by solve requests ({args.budget} s each, "
           f"{args.concurrency} in flight; every proof re-checked by the client's kernel)")
    say(f"{'':18} {'proved':>7} {'unproved':>9} {'failed':>7} {'wall s':>8} {'proved/s':>9} {'from cache':>11}")
    for name in ("1 node", "3 nodes", "3 nodes, again"):
        r = out[name]
        say(f"{name:18} {r['proved']:>7} {r['unproved']:>9} {r['failed']:>7} {r['wall']:>8} {r['throughput']:>9} "
            f"{r['cached']:>11}")
    say(f"3 nodes / 1 node: wall ratio {three['wall'] / max(one['wall'], 1e-9):.2f}, throughput ratio "
        f"{three['throughput'] / max(one['throughput'], 1e-9):.2f}")
    say(f"second run on 3 nodes: hit rate {again['cached']}/{again['proved'] + again['unproved']} answers, "
        f"wall {again['wall']} s vs {three['wall']} s ({again['wall'] / max(three['wall'], 1e-9):.3f})")
    f = out["forged"]
    say(f"forged certificates: {f['forged']} forgeries announced ({f['rounds_sent']} round(s)); "
        f"of {f['received']} received, {f['rejected']} rejected "
        f"({100 * f['rejected'] / max(f['received'], 1):.0f} %), {f['accepted']} accepted, {f['stored']} stored; "
        f"by kind {f['by_kind']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    if args.etp_budget > 0:
        header("executors on the ETP dev file (bench/executors.py)")
        return subprocess.run([sys.executable, str(Path(__file__).with_name("executors.py")), "--budget",
                               str(args.etp_budget)], check=False).returncode  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
