"""Benchmark: the ETP pipeline with the fixed order of experts against the learned router's order.

Every row of the dev file is decided twice in one run — once with the fixed order
(``symbolic.etp.EXPERTS``), once with the router's order (``symbolic.etp_router``, the shipped
checkpoint or ``--router``) — with the same per-row budget.  The two jobs of a row go to the
same process pool one after the other (which one first alternates from row to row), so both
orders see the same machine load; every worker checks the ℤ-model theory once before its first
row, so neither order pays for it.  A row's time is the wall clock of routing (features and
order; zero for the fixed order) plus ``decide``.

Printed per order: rows settled (true rows proved, false rows refuted), wrong verdicts against
the ``holds`` column (must be 0), median / p90 seconds per row, the total (the sum over rows:
what one process would spend) and who settled the rows; then the ratio of the totals and the rows
one order settled and the other did not.  The router is trained on fresh pairs only
(``tactic-mesh train --dataset equational_theories``); the dev labels are read here only to
score.  Usage:

    python bench/etp_router.py [--budget 10] [--jobs 2] [--limit N] [--router PATH] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from etp_data import dev_rows

from tactic_mesh.calculus.magma.equations import parse_equation

POLICIES = ("fixed", "router")


def _warm() -> None:
    from tactic_mesh.symbolic.linear_models import theory_env

    theory_env()


@cache
def _router(path: str) -> Any:
    from tactic_mesh.symbolic.etp_router import load

    return load(Path(path) if path else None)


def _decide(job: tuple[int, str, str, str, float, str]) -> dict[str, Any]:
    from tactic_mesh.symbolic.etp import FIXED_ORDER, decide

    index, lhs, rhs, policy, budget, router = job
    a, b = parse_equation(lhs), parse_equation(rhs)
    started = time.monotonic()
    order = _router(router).order(a, b) if policy == "router" else FIXED_ORDER
    verdict = decide(a, b, budget, order=order)
    return {"row": index, "policy": policy, "verdict": verdict.verdict, "expert": verdict.expert.split(" ")[0],
            "checked_by": verdict.checked_by, "seconds": time.monotonic() - started, "order": list(order)}


def _p90(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.9 * len(xs)))]


def _summary(policy: str, results: dict[int, dict[str, Any]], rows: list[dict[str, str]]) -> dict[str, Any]:
    settled = [i for i, r in enumerate(rows) if (results[i]["verdict"], r["holds"]) in (
        ("proved", "true"), ("refuted", "false"))]
    wrong = [i for i, r in enumerate(rows) if (results[i]["verdict"], r["holds"]) in (
        ("proved", "false"), ("refuted", "true"))]
    times = [results[i]["seconds"] for i in range(len(rows))]
    return {"policy": policy, "settled": settled, "wrong": wrong, "median": statistics.median(times),
            "p90": _p90(times), "total": sum(times),
            "experts": Counter(results[i]["expert"] for i in settled)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per row (default 10, as bench/etp.py)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N rows")
    parser.add_argument("--router", default="", help="the router checkpoint (default: the shipped one)")
    parser.add_argument("--file", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write every row's two results here")
    args = parser.parse_args()
    found = dev_rows(args.file, args.limit)
    if found is None:
        print("etp router bench: the ETP data is not present", file=sys.stderr)
        return 2
    path, rows = found
    from tactic_mesh.symbolic.etp_router import RouterError

    try:
        router = _router(args.router)
    except RouterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(rows)} rows of {path.name}; budget {args.budget:g} s per row; {args.jobs} process(es); router "
          f"trained on {router.training.get('pairs', '?')} fresh pairs (seed {router.training.get('seed', '?')})")
    jobs = []
    for i, r in enumerate(rows):
        pair = POLICIES if i % 2 == 0 else POLICIES[::-1]
        jobs += [(i, r["lhs_eq"], r["rhs_eq"], p, args.budget, args.router) for p in pair]
    started = time.monotonic()
    results: dict[str, dict[int, dict[str, Any]]] = {p: {} for p in POLICIES}
    with ProcessPoolExecutor(max_workers=args.jobs, initializer=_warm) as pool:
        for record in pool.map(_decide, jobs):
            results[record["policy"]][record["row"]] = record
    wall = time.monotonic() - started
    summaries = {p: _summary(p, results[p], rows) for p in POLICIES}
    for p, s in summaries.items():
        print(f"\n== {p} order ==")
        print(f"settled: {len(s['settled'])}/{len(rows)}; wrong verdicts: {len(s['wrong'])}")
        print(f"time per row: median {s['median']:.3f} s, p90 {s['p90']:.3f} s; total {s['total']:.1f} s")
        print(f"settled by: {dict(sorted(s['experts'].items()))}")
    fixed, routed = summaries["fixed"], summaries["router"]
    ratio = routed["total"] / fixed["total"] if fixed["total"] else float("nan")
    print(f"\nrouter / fixed total: {ratio:.3f} ({100 * (1 - ratio):.1f} % lower); settled "
          f"{len(routed['settled'])} vs {len(fixed['settled'])}; bench wall {wall:.1f} s")
    only_fixed = sorted(set(fixed["settled"]) - set(routed["settled"]))
    only_router = sorted(set(routed["settled"]) - set(fixed["settled"]))
    print(f"settled only by the fixed order: {[i + 2 for i in only_fixed]}; only by the router: "
          f"{[i + 2 for i in only_router]} (TSV line numbers)")
    orders = Counter(" > ".join(results["router"][i]["order"]) for i in range(len(rows)))
    print("router orders used: " + "; ".join(f"{n}× {o}" for o, n in orders.most_common(4)))
    if args.json is not None:
        args.json.write_text(json.dumps({p: [results[p][i] for i in range(len(rows))] for p in POLICIES}, indent=1),
                             encoding="utf-8")
    return 1 if fixed["wrong"] or routed["wrong"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
