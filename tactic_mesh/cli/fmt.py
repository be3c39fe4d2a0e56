"""``tactic-mesh fmt PATH... [--check]``: canonical layout of tactic text in ``.tm`` and ``.tac`` files."""

from __future__ import annotations

import argparse
import sys


def run_fmt(args: argparse.Namespace) -> int:
    """Exit 0 when every file is (now) canonical; with ``--check`` exit 1 when some file would
    change; exit 1 on a file that cannot be read or formatted (it is left as it is)."""
    from tactic_mesh.codecs.fmt import format_paths

    results = format_paths(args.paths, check=args.check)
    changed = [path for path, did_change, _ in results if did_change]
    problems = [error if error.startswith(path) else f"{path}: {error}" for path, _, error in results if error]
    for path in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path}")
    for error in problems:
        print(error, file=sys.stderr)
    if not args.quiet:
        verb = "would be reformatted" if args.check else "reformatted"
        print(f"{len(results)} file(s) checked, {len(changed)} {verb}, {len(problems)} with problems")
    if problems or (args.check and changed):
        return 1
    return 0
