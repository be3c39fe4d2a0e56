"""The ``tactic-mesh`` command.  Heavy modules are imported inside the sub-commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tactic-mesh",
        description="Typed, effectful tactic programs over a small trusted dependent type theory.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = sub.add_parser(
        "check",
        help="elaborate and kernel-check every declaration of .tm files",
        description=(
            "Elaborate every declaration of the given files and admit it through the kernel type "
            "checker. Files are checked in order on top of the prelude (or from scratch when the "
            "prelude itself is given). Exit status 0 only if every declaration checks."
        ),
    )
    check.add_argument("files", nargs="+", metavar="FILE.tm")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument("--allow-sorry", action="store_true", help="accept declarations that use sorry")
    check.add_argument(
        "--forbid-axioms", action="store_true", help="reject theorems that depend on any axiom"
    )
    check.add_argument("--quiet", "-q", action="store_true", help="print errors and the summary only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "check":
        from tactic_mesh.cli.check import run_check

        return run_check(args)
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
