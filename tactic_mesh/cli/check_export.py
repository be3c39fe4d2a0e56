"""``tactic-mesh check-export FILE.ndjson``: check a Lean 4 kernel export (lean4export NDJSON,
format 3.x) with the project's kernel, as an external Lean checker does.

Exit 0: every constant accepted; 1: some constant rejected (each named, with the reason); 2: none
rejected but some declined (a feature the kernel does not support, named) or skipped (depending on
one that was not admitted), or the file is malformed or unreadable (with the line number).
"""

from __future__ import annotations

import argparse
import json
import sys


def run_check_export(args: argparse.Namespace) -> int:
    from tactic_mesh.cli.console import progress_bar
    from tactic_mesh.lean.ndjson import NdjsonError, read_export_bytes
    from tactic_mesh.lean.ndjson_check import CheckReport, Malformed, check_export

    source = str(args.file)
    quiet = bool(getattr(args, "quiet", False))
    as_json = bool(getattr(args, "json", False))
    report: CheckReport
    try:
        with open(source, "rb") as handle:
            data = handle.read()
    except OSError as err:
        report = CheckReport(source, malformed=Malformed(f"{source}: cannot read the file: {err.strerror or err}"))
    else:
        try:
            export = read_export_bytes(data, source)
        except NdjsonError as err:
            report = CheckReport(source, malformed=Malformed.of(err))
        else:
            total = len(export.declarations)
            show = not (quiet or as_json) and sys.stderr.isatty() and total > 50
            with progress_bar("checking declarations", total, show) as advance:
                report = check_export(export, progress=advance)
    if as_json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        if not quiet:
            if report.malformed is None:
                for verdict in report.problems():
                    where = f"{source}:{verdict.line}" if verdict.line else source
                    print(f"{where}: {verdict.describe()}")
        print(report.summary())
    return report.exit_code
