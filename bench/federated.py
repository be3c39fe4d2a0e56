"""Federated expert updates against central training on the same samples, in one run.

* **Split** as in ``bench/learning.py`` (``split`` of ``bench/router.py``): the model learns only from
  the library's theorems before the first held-out one of ``tactics.tm``.  The held-out figures are
  measured on the held-out theorems' own proof steps (router and expert accuracy) and on the
  held-out statements of ``bench/learning.py`` (the held-out library theorems and the
  ``bench/search.py`` statements; success counted only when the kernel admits the search's proof).
* **Samples**: the library proofs' samples of the training theorems (``base_samples``), made once;
  each node gets its part of these very samples, central training gets all of them.
* **Nodes** (``--nodes``, 3): node ``i`` hosts the expert families ``FAMILIES[i::N]``
  (``family_shards``) and trains on its own part of the samples (``--partition``): ``contiguous`` —
  the steps of a contiguous run of the training theorems in declaration order holding a third of
  the samples (each node proved other parts of the library: not identically distributed);
  ``interleaved`` — theorem ``j`` goes to node ``j mod N``; ``family`` — a step goes to the node that
  hosts its family.  With ``--replicate`` every node hosts every expert (the partition unchanged):
  plain FedAvg of the whole model, which separates the cost of sharding from that of federating.
* **Federated**: ``--rounds`` rounds (3); in each, every node trains ``--local-epochs`` epochs from the
  round's base (``local_update``), its delta is encoded (``encode_update``) and served by that node's
  ``tactic-mesh`` node on 127.0.0.1; the aggregator fetches every delta over nng (``delta`` requests,
  ``MeshClient.updates``) and decodes it against its base (``decode_update``), the deltas are averaged
  (``fedavg``) and the router is distilled ``--distil-epochs`` epochs (``distil_router``) on the union's routing labels
  (``--distil union``) or on each node's own, the router deltas averaged again (``--distil nodes``).
* **Central**: ``train`` on the union for ``rounds × local-epochs`` epochs (the same number of passes
  over every sample), from the same initial weights.
* **Figures**: router top-k and expert top-1 accuracy (more than one proposal) on the held-out steps,
  after every round (before and after the distillation) and for the central model; held-out success
  (``--eval-nodes`` nodes per statement, the node budget binding; ``--limit`` cuts the sets); training
  wall per node, the federation's total (nodes, wire, FedAvg, distillation) and its wall when the
  nodes train in parallel, against central training; ratios federated / central.

    python bench/federated.py [--rounds 3] [--local-epochs 4] [--distil-epochs 3] [--nodes 3]
                              [--partition contiguous] [--distil union] [--limit N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "net"))

from learning import evaluate, proved
from report import header, say
from router import held_out

PARTITIONS = ("contiguous", "interleaved", "family")


def node_parts(theorem_samples: list[list[Any]], shards: list[tuple[str, ...]], how: str) -> list[list[Any]]:
    """Each node's samples (disjoint; together all of them)."""
    from tactic_mesh.calculus.tactics import FAMILIES

    n = len(shards)
    parts: list[list[Any]] = [[] for _ in range(n)]
    if how == "family":
        host = {FAMILIES.index(f): i for i, shard in enumerate(shards) for f in shard}
        flat = [s for group in theorem_samples for s in group]
        for j, s in enumerate(flat):
            parts[host[s.family] if s.family is not None else j % n].append(s)
        return parts
    total = sum(len(g) for g in theorem_samples)
    done = 0
    for j, group in enumerate(theorem_samples):  # contiguous: cut where a node has its share of the samples
        node = j % n if how == "interleaved" else min(n - 1, done * n // max(total, 1))
        parts[node].extend(group)
        done += len(group)
    return parts


def acc_dict(a: Any) -> dict[str, Any]:
    return {"router_topk": a.router_topk, "routed": a.routed, "expert_top1": a.expert_top1, "scored": a.scored}


class Mesh:
    """In-process mesh nodes (one per federated node, hosting its shard) and an aggregating client."""

    def __init__(self, env: Any, shards: list[tuple[str, ...]]) -> None:
        import tempfile

        from net_support import free_address

        from tactic_mesh.api import Session
        from tactic_mesh.mesh import node_services
        from tactic_mesh.net.cache import VerifiedCache
        from tactic_mesh.net.client import MeshClient
        from tactic_mesh.net.node import Node, NodeConfig

        self.tmp = tempfile.TemporaryDirectory(prefix="bench-federated-")
        root = Path(self.tmp.name)
        session = Session(environment=env)
        self.services = [node_services(session, shard, neural=False) for shard in shards]
        self.nodes = [Node(NodeConfig(free_address(), (), s.experts, root / f"node{i}", f"node{i}"), s)
                      for i, s in enumerate(self.services)]
        for n in self.nodes:
            n.start()
        self.cache = VerifiedCache(root / "aggregator")
        self.client = MeshClient([n.config.listen for n in self.nodes], session.environment, self.cache, timeout=30)

    def close(self) -> None:
        self.client.close()
        self.cache.close()
        for n in self.nodes:
            n.stop()
        self.tmp.cleanup()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--local-epochs", type=int, default=4, help="epochs per node and round")
    ap.add_argument("--distil-epochs", type=int, default=3)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--partition", choices=PARTITIONS, default="contiguous")
    ap.add_argument("--distil", choices=("union", "nodes"), default="union")
    ap.add_argument("--replicate", action="store_true",
                    help="every node hosts every expert (plain FedAvg of the whole model: the cost of sharding)")
    ap.add_argument("--eval-nodes", type=int, default=50, help="node budget per held-out statement")
    ap.add_argument("--eval-seconds", type=float, default=60.0,
                    help="time budget per held-out statement (a safety net: the node budget binds)")
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--limit", type=int, default=0, help="only the first N statements of each held-out set")
    ap.add_argument("--no-search", action="store_true", help="accuracies only, no held-out searches")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()

    import torch

    from tactic_mesh.calculus.tactics import FAMILIES
    from tactic_mesh.neural.federated import (
        UpdateLimits,
        accuracy,
        decode_update,
        distil_router,
        distil_update,
        encode_update,
        family_shards,
        fedavg,
        local_update,
    )
    from tactic_mesh.neural.iteration import base_samples
    from tactic_mesh.neural.model import ModelConfig, MoTModel
    from tactic_mesh.neural.train import make_sample, train

    torch.set_num_threads(1)
    started = time.perf_counter()
    train_set, held, env, goals = held_out(args.holdout, args.limit)

    rng = random.Random(args.seed)  # the same draws as base_samples(train_set, seed): the very same samples
    per_theorem = [[s for s in (make_sample(step, rng) for step in th.steps) if s is not None] for th in train_set]
    union = [s for group in per_theorem for s in group]
    assert len(union) == len(base_samples(train_set, args.seed))
    held_samples = base_samples(held, args.seed)
    shards = family_shards(args.nodes)
    parts = node_parts(per_theorem, shards, args.partition)
    if args.replicate:
        shards = [tuple(FAMILIES)] * args.nodes
    header(f"split: {len(train_set)} training theorems ({len(union)} samples), {len(held)} held-out theorems "
           f"({len(held_samples)} steps), {len(goals)} held-out statements; {args.nodes} nodes, "
           f"partition {args.partition}")
    for i, (shard, part) in enumerate(zip(shards, parts, strict=True)):
        expert = sum(s.expert is not None and FAMILIES[s.expert] in shard for s in part)
        say(f"  node{i}: hosts {', '.join(shard)}; {len(part)} samples, {expert} with an expert label it trains")

    cfg = ModelConfig()
    torch.manual_seed(args.seed)
    init = MoTModel(cfg)  # the initial weights train() starts from with this seed
    init.eval()

    header(f"federated: {args.rounds} rounds × {args.local_epochs} local epochs, distillation {args.distil_epochs} "
           f"epochs on {'the union' if args.distil == 'union' else 'each node, averaged'}")
    base = init
    mesh = Mesh(env, shards)  # one mesh node per federated node: the deltas travel over nng (``delta``)
    node_seconds = [0.0] * args.nodes
    rounds: list[dict[str, Any]] = []
    parallel = overhead = 0.0
    for r in range(1, args.rounds + 1):
        updates, times, sizes = [], [], []
        wire = 0.0
        for i, (shard, part) in enumerate(zip(shards, parts, strict=True)):
            t = time.perf_counter()
            u = local_update(base, part, shard, args.local_epochs, seed=args.seed + 1000 * r + i, node=f"node{i}")
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            data = encode_update(u)
            mesh.services[i].offer_update(data)
            wire += time.perf_counter() - t
            sizes.append(len(data))
        t = time.perf_counter()
        fetched = mesh.client.updates()  # the aggregator asks every node for its delta
        if len(fetched) != args.nodes:
            raise SystemExit(f"round {r}: {len(fetched)} of {args.nodes} updates arrived ({mesh.client.failures})")
        updates = [decode_update(data, UpdateLimits.of(base)) for _, data in fetched]
        wire += time.perf_counter() - t
        t = time.perf_counter()
        merged = fedavg(base, updates)
        avg_s = time.perf_counter() - t
        before = accuracy(merged, held_samples)
        t = time.perf_counter()
        if args.distil == "union":
            base, rep = distil_router(merged, union, args.distil_epochs, seed=args.seed + r)
            distil_note = f"train top-k {100 * rep.accuracy_before:.1f} → {100 * rep.accuracy_after:.1f} %"
        else:
            limits = UpdateLimits.of(merged)
            router_updates = [decode_update(encode_update(distil_update(merged, part, f"node{i}",
                                                                        args.distil_epochs, args.seed + r)), limits)
                              for i, part in enumerate(parts)]
            base = fedavg(merged, router_updates)
            distil_note = f"{len(router_updates)} router updates averaged"
        distil_s = time.perf_counter() - t
        after = accuracy(base, held_samples)
        for i in range(args.nodes):
            node_seconds[i] += times[i]
        parallel += max(times) + wire + avg_s + distil_s  # the wire counted whole: encode and decode in turn
        overhead += wire + avg_s + distil_s
        rounds.append({"round": r, "node_seconds": [round(x, 2) for x in times], "update_bytes": sizes,
                       "wire_seconds": round(wire, 3), "fedavg_seconds": round(avg_s, 3),
                       "distil_seconds": round(distil_s, 3), "held_before_distil": acc_dict(before),
                       "held_after_distil": acc_dict(after)})
        say(f"  round {r}: nodes {', '.join(f'{x:.1f}' for x in times)} s; updates "
            f"{', '.join(f'{b / 1e6:.2f}' for b in sizes)} MB (encode+decode {wire:.2f} s); fedavg {avg_s:.2f} s; "
            f"distil {distil_s:.2f} s ({distil_note}); held-out router top-k {100 * before.router_topk:.1f} → "
            f"{100 * after.router_topk:.1f} %, expert top-1 {100 * after.expert_top1:.1f} %")
    federated = base
    mesh.close()
    fed_total = sum(node_seconds) + overhead

    header(f"central: {args.rounds * args.local_epochs} epochs on the union")
    central, crep = train(union, cfg, epochs=args.rounds * args.local_epochs, seed=args.seed)
    central_s = crep.seconds
    say(f"  {crep.samples} samples in {central_s} s")

    models = {"federated": federated, "central": central}
    acc = {name: accuracy(m, held_samples) for name, m in models.items()}
    search: dict[str, Any] = {}
    if not args.no_search:
        for name, m in models.items():
            t = time.perf_counter()
            search[name] = evaluate(m, False, goals, args.eval_nodes, args.eval_seconds)
            p, n = proved(search[name]["rows"])
            say(f"  held-out searches, {name}: {p}/{n} in {time.perf_counter() - t:.1f} s")

    header("held-out figures")
    say(f"{'model':<10} {'router top-k':>13} {'expert top-1':>13} {'library':>9} {'search':>9} {'all':>9}")
    for name in models:
        a = acc[name]
        cells = [f"{proved(search[name]['rows'], k)[0]}/{proved(search[name]['rows'], k)[1]}"
                 for k in ("library", "search", None)] if name in search else ["-"] * 3
        say(f"{name:<10} {100 * a.router_topk:>12.1f}% {100 * a.expert_top1:>12.1f}% "
            f"{cells[0]:>9} {cells[1]:>9} {cells[2]:>9}")
    say(f"(router: {acc['central'].routed} held-out steps, top-{cfg.top_k}; experts: {acc['central'].scored} "
        f"steps with more than one proposal)")
    f, c = acc["federated"], acc["central"]
    ratios: dict[str, Any] = {"router_topk": round(f.router_topk / c.router_topk, 3) if c.router_topk else None,
                              "expert_top1": round(f.expert_top1 / c.expert_top1, 3) if c.expert_top1 else None}
    if search:
        pf, pc = proved(search["federated"]["rows"])[0], proved(search["central"]["rows"])[0]
        ratios["held_out_success"] = round(pf / pc, 3) if pc else None
    ratios["train_total"] = round(fed_total / central_s, 3) if central_s else None
    ratios["train_parallel"] = round(parallel / central_s, 3) if central_s else None
    header("training wall (this machine, 2 cores, one thread each; another benchmark may share them)")
    for i, s in enumerate(node_seconds):
        say(f"  node{i}: {s:.1f} s over {args.rounds} rounds ({len(parts[i])} samples)")
    say(f"  federated total {fed_total:.1f} s (nodes {sum(node_seconds):.1f} + wire, FedAvg and distillation "
        f"{overhead:.1f}); with the nodes in parallel {parallel:.1f} s")
    say(f"  central {central_s:.1f} s")
    header("ratios federated / central")
    say("  " + "; ".join(f"{k} {v}" for k, v in ratios.items()))
    say(f"\ntotal wall {time.perf_counter() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "args": vars(args), "shards": shards, "node_samples": [len(p) for p in parts], "rounds": rounds,
            "node_seconds": [round(s, 2) for s in node_seconds], "federated_total_seconds": round(fed_total, 2),
            "federated_parallel_seconds": round(parallel, 2), "central_seconds": central_s,
            "accuracy": {k: acc_dict(v) for k, v in acc.items()}, "search": search, "ratios": ratios,
        }, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
