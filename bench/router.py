"""The Mixture-of-Tactics router against the heuristic and the k-NN, in one search harness, one run.

* **Split.** The library's theorems (library ``all``, in declaration order) are split: the last
  ``--holdout`` share of ``tactics.tm``'s theorems is held out; the model and the k-NN store learn
  only from the theorems before the first held-out one, and every statement is proved in the
  environment before that theorem — no held-out theorem, nor anything after it, is a lemma.
* **Sets.** ``library``: the held-out theorems' statements; ``search``: the held-out statements of
  ``bench/search.py`` (``bench/search_set.py``), elaborated in the same environment.
* **Policies**, each with the same node and time budget per statement, each in a fresh session:
  ``heuristic``; ``knn`` (store of the training steps, growing with every admitted proof);
  ``router`` (bias updated online after every routing call); ``router-frozen`` (the trained bias,
  no update — the load figures without the bias update).
* **Figures.** Proved/total per set; nodes expanded, median over the statements all policies
  prove; wall per statement; router latency (encoding + routing) per call during the search, per
  node (with the experts' scoring and the typing checks), and alone (the first 300 routed states
  routed again, one call at a time); load per expert and its coefficient of variation;
  validity rate of the proposals (typing judgment).  A proof counts only when the API returns it,
  i.e. after the kernel admitted its term.

    python bench/router.py [--max-nodes 100] [--seconds 5] [--epochs 12] [--search-nodes 40] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import header, say
from search_set import STATEMENTS

POLICIES = ("heuristic", "knn", "router", "router-frozen")
LATENCY_SAMPLE = 300


def split(theorems: list[Any], holdout: float) -> tuple[list[Any], list[Any]]:
    tactics = [i for i, th in enumerate(theorems) if th.file == "tactics.tm"]
    cut = tactics[len(tactics) - max(1, round(holdout * len(tactics)))]
    return theorems[:cut], [th for th in theorems[cut:] if th.file == "tactics.tm"]


def held_out(holdout: float, limit: int = 0) -> tuple[list[Any], list[Any], Any, list[tuple[str, Any]]]:
    """``split`` of every library theorem, the environment, and the held-out goals of the learning
    benches: the held-out library theorems and the search-set statements, as ``(set, theorem)``
    (``limit``: only the first N of each set)."""
    from tactic_mesh.api import Session
    from tactic_mesh.neural.traces import LibraryTheorem, library_theorems

    train_set, held = split(library_theorems("all"), holdout)
    env = held[0].environment
    session = Session(environment=env)
    goals: list[tuple[str, Any]] = [("library", th) for th in held]
    for i, (_category, statement, _script) in enumerate(STATEMENTS):
        expr, levels = session.elaborate(statement)
        goals.append(("search", LibraryTheorem(f"search{i}: {statement}", expr, levels, env, ())))
    if limit:
        goals = [g for kind in ("library", "search") for g in [g for g in goals if g[0] == kind][:limit]]
    return train_set, held, env, goals


def make_policy(name: str, trained: Any) -> Any:
    from tactic_mesh.neural.knn import KnnPolicy, KnnStore
    from tactic_mesh.neural.router_policy import RouterPolicy

    if name == "heuristic":
        return "heuristic"
    if name == "knn":
        return KnnPolicy(KnnStore.from_json(trained.knn.to_json()))
    import copy

    return RouterPolicy(copy.deepcopy(trained.model), online=(name == "router"))


def run_policy(name: str, trained: Any, env: Any, goals: list[tuple[str, str, Any, tuple[str, ...]]],
               max_nodes: int, seconds: float) -> dict[str, Any]:
    from tactic_mesh.api import NoProofFound, Session

    session = Session(environment=env)
    policy = make_policy(name, trained)
    rows = []
    rank_seconds = [0.0]
    views: list[Any] = []  # a sample of the routed states, for the isolated latency figure
    if not isinstance(policy, str):  # time every ranking of a node (routing, experts, typing checks)
        inner = policy.rank

        def timed(view: Any) -> Any:
            if len(views) < LATENCY_SAMPLE:
                views.append(view)
            t = time.perf_counter()
            try:
                return inner(view)
            finally:
                rank_seconds[0] += time.perf_counter() - t

        policy.rank = timed
    for i, (kind, label, expr, levels) in enumerate(goals):
        start = time.perf_counter()
        try:
            result = session.prove_expr(expr, levels, budget=seconds, max_nodes=max_nodes, policy=policy,
                                        name=f"_bench_{i}")
            proved, nodes = result.kernel_checked, result.stats.expanded
        except NoProofFound as err:
            proved, nodes = False, err.search.expanded
        rows.append({"set": kind, "goal": label, "proved": proved, "nodes": nodes,
                     "seconds": round(time.perf_counter() - start, 3)})
    out: dict[str, Any] = {"rows": rows}
    stats = getattr(policy, "stats", None)
    if stats is not None:
        out.update(calls=stats.calls, route_ms=round(stats.latency_ms, 3),
                   node_ms=round(1000 * rank_seconds[0] / max(stats.calls, 1), 2),
                   proposed=stats.proposed, valid=stats.valid, validity=round(stats.validity, 4),
                   load=[round(x, 4) for x in policy.load.shares()], load_cv=round(policy.load.cv(), 4))
        out.update(isolated_ms=isolated_latency(policy, views))
    return out


def isolated_latency(policy: Any, views: list[Any], repeats: int = 5) -> dict[str, float]:
    """Encode + route on the sampled states again, one call at a time outside the search (the
    call's own cost, without the search's allocations and caches around it): median and p90 of the
    per-state medians, in ms."""
    per_state = []
    for view in views:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            policy.route(view)
            times.append(1000 * (time.perf_counter() - t))
        per_state.append(statistics.median(times))
    per_state.sort()
    if not per_state:
        return {"states": 0, "median": float("nan"), "p90": float("nan")}
    return {"states": len(per_state), "median": round(statistics.median(per_state), 3),
            "p90": round(per_state[int(0.9 * (len(per_state) - 1))], 3)}


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-nodes", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=5.0, help="time cap per statement")
    ap.add_argument("--holdout", type=float, default=0.2, help="share of tactics.tm's theorems held out")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--search-nodes", type=int, default=40, help="search traces of the training theorems (0: none)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--policies", default=",".join(POLICIES))
    ap.add_argument("--limit", type=int, default=0, help="only the first N statements of each set (a quick look)")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()

    from tactic_mesh.api import Session
    from tactic_mesh.calculus.tactics import FAMILIES
    from tactic_mesh.neural.pipeline import build
    from tactic_mesh.neural.traces import library_theorems

    theorems = library_theorems("all")
    train_set, held = split(theorems, args.holdout)
    env = held[0].environment
    header(f"split: {len(train_set)} training theorems, {len(held)} held out (from {held[0].name}); "
           f"{len(STATEMENTS)} search-set statements")
    trained = build(train_set, epochs=args.epochs, seed=args.seed, search_nodes=args.search_nodes)
    r = trained.report
    say(f"training: {trained.library_steps} proof steps + {trained.search_steps} search steps "
        f"(collected in {trained.collect_seconds} s), {r.samples} samples, {r.epochs} epochs in {r.seconds} s "
        f"(2 CPU cores), router top-k accuracy {100 * r.router_accuracy:.1f} % on the training steps")

    session = Session(environment=env)
    goals: list[tuple[str, str, Any, tuple[str, ...]]] = [
        ("library", th.name, th.statement, th.level_params) for th in held]
    for _category, statement, _script in STATEMENTS:
        expr, levels = session.elaborate(statement)
        goals.append(("search", statement, expr, levels))
    if args.limit:
        goals = [g for kind in ("library", "search") for g in [g for g in goals if g[0] == kind][:args.limit]]
    results: dict[str, Any] = {}
    for name in args.policies.split(","):
        t = time.perf_counter()
        results[name] = run_policy(name, trained, env, goals, args.max_nodes, args.seconds)
        say(f"  {name}: {sum(row['proved'] for row in results[name]['rows'])}/{len(goals)} proved "
            f"in {time.perf_counter() - t:.1f} s")

    names = list(results)
    header(f"proved / total (max {args.max_nodes} nodes, {args.seconds} s per statement)")
    say(f"{'policy':<14} {'library':>9} {'search':>9} {'all':>9} {'wall/stmt':>10}")
    for name in names:
        rows = results[name]["rows"]
        cells = []
        for kind in ("library", "search", None):
            sel = [row for row in rows if kind is None or row["set"] == kind]
            cells.append(f"{sum(row['proved'] for row in sel)}/{len(sel)}")
        wall = statistics.mean(row["seconds"] for row in rows)
        say(f"{name:<14} {cells[0]:>9} {cells[1]:>9} {cells[2]:>9} {wall:>9.2f}s")
    common = [i for i in range(len(goals)) if all(results[n]["rows"][i]["proved"] for n in names)]
    header(f"nodes expanded on the {len(common)} statements every policy proves")
    for name in names:
        nodes = [results[name]["rows"][i]["nodes"] for i in common]
        say(f"{name:<14} median {median(nodes):>5}  total {sum(nodes):>6}")
    header("router")
    for name in names:
        res = results[name]
        if "calls" not in res:
            continue
        load = ", ".join(f"{f} {100 * x:.0f}%" for f, x in zip(FAMILIES, res["load"], strict=True))
        say(f"{name:<14} {res['calls']} calls; encode+route {res['route_ms']} ms/call, whole node ranking "
            f"{res['node_ms']} ms; validity {res['valid']}/{res['proposed']} = {100 * res['validity']:.2f} %")
        iso = res["isolated_ms"]
        say(f"{'':<14} encode+route alone on {iso['states']} of the routed states: median {iso['median']} ms, "
            f"p90 {iso['p90']} ms")
        say(f"{'':<14} load {load}; CV {res['load_cv']}")
    for name in names:
        missed = [g[1] for i, g in enumerate(goals) if not results[name]["rows"][i]["proved"]]
        say(f"not proved by {name} ({len(missed)}): {'; '.join(missed)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "training": trained.summary(),
                                               "results": results}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
