"""``tactic-mesh typecheck FILE...``: type-check the tactic programs of ``.tm`` files without running them."""

from __future__ import annotations

import argparse
import json
import sys


def run_typecheck(args: argparse.Namespace) -> int:
    """One line per ``by`` block: ok with its output interface and effect row, or the located type
    error naming the sub-term.  Files are read in order, each seeing the previous ones' theorems.
    Without ``--run`` no block runs: each theorem enters the environment as ``sorryAx`` so that
    later blocks can use it, and nothing is reported as proved."""
    from tactic_mesh.handlers.typecheck import typecheck_files
    from tactic_mesh.kernel.errors import TacticMeshError

    try:
        results = typecheck_files(args.files, run=args.run)
    except (OSError, UnicodeDecodeError) as err:
        print(f"error: cannot read input: {err}", file=sys.stderr)
        return 1
    except TacticMeshError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    failed = [r for r in results if not r.ok]
    if args.json:
        json.dump([{
            "name": r.name, "kind": r.kind, "ok": r.ok, "message": r.message,
            "location": str(r.location), "path": r.path, "interface_out": r.interface_out,
            "effects": list(r.effects), "proved": r.proved,
        } for r in results], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for r in results:
            if r.ok:
                if not args.quiet:
                    ran = "" if r.proved is None else ("; ran and proved" if r.proved else "; ran: FAILED")
                    print(f"{r.location}: ok: {r.kind} {r.name}: ⊢ {r.interface_out} ! {{{', '.join(r.effects)}}}{ran}")
            else:
                where = f" (at {r.path})" if r.path else ""
                print(f"{r.location}: error: {r.kind} {r.name}: {r.message}{where}")
        mode = "type-checked and run" if args.run else "type-checked (not run)"
        print(f"{len(results)} tactic block(s) {mode}: {len(failed)} error(s)")
    return 1 if failed or (args.run and any(r.proved is False for r in results)) else 0
