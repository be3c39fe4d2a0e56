"""Cost of assembly traces (DESIGN §8) on the theorem library.

Run from the repository root::

    .venv/bin/python bench/traces.py            # full run (3 repetitions)
    .venv/bin/python bench/traces.py --quick    # 1 repetition
    .venv/bin/python bench/traces.py --json     # machine-readable results on stdout

Figures are *reported*, never asserted.  The only assertions are about correctness: every
declaration checks, every theorem is traced with no error, and every artifact replays.

1. check time of ``basics.tm`` + ``tactics.tm`` (``check_files``) without and with ``--trace``
   (recording, replaying, kernel-checking and writing both artifacts of every theorem);
2. artifact sizes: assembly and proof-term bytes, recorded steps, bytes per step;
3. replay of every assembly artifact (``replay_artifact``), the environment rebuild apart.

Medians over 3 repetitions (``--quick``: 1).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/traces.py` without installing
    sys.path.insert(0, str(ROOT))

from report import finish, fmt_s, header, say, spread, timed, to_stderr  # noqa: E402

from tactic_mesh.cli.check import check_files  # noqa: E402
from tactic_mesh.kernel.commands import CommandResult, Options  # noqa: E402
from tactic_mesh.proofs.artifacts import TraceWriter, environment_for, read_header, replay_artifact  # noqa: E402

FILES = [ROOT / "tactic_mesh" / "proofs" / "basics.tm", ROOT / "tactic_mesh" / "proofs" / "tactics.tm"]
MB = 1e6


def check(trace: TraceWriter | None) -> int:
    """Check the library (traced into ``trace``); the number of theorems checked."""
    results: list[CommandResult] = check_files([str(f) for f in FILES], Options(), trace=trace)
    bad = [r for r in results if not r.ok]
    if bad:
        raise SystemExit(f"{len(bad)} declarations rejected, e.g. {bad[0].name}: {bad[0].message}")
    theorems = sum(r.kind == "theorem" for r in results)
    if trace is not None:
        if trace.errors:
            raise SystemExit(f"{len(trace.errors)} theorems not traced, e.g. {trace.errors[0]}")
        if len(trace.written) != theorems:
            raise SystemExit(f"{len(trace.written)} theorems traced, {theorems} checked")
    return theorems


def bench_check(tmp: Path, runs: int) -> tuple[dict[str, Any], TraceWriter]:
    header("1. check basics.tm + tactics.tm, untraced / traced (rounds alternate, after a warm-up run)")
    check(None)  # warm-up: parser, prelude
    plain: list[float] = []
    traced: list[float] = []
    writers = [TraceWriter(tmp / f"run{i}", FILES) for i in range(runs)]  # a fresh, empty directory per run
    theorems = 0
    for writer in writers:
        plain.append(timed(lambda: check(None))[0])
        t, theorems = timed(functools.partial(check, writer))
        traced.append(t)
    p, t = statistics.median(plain), statistics.median(traced)
    say(f"   untraced: {fmt_s(p)}  ({spread(plain)})")
    say(f"   traced:   {fmt_s(t)}  ({spread(traced)}), {theorems} theorems, {2 * theorems} artifacts written")
    say(f"   ratio traced / untraced: {t / p:.2f}×   ({fmt_s((t - p) / theorems)} more per theorem)")
    return {"untraced_s": p, "traced_s": t, "ratio": t / p, "theorems": theorems}, writers[-1]


def bench_artifacts(writer: TraceWriter, runs: int) -> dict[str, Any]:
    header("2. artifact sizes (gzip'd JSON) and 3. replay of every assembly")
    assembly = {name: a.stat().st_size for name, a, _ in writer.written}
    proof_terms = sum(p.stat().st_size for _, _, p in writer.written)
    total = sum(assembly.values())
    biggest = max(assembly, key=assembly.__getitem__)
    rebuild_s, _ = timed(lambda: environment_for(read_header(writer.written[0][1]).source))
    replays = [timed(lambda: [replay_artifact(a) for _, a, _ in writer.written]) for _ in range(runs)]
    replay_s, reports = statistics.median(t for t, _ in replays), replays[0][1]
    steps = sum(r.steps for r in reports)
    assert all(r.complete for r in reports) and len(reports) == len(assembly)
    one_step = sum(r.steps == 1 for r in reports)
    median = statistics.median(assembly.values())
    say(f"   assemblies:  {total / MB:.2f} MB in {len(assembly)} files, {steps} steps "
        f"({one_step} one-step assemblies), {total / steps:,.0f} bytes/step")  # fmt: skip
    say(f"   per theorem: median {median / 1e3:.1f} kB, max {assembly[biggest] / 1e3:.1f} kB ({biggest})")
    say(f"   proof terms: {proof_terms / MB:.2f} MB; assembly / proof term bytes: {total / proof_terms:.1f}×")
    say(f"   environment rebuild (re-check of both files, once): {fmt_s(rebuild_s)}")
    say(f"   replay of {len(reports)} assemblies: {fmt_s(replay_s)} ({spread([t for t, _ in replays])}), "
        f"{fmt_s(replay_s / steps)} per step, {fmt_s(replay_s / len(reports))} per artifact")  # fmt: skip
    return {"assembly_bytes": total, "proof_term_bytes": proof_terms, "steps": steps, "one_step": one_step,
            "bytes_per_step": total / steps, "median_bytes": median, "max_bytes": assembly[biggest],
            "max_theorem": biggest, "rebuild_s": rebuild_s, "replay_s": replay_s}  # fmt: skip


def summary(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    c, a = res["check"], res["artifacts"]
    steps_note = f"{a['bytes_per_step']:,.0f} bytes/step"
    ratio = a["assembly_bytes"] / a["proof_term_bytes"]
    return [
        ("check, untraced (median)", fmt_s(c["untraced_s"]), f"{c['theorems']} theorems"),
        ("check, traced (median)", fmt_s(c["traced_s"]), f"{c['ratio']:.2f}× untraced"),
        ("assembly artifacts", f"{a['assembly_bytes'] / MB:.2f} MB", f"{a['steps']} steps, {steps_note}"),
        ("assembly per theorem", f"{a['median_bytes'] / 1e3:.1f} kB", f"median; max {a['max_bytes'] / 1e3:.1f} kB"),
        ("proof-term artifacts", f"{a['proof_term_bytes'] / MB:.2f} MB", f"{ratio:.1f}× smaller than assemblies"),
        ("environment rebuild", fmt_s(a["rebuild_s"]), "once, before the replays"),
        ("replay, all assemblies (median)", fmt_s(a["replay_s"]), f"{fmt_s(a['replay_s'] / a['steps'])} per step"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tactic-mesh assembly-trace benchmarks (reported, not asserted)")
    parser.add_argument("--quick", action="store_true", help="one repetition instead of three")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    args = parser.parse_args(argv)
    if args.json:
        to_stderr()
    started = time.perf_counter()
    say(f"tactic-mesh trace benchmark ({'quick' if args.quick else 'full'}) - Python {sys.version.split()[0]} "
        f"on {sys.platform}, {os.cpu_count()} CPUs")  # fmt: skip
    res: dict[str, Any] = {"mode": "quick" if args.quick else "full", "python": sys.version.split()[0]}
    tmp = Path(tempfile.mkdtemp(prefix="tactic-mesh-bench-traces-"))
    try:
        runs = 1 if args.quick else 3
        res["check"], writer = bench_check(tmp, runs)
        res["artifacts"] = bench_artifacts(writer, runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish(res, started, summary, args.json)


if __name__ == "__main__":
    sys.exit(main())
