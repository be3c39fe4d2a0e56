"""``tactic-mesh laws``: run the law catalogue on generated instances over real library states."""

from __future__ import annotations

import argparse
import json
import sys


def run_laws(args: argparse.Namespace) -> int:
    """One row per law: side condition, instances tried, where the side condition held, held,
    whether a counterexample was found; then the minimal counterexample of each refuted law.
    Exit 1 when a claimed law fails or an unclaimed variant is not refuted."""
    from tactic_mesh.laws.catalogue import LAWS
    from tactic_mesh.laws.check import LawReport, check_law, table

    names = {law.name for law in LAWS}
    unknown = [n for n in args.law or () if n not in names]
    if unknown:
        print(f"error: unknown law(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}", file=sys.stderr)
        return 2
    laws = [law for law in LAWS if not args.law or law.name in args.law]
    reports: list[LawReport] = []
    progress = None
    if sys.stderr.isatty() and not args.json:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True)
        progress.start()
    try:
        task = progress.add_task("laws", total=len(laws)) if progress else None
        for law in laws:
            if progress is not None and task is not None:
                progress.update(task, description=law.name)
            reports.append(check_law(law, args.examples))
            if progress is not None and task is not None:
                progress.advance(task)
    finally:
        if progress is not None:
            progress.stop()
    if args.json:
        json.dump([{
            "law": r.law.name, "statement": r.law.statement, "claimed": r.law.claimed,
            "policy": r.law.policy.value if r.law.policy else None, "anchor": r.law.anchor,
            "side_condition": r.law.side_condition_text, "tried": r.tried, "side_held": r.side_held,
            "held": r.held, "ok": r.ok, "seconds": round(r.seconds, 3),
            "counterexample": r.counterexample.text() if r.counterexample else None,
        } for r in reports], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(table(reports))
        for r in reports:
            if r.counterexample is not None:
                print()
                print(r.counterexample.text())
        bad = [r.law.name for r in reports if not r.ok]
        print(f"{len(reports)} law(s): {len(reports) - len(bad)} as claimed"
              + (f", FAILED: {', '.join(bad)}" if bad else ""))
    return 1 if any(not r.ok for r in reports) else 0
