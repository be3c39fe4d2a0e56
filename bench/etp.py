"""Benchmark: deciding the ETP dev implications, three ways in one run.

1. E prover alone, with the per-row budget: its raw SZS status (``Theorem`` counts as proved,
   ``CounterSatisfiable`` as refuted), nothing checked;
2. z3 brute-force counter-models of size ≤ 4 alone (re-checked in Python, no kernel);
3. the library's full pipeline (``symbolic.etp.decide``): every verdict with a checked certificate.

For each: rows settled (true rows proved, false rows refuted), wrong verdicts, median and p90
seconds per row, and the total wall time with ``--jobs`` processes.  Usage:

    python bench/etp.py [--budget 10] [--jobs 2] [--limit N] [--only e,z3,pipeline]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from etp_data import dev_rows

from tactic_mesh.calculus.magma.equations import parse_equation

Row = tuple[str, str, str, str]  # lhs, rhs, holds, stratum


def _e_alone(job: tuple[Row, float]) -> tuple[str, float]:
    from tactic_mesh.symbolic.eprover import run_eprover

    (lhs, rhs, _, _), budget = job
    started = time.monotonic()
    result = run_eprover(parse_equation(lhs), parse_equation(rhs), budget, saturation=False)
    verdict = {"Theorem": "proved", "CounterSatisfiable": "refuted"}.get(result.status, "unknown")
    return verdict, time.monotonic() - started


def _z3_alone(job: tuple[Row, float]) -> tuple[str, float]:
    from tactic_mesh.symbolic.finite_models import find_counter_model

    (lhs, rhs, _, _), budget = job
    started = time.monotonic()
    try:
        model = find_counter_model(parse_equation(lhs), parse_equation(rhs), 4, int(1000 * budget / 3))
    except Exception:  # a solver error is a row not settled
        model = None
    return ("refuted" if model is not None else "unknown"), time.monotonic() - started


def _pipeline(job: tuple[Row, float]) -> tuple[str, float]:
    from tactic_mesh.symbolic.etp import decide

    (lhs, rhs, _, _), budget = job
    started = time.monotonic()
    verdict = decide(parse_equation(lhs), parse_equation(rhs), budget)
    return f"{verdict.verdict}|{verdict.expert.split(' ')[0]}|{verdict.checked_by}", time.monotonic() - started


def _measure(name: str, fn: Callable[[tuple[Row, float]], tuple[str, float]], rows: list[Row], budget: float,
             jobs: int) -> None:
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(fn, [(row, budget) for row in rows]))
    wall = time.monotonic() - started
    verdicts = [r[0].split("|")[0] for r in results]
    times = sorted(r[1] for r in results)
    true_rows = [i for i, row in enumerate(rows) if row[2] == "true"]
    false_rows = [i for i, row in enumerate(rows) if row[2] == "false"]
    proved = sum(verdicts[i] == "proved" for i in true_rows)
    refuted = sum(verdicts[i] == "refuted" for i in false_rows)
    wrong = sum(verdicts[i] == "refuted" for i in true_rows) + sum(verdicts[i] == "proved" for i in false_rows)
    p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
    print(f"\n== {name} ==")
    print(f"true rows proved:   {proved}/{len(true_rows)} ({100 * proved / max(1, len(true_rows)):.1f} %)")
    print(f"false rows refuted: {refuted}/{len(false_rows)} ({100 * refuted / max(1, len(false_rows)):.1f} %)")
    print(f"settled: {proved + refuted}/{len(rows)}; wrong verdicts: {wrong}")
    print(f"time per row: median {statistics.median(times):.3f} s, p90 {p90:.3f} s; wall {wall:.1f} s "
          f"with {jobs} process(es)")
    if "|" in results[0][0]:
        experts = Counter(r[0].split("|")[1] for r in results if r[0].split("|")[0] in ("proved", "refuted"))
        checkers = Counter(r[0].split("|")[2] for r in results if r[0].split("|")[0] in ("proved", "refuted"))
        print(f"settled by: {dict(sorted(experts.items()))}; checked by: {dict(sorted(checkers.items()))}")
        by_stratum: dict[str, Counter[str]] = {}
        for row, verdict in zip(rows, verdicts, strict=True):
            by_stratum.setdefault(row[3], Counter())[verdict] += 1
        for stratum, counts in sorted(by_stratum.items()):
            print(f"  {stratum:<32} {dict(sorted(counts.items()))}")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N rows")
    parser.add_argument("--only", default="e,z3,pipeline")
    parser.add_argument("--file", type=Path, default=None)
    args = parser.parse_args()
    found = dev_rows(args.file, args.limit)
    if found is None:
        print("etp bench: the ETP data is not present", file=sys.stderr)
        return 2
    path, records = found
    rows = [(r["lhs_eq"], r["rhs_eq"], r["holds"], r["stratum"]) for r in records]
    print(f"{len(rows)} rows of {path.name}; budget {args.budget:g} s per row; {args.jobs} process(es)")
    chosen = set(args.only.split(","))
    if "e" in chosen:
        _measure("E prover alone (raw SZS status, unchecked)", _e_alone, rows, args.budget, args.jobs)
    if "z3" in chosen:
        _measure("z3 brute force, size ≤ 4, alone (no kernel)", _z3_alone, rows, args.budget, args.jobs)
    if "pipeline" in chosen:
        _measure("full pipeline (every verdict checked)", _pipeline, rows, args.budget, args.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
