"""Benchmark: the ETP dev rows decided through each executor of ``tactic_mesh.net.executor``.

The same rows, the same per-row budget and the same worker function as ``tactic-mesh etp`` (the
full pipeline, every verdict on a checked certificate; fixed expert order), run through the inline
executor (this process, one row at a time), the process pool and Ray (``--jobs`` workers each).
For each: rows settled (true rows proved, false rows refuted), wrong verdicts (a soundness bug if
ever non-zero), rows whose worker failed, verdicts differing from the first executor's, the
start-up (making the executor: Ray's ``init``), the wall time of the rows, rows per second, and
the speed-up against inline measured in the same run (inline wall / this wall, rows only).

Executors run in the order given (default inline, process, ray), after one untimed decision of the
first row in this process (so no executor pays the imports and caches the first row loads).  The
process pool forks this process, so its workers inherit what it loaded; Ray's workers are fresh
processes that load the library themselves (inside their wall time).  Verdicts near the budget can differ
between executors on a loaded machine: that is timing, not soundness.  Usage:

    python bench/executors.py [--limit N] [--budget 10] [--jobs 2] [--executors inline,process,ray]
                              [--file TSV] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from etp_data import dev_rows
from report import header, say, table

from tactic_mesh.cli.etp import _decide_row, _timeout
from tactic_mesh.net.executor import EXECUTORS, ExecutorError, Ok, make_executor


def _run(name: str, jobs: int, work: list[tuple[int, str, str, float, None]], holds: list[str],
         budget: float) -> dict[str, Any]:
    started = time.monotonic()
    executor = make_executor(name, jobs)
    startup = time.monotonic() - started
    verdicts: list[str] = []
    failures: list[str] = []
    t0 = time.monotonic()
    with executor:
        for outcome in executor.map(_decide_row, work, timeout=_timeout(budget)):
            if isinstance(outcome, Ok):
                verdicts.append(outcome.value["verdict"])
            else:
                verdicts.append("error")
                failures.append(f"row {work[outcome.index][0]}: {outcome.kind}: {outcome.message}")
        wall = time.monotonic() - t0
    closed = time.monotonic() - t0 - wall  # stopping the workers (Ray's shutdown)
    proved = sum(v == "proved" and h == "true" for v, h in zip(verdicts, holds, strict=True))
    refuted = sum(v == "refuted" and h == "false" for v, h in zip(verdicts, holds, strict=True))
    wrong = sum((v == "proved" and h == "false") or (v == "refuted" and h == "true")
                for v, h in zip(verdicts, holds, strict=True))
    return {"executor": name, "workers": executor.workers, "startup_s": round(startup, 3), "wall_s": round(wall, 3),
            "close_s": round(closed, 3), "rows_per_s": round(len(work) / wall, 3) if wall else None,
            "settled": proved + refuted, "true_proved": proved, "false_refuted": refuted, "wrong": wrong,
            "worker_failures": failures, "verdicts": verdicts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per row (default 10, as bench/etp.py)")
    parser.add_argument("--jobs", type=int, default=2, help="workers of the process pool and of Ray (default 2)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N rows")
    parser.add_argument("--executors", default=",".join(EXECUTORS), help="which, in this order")
    parser.add_argument("--file", type=Path, default=None, help="the rows (default: the ETP dev file)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args()
    found = dev_rows(args.file, args.limit)
    if found is None:
        print("executors bench: the ETP data is not present", file=sys.stderr)
        return 2
    path, rows = found
    names = [n for n in args.executors.split(",") if n]
    work = [(i, r["lhs_eq"], r["rhs_eq"], args.budget, None) for i, r in enumerate(rows, start=2)]
    holds = [r.get("holds", "") for r in rows]
    started = time.perf_counter()
    if work:
        _decide_row(work[0])  # the warm-up (see the module docstring)
    say(f"{len(rows)} rows of {path.name}; budget {args.budget:g} s per row; {args.jobs} worker(s) for process "
        f"and ray; executors in this order: {', '.join(names)}")
    results: list[dict[str, Any]] = []
    for name in names:
        header(f"{name}")
        try:
            r = _run(name, args.jobs, work, holds, args.budget)
        except ExecutorError as err:
            say(f"not measured: {err}")
            results.append({"executor": name, "error": str(err)})
            continue
        results.append(r)
        differ = sum(a != b for a, b in zip(r["verdicts"], results[0].get("verdicts", r["verdicts"]), strict=True))
        r["differ_from_first"] = differ
        say(f"settled: {r['settled']}/{len(rows)} (true proved {r['true_proved']}, false refuted "
            f"{r['false_refuted']}); wrong verdicts: {r['wrong']}; worker failures: {len(r['worker_failures'])}; "
            f"verdicts differing from {names[0]}: {differ}")
        for failure in r["worker_failures"]:
            say(f"  {failure}")
        say(f"start-up {r['startup_s']:.2f} s; rows wall {r['wall_s']:.2f} s with {r['workers']} worker(s); "
            f"{r['rows_per_s']} rows/s")
    inline = next((r for r in results if r.get("executor") == "inline" and "wall_s" in r), None)
    summary: list[tuple[str, str, str]] = []
    for r in results:
        if "wall_s" not in r:
            summary.append((r["executor"], "-", r["error"]))
            continue
        speedup = inline["wall_s"] / r["wall_s"] if inline and r["wall_s"] else None
        r["speedup_vs_inline"] = round(speedup, 3) if speedup is not None else None
        summary.append((f"{r['executor']} rows wall", f"{r['wall_s']:.2f} s",
                        f"{r['rows_per_s']} rows/s; settled {r['settled']}, wrong {r['wrong']}; start-up "
                        f"{r['startup_s']:.2f} s" + (f"; ×{speedup:.2f} vs inline" if speedup is not None else "")))
    total = time.perf_counter() - started
    table(summary, total)
    if args.json is not None:
        args.json.write_text(json.dumps({"file": str(path), "rows": len(rows), "budget": args.budget,
                                         "jobs": args.jobs, "results": results, "total_s": round(total, 3)},
                                        indent=1), encoding="utf-8")
    return 1 if any(r.get("wrong") for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
