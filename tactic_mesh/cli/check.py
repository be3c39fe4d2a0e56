"""``tactic-mesh check``: kernel-check the declarations of ``.tm`` files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tactic_mesh.kernel.commands import CommandResult, FileChecker, Options
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.errors import Location, TacticMeshError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from tactic_mesh.proofs.artifacts import TraceWriter

KERNEL_NOTE = "every accepted declaration was re-checked by the kernel type checker"


def check_files(paths: list[str], options: Options, show_progress: bool = False,
                trace: TraceWriter | None = None) -> list[CommandResult]:
    """Check the files in order against one growing environment; with ``trace``, every theorem's
    assembly is recorded and written (``--trace DIR``)."""
    from tactic_mesh.proofs.library import start_environment

    results: list[CommandResult] = []
    files = [Path(p) for p in paths]
    try:
        env = start_environment(files)
    except TacticMeshError as err:
        return [CommandResult("prelude", "", False, err.message, Location("<prelude>", 1, 1))]
    from tactic_mesh.handlers.blocks import prove_by_block

    checker = FileChecker(env, options, prove_by_block)
    if trace is not None:
        checker.theorem_hook = trace.hook
    with _Progress(show_progress) as progress:
        for path in files:
            if path.is_dir():
                results.append(CommandResult("file", str(path), False, "is a directory", Location(str(path), 1, 1)))
                continue
            task = progress.start(str(path))
            if trace is None:
                results.extend(run_deep(checker.check_file, path, task.parsed, task.advance))
            else:
                from tactic_mesh.proofs.artifacts import traced_run

                def check_one(p: Path = path, t: _Task = task) -> list[CommandResult]:
                    return run_deep(checker.check_file, p, t.parsed, t.advance)

                results.extend(traced_run(check_one, trace.sink))
    return results


class _Task:
    def __init__(self, progress: Progress | None, task_id: TaskID | None) -> None:
        self._progress = progress
        self._id = task_id

    def parsed(self, count: int) -> None:
        if self._progress is not None and self._id is not None:
            self._progress.update(self._id, total=count)

    def advance(self, result: CommandResult) -> None:
        if self._progress is not None and self._id is not None:
            self._progress.advance(self._id)


class _Progress:
    """A rich progress bar on a terminal's stderr (declarations checked per file); silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None

    def __enter__(self) -> _Progress:
        if self._enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._progress.__enter__()
        return self

    def start(self, description: str) -> _Task:
        if self._progress is None:
            return _Task(None, None)
        return _Task(self._progress, self._progress.add_task(description, total=None))

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)


def _line(r: CommandResult) -> str:
    what = f"{r.kind} {r.name}".strip()
    if not r.ok:
        return f"{r.loc}: error: {what}: {r.message}"
    extra = f": {r.output}" if r.output else ""
    return f"{r.loc}: ok: {what}{extra}"


REWRITE_CERTIFICATE = "rewrite-certificate"  # the kind of a `.rwc` file's result: not a kernel declaration


def _recheck_rewrite_certificates(paths: list[str]) -> list[CommandResult]:
    """``.rwc`` files: rewrite certificates (refutations from a saturation), re-checked by the
    library's independent checker — not by the kernel, and said so in each result."""
    from tactic_mesh.kernel.errors import TacticMeshError
    from tactic_mesh.symbolic.rewrite_certificate import recheck

    results: list[CommandResult] = []
    for path in paths:
        where = Location(path, 1, 1)
        try:
            cert = recheck(Path(path).read_text(encoding="utf-8"), file=path)
        except (OSError, UnicodeDecodeError) as err:
            message = f"cannot read the certificate: {err}"
            results.append(CommandResult(REWRITE_CERTIFICATE, path, False, message, where))
        except TacticMeshError as err:
            results.append(CommandResult(REWRITE_CERTIFICATE, path, False, err.message, err.loc or where))
        else:
            results.append(CommandResult(
                REWRITE_CERTIFICATE, path, True, "", where,
                output=(f"¬ ({cert.hypothesis.text()} ⟹ {cert.refuted.text()}): {len(cert.rules)} rules, "
                        f"{cert.critical_pairs} critical pairs joinable; checked by the rewrite-certificate "
                        "checker, not the kernel")))
    return results


def run_check(args: argparse.Namespace) -> int:
    certificates = [f for f in args.files if f.endswith(".rwc")]
    args.files = [f for f in args.files if not f.endswith(".rwc")]
    options = Options(allow_sorry=args.allow_sorry, forbid_axioms=args.forbid_axioms)
    trace = None
    if args.trace:
        from tactic_mesh.proofs.artifacts import TraceWriter

        trace = TraceWriter(Path(args.trace), [Path(f) for f in args.files])
    results = check_files(args.files, options, show_progress=not args.json, trace=trace) if args.files else []
    results += _recheck_rewrite_certificates(certificates)
    if trace is not None:  # an artifact that could not be written fails its declaration
        for name, message in trace.errors:
            results.append(CommandResult("trace", name, False, message, Location(args.trace, 1, 1)))
    failed = [r for r in results if not r.ok]
    declarations = [r for r in results
                    if not r.kind.startswith("#") and r.kind not in ("universe", REWRITE_CERTIFICATE)]
    if args.json:
        payload = {
            "ok": not failed,
            "checked": len(declarations),
            "failed": len(failed),
            "kernel_rechecked": True,
            "rewrite_certificates": len(certificates),  # checked by their own checker, not the kernel
            **({"artifacts": [{"theorem": n, "assembly": str(a), "proof_term": str(p)} for n, a, p in trace.written]}
               if trace is not None else {}),
            "results": [r.to_json() for r in results],
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0 if not failed else 1
    for r in results:
        if r.ok and args.quiet and not r.output:
            continue
        stream = sys.stdout if r.ok else sys.stderr
        print(_line(r), file=stream)
    ok = len(declarations) - len([r for r in failed if r in declarations])
    if failed:
        print(f"{len(failed)} error(s); {ok} of {len(declarations)} declarations checked ({KERNEL_NOTE})",
              file=sys.stderr)
        return 1
    print(f"all {len(declarations)} declarations checked: {KERNEL_NOTE}")
    if certificates:
        print(f"{len(certificates)} rewrite certificate(s) re-checked by the rewrite-certificate checker, "
              "not the kernel")
    if trace is not None:
        print(f"{len(trace.written)} theorem(s) traced into {args.trace}: each proof term was rebuilt by a "
              "sequential replay of its assembly and re-checked by the kernel")
    return 0
