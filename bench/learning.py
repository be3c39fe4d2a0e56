"""Self-amplifying learning: held-out success after each round of expert iteration, with and without
hindsight and the progress critic (ablation), the critic's calibration and the sketches' survival.

* **Split** as in ``bench/router.py``: the model learns only from the library's theorems before the
  first held-out one of ``tactics.tm``; the held-out sets are that bench's (the held-out library
  theorems and the ``bench/search.py`` statements), proved in the same environment.
* **Iteration 0**: the router trained on the library's own proofs of the training theorems only.
  Each round then searches every ``--every``-th training theorem with the current router (bias
  updated online), keeps the kernel-checked proofs and — with hindsight — the closed sub-goals the
  kernel re-checked, weights the steps by proof-DAG credit, and retrains (``neural/iteration.py``).
* **Configurations**: ``full`` (hindsight and critic), ``no-hindsight``, ``no-critic``, ``neither``.
  Without the critic the search priority is the router's ``Σ log p`` alone and no critic label is
  learned; with it, ``Σ log p − β · remaining`` and the acceptance term in the candidates' scores.
* **Held-out success** counts a statement only when the kernel admitted the search's proof.
* **Calibration** of the final ``full`` model's acceptance head on every candidate its held-out
  searches tried (expected calibration error over 10 bins, Brier score), and the error of its
  predicted steps left on the states of the held-out proofs.
* **Sketches**: on each state of a held-out proof, the sketch head's proposal played step by step
  (the best-ranked candidate of each sketched family that applies, at most 3 tried per family);
  how often a whole sketch survives, how many of its steps do, and how often it closes the goal.

    python bench/learning.py [--iterations 3] [--every 8] [--configs full,no-hindsight,no-critic]
                             [--jobs 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import header, say
from router import held_out

CONFIGS = {"full": (True, True), "no-hindsight": (False, True), "no-critic": (True, False),
           "neither": (False, False)}
_SHARED: dict[str, Any] = {}  # what the worker processes inherit (fork)


def _admitted(goal: Any, final: Any) -> bool:
    from tactic_mesh.calculus.assembly import final_proof_term
    from tactic_mesh.kernel.declarations import TheoremRefused, admit_theorem

    try:
        admit_theorem(goal.environment, f"_bench.{goal.name}", goal.level_params, goal.statement,
                      final_proof_term(final))
    except TheoremRefused:
        return False
    return True


def _play(policy: Any, state: Any, sketch: list[int]) -> Any:
    from tactic_mesh.api import Session
    from tactic_mesh.calculus.tactics import GoalView
    from tactic_mesh.kernel.errors import TacticMeshError
    from tactic_mesh.neural.model import family_of
    from tactic_mesh.neural.sketch import goal_closed, run_sketch

    session = Session(environment=state.environment)
    start = GoalView.of(state)
    assert start is not None

    def step(s: Any, family: str) -> Any:
        view = GoalView.of(s)
        if view is None:
            return None
        tried = 0
        for cand, _ in policy.rank(view):
            if family_of(cand.call) != family:
                continue
            tried += 1
            try:
                return session.run(s, cand.call)
            except TacticMeshError:
                if tried >= 3:
                    return None
        return None

    return run_sketch(sketch, state, step, lambda s: goal_closed(s, start.goal))


def evaluate(model: Any, critic: bool, goals: list[Any], max_nodes: int, seconds: float,
             detail: bool = False, lazy: bool = False) -> dict[str, Any]:
    """Held-out success of ``model`` as a router policy; with ``detail``: calibration and sketches."""
    import random

    from tactic_mesh.calculus.state import ProofState
    from tactic_mesh.calculus.tactics import FAMILIES
    from tactic_mesh.handlers.policy import SearchNode
    from tactic_mesh.handlers.search import Searcher
    from tactic_mesh.kernel.deep import run_deep
    from tactic_mesh.neural.critic import calibration
    from tactic_mesh.neural.hindsight import root_proof
    from tactic_mesh.neural.model import family_of
    from tactic_mesh.neural.router_policy import RouterPolicy
    from tactic_mesh.neural.search_graph import SearchGraph

    policy = RouterPolicy(copy.deepcopy(model), online=True, critic=critic)
    rows = []
    probs: list[float] = []
    labels: list[bool] = []
    remaining: list[tuple[float, int]] = []
    runs: list[Any] = []
    agree = compared = 0
    rng = random.Random(0)

    def one(kind: str, goal: Any) -> None:
        nonlocal agree, compared
        graph = SearchGraph()
        state = ProofState.initial(goal.environment, goal.statement, level_params=goal.level_params)
        start = time.perf_counter()
        result = Searcher(max_nodes, seconds, policy, observer=graph, lazy=lazy).search(state)
        proved = result.state is not None and _admitted(goal, result.state)
        rows.append({"set": kind, "goal": goal.name, "proved": proved, "nodes": result.expanded,
                     "seconds": round(time.perf_counter() - start, 3)})
        if not detail:
            return
        by_state: dict[int, list[Any]] = {}
        for a in graph.attempts:
            by_state.setdefault(id(a.state), []).append(a)
        for group in by_state.values():
            group = group if len(group) <= 16 else rng.sample(group, 16)
            probs.extend(policy.accept_probabilities(group[0].state, [a.call for a in group]))
            labels.extend(a.applied for a in group)
        sub = root_proof(SearchNode(result.state, result.script, result.path)) if proved else None
        if sub is None:
            return
        for k, (s, _call) in enumerate(sub.steps):
            remaining.append((policy.remaining(s), len(sub.follow[k])))
            sketch = policy.sketch(s)
            if not sketch:
                continue
            runs.append(_play(policy, s, sketch))
            taken = [family_of(sub.steps[t][1]) for t in sub.follow[k][:len(sketch)]]
            for f, t in zip(sketch, taken, strict=False):
                compared += 1
                agree += FAMILIES[f] == t

    from tactic_mesh.kernel.errors import KernelLimitError

    for kind, goal in goals:  # all of it deep-safe: long proofs make deep terms to admit and replay
        before = len(rows)
        try:
            run_deep(one, kind, goal)
        except KernelLimitError as err:  # beyond the kernel's limits: not proved, and said so
            if len(rows) == before:
                rows.append({"set": kind, "goal": goal.name, "proved": False, "nodes": 0, "seconds": 0.0})
            rows[-1]["error"] = str(err)
    out: dict[str, Any] = {"rows": rows}
    if detail:
        cal = calibration(probs, labels, remaining=remaining)
        out["calibration"] = {"samples": cal.samples, "ece": cal.ece, "brier": cal.brier, "accuracy": cal.accuracy,
                              "base_rate": cal.base_rate, "bins": cal.bins, "remaining_mae": cal.remaining_mae,
                              "remaining_samples": cal.remaining_samples}
        steps = sum(len(r.sketch) for r in runs)
        out["sketch"] = {"sketches": len(runs), "steps": steps,
                         "mean_length": round(steps / max(len(runs), 1), 2),
                         "whole": sum(r.whole for r in runs), "closed": sum(r.closed for r in runs),
                         "steps_survived": sum(r.survived for r in runs),
                         "agree_with_proof": agree, "compared": compared}
    return out


def run_config(name: str) -> dict[str, Any]:
    import torch

    from tactic_mesh.neural.iteration import IterationConfig, iterate
    from tactic_mesh.neural.knn import KnnPolicy, KnnStore

    torch.set_num_threads(1)
    a = _SHARED["args"]
    hindsight, critic = CONFIGS[name]
    cfg = IterationConfig(iterations=a.iterations, hindsight=hindsight, critic=critic, max_nodes=a.max_nodes,
                          seconds=a.seconds, epochs=a.epochs, warm_start=a.warm_start, seed=a.seed,
                          from_base=a.from_base, accumulate=a.accumulate,
                          lazy=a.train_search == "lazy")
    goals = _SHARED["goals"]

    def ev(model: Any, _knn: Any, it: int) -> dict[str, object]:
        if it == 0:
            return dict(_SHARED["it0"])
        out = evaluate(model, critic, goals, a.eval_nodes, a.eval_seconds,
                       detail=(it == a.iterations and name == "full"), lazy=a.eval_search == "lazy")
        say(f"  {name}: round {it} held-out {proved(out['rows'])[0]}/{len(out['rows'])}")
        return out

    start = time.perf_counter()
    knn = KnnPolicy(KnnStore.from_json(_SHARED["knn"]))
    result = iterate(_SHARED["train"], copy.deepcopy(_SHARED["model0"]), knn, _SHARED["base"], cfg, evaluate=ev)
    rounds = [{"iteration": r.iteration, "proved": r.proved, "theorems": r.theorems, "subproofs": r.subproofs,
               "samples": r.samples, "search_seconds": r.search_seconds, "train_seconds": r.train_seconds,
               "too_deep": r.too_deep, **r.evaluation} for r in result.rounds]
    return {"config": name, "rounds": rounds, "seconds": round(time.perf_counter() - start, 1)}


def proved(rows: list[dict[str, Any]], kind: str | None = None) -> tuple[int, int]:
    sel = [r for r in rows if kind is None or r["set"] == kind]
    return sum(r["proved"] for r in sel), len(sel)


def _done(res: dict[str, Any], path: str | None, it0: dict[str, Any], results: dict[str, Any]) -> None:
    """Say a finished configuration's held-out totals per round at once, and keep what is finished
    in ``path`` (a later failure or interruption loses nothing already measured)."""
    totals = ", ".join(f"{proved(r['rows'])[0]}/{proved(r['rows'])[1]}" for r in res["rounds"])
    say(f"  {res['config']}: done in {res['seconds']} s; held-out per round {totals}")
    if path:
        Path(path).write_text(json.dumps({"iteration0": it0, "results": results}, indent=1, default=str))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--every", type=int, default=8, help="search every N-th training theorem per round")
    ap.add_argument("--max-nodes", type=int, default=100,
                    help="node budget of a training search (meant to be above the held-out one; on this machine the "
                         "time budget binds first on the hard theorems, after about 13-35 nodes)")
    ap.add_argument("--seconds", type=float, default=10.0, help="time budget of a training search")
    ap.add_argument("--eval-nodes", type=int, default=50, help="node budget per held-out statement")
    ap.add_argument("--eval-seconds", type=float, default=20.0,
                    help="time budget per held-out statement (a safety net; the node budget binds on most statements, "
                         "this one on 8-17 of 103 with two configurations running, so load moves a few figures)")
    ap.add_argument("--train-search", choices=("eager", "lazy"), default="eager",
                    help="the training searches (the expert): eager expansions run every candidate of a node and "
                         "close a goal as soon as any child closes it")
    ap.add_argument("--eval-search", choices=("eager", "lazy"), default="lazy",
                    help="the held-out searches (the apprentice): lazy expansions run a node's candidates in the "
                         "policy's order, one child at a time, so the policy's ranking decides every step")
    ap.add_argument("--epochs0", type=int, default=10, help="epochs of the iteration-0 model")
    ap.add_argument("--epochs", type=int, default=10, help="epochs per round")
    ap.add_argument("--warm-start", action="store_true", help="retrain from the previous round's weights")
    ap.add_argument("--from-base", action="store_true",
                    help="each round fine-tunes the iteration-0 model on the round's data (instead of a fresh start)")
    ap.add_argument("--variants", type=int, default=0,
                    help="also search up to N variants of each searched theorem per round (neural/augment.py: true by "
                         "construction, no library proof, none alpha-equivalent to a held-out statement)")
    ap.add_argument("--accumulate", action="store_true",
                    help="each round trains on every distinct checked step found so far (not only each theorem's "
                         "latest harvest)")
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--configs", default="full,no-hindsight,no-critic")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="only the first N statements of each held-out set")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    configs = args.configs.split(",")
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        ap.error(f"unknown configuration {unknown[0]!r} (known: {', '.join(CONFIGS)})")

    import torch

    from tactic_mesh.neural.iteration import base_samples
    from tactic_mesh.neural.knn import KnnPolicy
    from tactic_mesh.neural.train import train

    torch.set_num_threads(1)
    started = time.perf_counter()
    train_set, held, env, goals = held_out(args.holdout, args.limit)
    searched = train_set[::args.every]
    if args.variants:
        from tactic_mesh.api import Session
        from tactic_mesh.neural.augment import variants, wrappers

        made = variants(searched, wrappers(Session(environment=env).elaborate), args.variants,
                        avoid=[g.statement for _, g in goals], seed=args.seed)
        say(f"variants: {len(made.theorems)} of {made.candidates} candidates ({made.refused} not a proposition to "
            f"the kernel, {made.avoided} alpha-equivalent to a held-out statement)")
        searched = [*searched, *made.theorems]
    base = base_samples(train_set, args.seed)
    header(f"split: {len(train_set)} training theorems ({len(searched)} searched per round), {len(held)} held-out "
           f"library theorems, {len(goals) - len([g for g in goals if g[0] == 'library'])} search-set statements")
    model0, rep0 = train(base, epochs=args.epochs0, seed=args.seed)
    knn = KnnPolicy()
    knn.learn([s for th in train_set for s in th.steps])
    say(f"iteration 0: {len(base)} samples of the library's own proofs, {rep0.epochs} epochs in {rep0.seconds} s")
    it0 = evaluate(model0, False, goals, args.eval_nodes, args.eval_seconds, lazy=args.eval_search == "lazy")
    p, n = proved(it0["rows"])
    say(f"iteration 0 held-out: {p}/{n}")
    _SHARED.update(args=args, goals=goals, train=searched, base=base, model0=model0, knn=knn.store.to_json(),
                   it0=it0)
    results: dict[str, Any] = {}
    if args.jobs > 1 and len(configs) > 1:
        import multiprocessing

        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(run_config, c): c for c in configs}
            for future in as_completed(futures):
                try:
                    res = future.result()
                except Exception as err:  # one configuration failing must not lose the others' figures
                    say(f"  {futures[future]}: FAILED: {type(err).__name__}: {err}")
                    continue
                results[res["config"]] = res
                _done(res, args.json, it0, results)
    else:
        for c in configs:
            results[c] = run_config(c)
            _done(results[c], args.json, it0, results)
    results = {c: results[c] for c in configs if c in results}

    header(f"held-out success per round (kernel-admitted; {args.eval_nodes} nodes, {args.eval_seconds} s each)")
    say(f"{'config':<14} {'round':>5} {'library':>9} {'search':>9} {'all':>9} {'%':>6}  "
        f"{'train proved':>12} {'sub-goals':>9} {'samples':>8} {'search s':>9} {'train s':>8}")
    for name, res in results.items():
        for r in res["rounds"]:
            lib, srch, tot = proved(r["rows"], "library"), proved(r["rows"], "search"), proved(r["rows"])
            say(f"{name:<14} {r['iteration']:>5} {lib[0]:>4}/{lib[1]:<4} {srch[0]:>4}/{srch[1]:<4} "
                f"{tot[0]:>4}/{tot[1]:<4} {100 * tot[0] / max(tot[1], 1):>5.1f}  "
                f"{r['proved']:>5}/{r['theorems']:<6} {r['subproofs']:>9} {r['samples']:>8} "
                f"{r['search_seconds']:>9} {r['train_seconds']:>8}")
        shares = [100 * proved(r["rows"])[0] / max(proved(r["rows"])[1], 1) for r in res["rounds"]]
        rising = all(b > a for a, b in itertools.pairwise(shares))
        say(f"{'':<14} strictly rising: {'yes' if rising else 'NO'}; final − iteration 0 = "
            f"{shares[-1] - shares[0]:+.1f} points (goal ≥ +10)")
    full = results.get("full", {}).get("rounds", [{}])[-1]
    if "calibration" in full:
        c = full["calibration"]
        header("progress critic (final full model, held-out searches)")
        say(f"acceptance: {c['samples']} tried candidates, {100 * c['base_rate']:.1f} % applied; ECE {c['ece']}, "
            f"Brier {c['brier']}, accuracy at ½ {100 * c['accuracy']:.1f} %")
        say("  bins (mean predicted → observed, count): " +
            ", ".join(f"{p:.2f}→{o:.2f} ({k})" for p, o, k in c["bins"]))
        say(f"steps left: mean absolute error {c['remaining_mae']} steps on {c['remaining_samples']} proof states")
        s = full["sketch"]
        header("sketches (final full model, states of the held-out proofs)")
        say(f"{s['sketches']} sketches, mean length {s['mean_length']}; whole sketch survived "
            f"{s['whole']}/{s['sketches']} = {100 * s['whole'] / max(s['sketches'], 1):.1f} %; steps survived "
            f"{s['steps_survived']}/{s['steps']}; closed the goal {s['closed']}; agrees with the checked proof's "
            f"next families on {s['agree_with_proof']}/{s['compared']}")
    say(f"\ntotal wall {time.perf_counter() - started:.0f} s (2 CPU cores)")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "iteration0": it0, "results": results},
                                              indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
