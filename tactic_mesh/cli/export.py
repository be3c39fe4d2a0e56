"""``tactic-mesh export --to lean|ndjson [FILE.tm|ARTIFACT ...] [-o OUT] [--json]``.

The input is the shipped library (no argument), ``.tm`` files (checked on top of the prelude, as
``tactic-mesh check`` does; the whole environment is exported) or proof artifacts
(``*_proof_term.json.gz`` replayed from their assembly, ``*_assembly.json.gz``, or a directory of
them; their theorems and what they depend on are exported) — ``lean.source_inputs``.

* ``--to lean``: one Lean 4 file that starts with ``prelude`` (``lean.source``).  Before anything
  is written, the file is read back into kernel terms and compared with the environment
  (``lean.source_parse.check_roundtrip``).
* ``--to ndjson``: the environment in lean4export's NDJSON format (``lean.ndjson_export``).

``-o OUT`` replaces ``OUT`` atomically (a temporary file in the same directory, then a rename);
without it the export goes to standard output.  ``--json`` prints a summary (with ``-o``) or the
summary with the export in its ``"text"`` field.

Exit status: 0 exported; 1 a declaration cannot be exported, an input file does not check, or the
output cannot be written (each error with ``file:line:col`` where known); 2 an input is missing,
of an unknown kind, or a malformed or incompatible artifact.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path


def _status(message: str, show: bool) -> AbstractContextManager[object]:
    if not show or not sys.stderr.isatty():
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(message)


def write_atomically(path: Path, text: str) -> None:
    """``text`` at ``path``, replaced atomically: a reader sees the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _error(message: str, loc: object = None) -> None:
    text = str(message)
    print(f"{loc}: error: {text}" if loc is not None and not text.startswith(str(loc)) else f"error: {text}",
          file=sys.stderr)


def run_export(args: argparse.Namespace) -> int:
    from tactic_mesh.kernel.errors import TacticMeshError
    from tactic_mesh.lean.source_inputs import ExportCheckError, ExportInputError, load_inputs

    inputs: list[str] = list(args.inputs or [])
    show = not args.json
    summary: dict[str, object] = {"ok": False, "target": args.target, "inputs": inputs or ["<library>"],
                                  "output": args.output}
    try:
        with _status("checking the inputs…", show):
            source = load_inputs(inputs)
    except ExportCheckError as err:
        for loc, message in err.failures:
            _error(message, loc)
        return _finish(args, summary, 1, [f"{loc}: {m}" for loc, m in err.failures])
    except ExportInputError as err:
        _error(err.message)
        return _finish(args, summary, 2, [err.message])
    except TacticMeshError as err:
        _error(err.message, err.loc)
        return _finish(args, summary, 1, [str(err)])
    try:
        with _status(f"exporting to {args.target}…", show):
            text = _export_lean(source, summary) if args.target == "lean" else _export_ndjson(source, summary)
    except TacticMeshError as err:
        _error(err.message, err.loc)
        return _finish(args, summary, 1, [str(err)])
    if text is None:
        return _finish(args, summary, 1, None)
    if args.output:
        try:
            write_atomically(Path(args.output), text)
        except OSError as err:
            _error(f"cannot write {args.output}: {err.strerror or err}")
            return _finish(args, summary, 1, [f"cannot write {args.output}"])
    summary["ok"] = True
    if args.json:
        if not args.output:
            summary["text"] = text
        return _finish(args, summary, 0, [])
    if args.output:
        print(f"wrote {args.output}: {_describe(summary)}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
        print(_describe(summary), file=sys.stderr)
    return 0


def _describe(summary: dict[str, object]) -> str:
    count = summary.get("declarations", 0)
    if summary["target"] == "lean":
        scripts = summary.get("tactic_proofs", 0)
        kept = f"; {scripts} tactic scripts kept as comments above their kernel-checked proof terms" if scripts else ""
        return f"{count} declarations as Lean 4 source (a prelude file{kept}; read back and compared)"
    return f"{count} declarations in lean4export NDJSON"


def _finish(args: argparse.Namespace, summary: dict[str, object], code: int, errors: list[str] | None) -> int:
    if errors is not None:
        summary.setdefault("errors", errors)
    if args.json:
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return code


def _export_lean(source: object, summary: dict[str, object]) -> str | None:
    from tactic_mesh.lean.source import export_lean
    from tactic_mesh.lean.source_inputs import ExportInput
    from tactic_mesh.lean.source_parse import check_roundtrip

    assert isinstance(source, ExportInput)
    result = export_lean(source.env, source.names, source.sources, source.files)
    summary.update(
        declarations=len(result.declarations),
        generated=len(result.generated),
        support=list(result.support),
        tactic_proofs=result.tactic_proofs,
        environment_hash=result.environment_hash,
        sources=list(source.files),
    )
    if result.errors:
        for err in result.errors:
            _error(err.message, err.loc)
        summary["errors"] = [str(err) for err in result.errors]
        return None
    problems = check_roundtrip(result.text, source.env, result.declarations, result.generated, result.support)
    summary["read_back"] = not problems
    if problems:
        for problem in problems:
            _error(f"internal error: the exported Lean source does not read back: {problem}")
        summary["errors"] = problems
        return None
    return result.text


def _export_ndjson(source: object, summary: dict[str, object]) -> str:
    from tactic_mesh.lean.ndjson import export_text
    from tactic_mesh.lean.ndjson_export import export_environment
    from tactic_mesh.lean.source_inputs import ExportInput

    assert isinstance(source, ExportInput)
    export = export_environment(source.env, source.names)
    summary.update(declarations=len(export.declarations), sources=list(source.files))
    return export_text(export)
