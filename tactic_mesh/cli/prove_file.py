"""``tactic-mesh prove-file FILE``: prove many statements by search in workers; re-check every proof here.

FILE holds one statement per line; text from ``#`` to the end of a line is a comment, and blank
lines are ignored.  Every statement is first elaborated here, so a statement that does not parse
or elaborate is bad input (``FILE:LINE:COL``, exit status 2) and nothing is searched.  Then each
statement is searched for in a worker (``--executor`` inline, process or ray; ``--jobs`` workers;
``--budget``/``--max-nodes``/``--policy`` as for ``tactic-mesh prove``).

**What is guaranteed.**  A worker returns only the text of its script.  Nothing else it says is
believed: this process replays the script on its own elaboration of the statement
(``Session.prove(statement, by=script)``), which admits the proof term through the kernel type
checker, and only then reports the line as proved ("re-checked by the kernel").  A line that is
not proved says why, at ``FILE:LINE``: the search found no proof (with how far it got), the worker
raised, timed out (``--timeout``) or died, or its script failed the re-check here.  Never a
traceback.  Exit status 0 when every statement is proved, 1 otherwise (or when interrupted), 2 on
bad input.  ``--json FILE`` gets the per-line results as they come.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tactic_mesh.cli.console import progress_bar, write_json
from tactic_mesh.kernel.errors import Location, TacticMeshError
from tactic_mesh.net.executor import ExecutorError, Failed, Ok, make_executor

if TYPE_CHECKING:
    from tactic_mesh.api import Session

# line, statement, budget, max nodes, policy name, library
Job = tuple[int, str, float, int, str, str]


@cache
def _session(library: str) -> Session:
    """One session per process (workers reuse theirs across statements)."""
    from tactic_mesh.api import Session

    return Session(library)


def _search(job: Job) -> dict[str, Any]:
    """In a worker: search for a proof of one statement; a plain record with the script (or why not)."""
    from tactic_mesh.api import NoProofFound

    line, statement, budget, max_nodes, policy, library = job
    started = time.monotonic()
    record: dict[str, Any] = {"line": line, "pid": os.getpid()}
    try:
        result = _session(library).prove(statement, budget=budget, max_nodes=max_nodes, policy=policy,
                                         name=f"_line{line}")
    except NoProofFound as err:
        found = err.search
        return {**record, "status": "no-proof", "reason": err.message, "furthest_script": list(found.best_script),
                "goals_left": len(found.best_goals),
                "stats": {"expanded": found.expanded, "generated": found.generated, "seconds": round(found.seconds, 3)},
                "worker_seconds": round(time.monotonic() - started, 3)}
    except TacticMeshError as err:
        return {**record, "status": "error", "reason": str(err), "worker_seconds": round(time.monotonic() - started, 3)}
    st = result.stats
    return {**record, "status": "found", "script": list(result.script),
            "stats": {"expanded": st.expanded, "generated": st.generated, "seconds": st.seconds, "policy": st.policy},
            "worker_seconds": round(time.monotonic() - started, 3)}


def _statements(path: Path, session: Session) -> tuple[list[tuple[int, str]], list[str]]:
    """The file's statements with their line numbers, or the located problems (each ``FILE:LINE:COL``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return [], [f"{path}: cannot read: {getattr(err, 'strerror', None) or err}"]
    statements: list[tuple[int, str]] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.split("#", 1)[0]
        statement = body.strip()
        if not statement:
            continue
        indent = len(body) - len(body.lstrip())
        try:
            session.elaborate(statement)
        except TacticMeshError as err:
            col = indent + (err.loc.col if err.loc is not None else 1)
            problems.append(f"{Location(str(path), number, col)}: {err.message}")
            continue
        statements.append((number, statement))
    if not statements and not problems:
        problems.append(f"{path}: no statement in the file (one per line; '#' starts a comment)")
    return statements, problems


def _policy(name: str, session: Session) -> tuple[str, str | None]:
    """The policy every worker uses (``auto`` resolved here), or why it cannot be used."""
    from tactic_mesh.handlers.policy import policy_names
    from tactic_mesh.neural.policies import default_policy

    if name == "auto":
        name, why = default_policy()
        if why:
            print(f"note: searching with the heuristic policy: {why}", file=sys.stderr)
    if name not in policy_names():
        return name, f"unknown search policy '{name}' (known: auto, {', '.join(policy_names())})"
    try:
        session.policy(name)  # the checkpoint of a learned policy loads (the workers load it the same way)
    except TacticMeshError as err:
        return name, f"the {name} policy cannot be used: {err}"
    return name, None


def _recheck(session: Session, statement: str, found: dict[str, Any]) -> dict[str, Any]:
    """The worker's script replayed here; the kernel admits the proof term, or the line is not proved."""
    record = dict(found)
    started = time.monotonic()
    try:
        result = session.prove(statement, by="\n".join(found["script"]), name=f"_line{found['line']}")
    except TacticMeshError as err:
        record.update(status="rejected", kernel_checked=False,
                      reason=f"the worker's script failed the re-check here: {err}")
    else:
        record.update(status="proved", kernel_checked=result.kernel_checked, rechecked_by="kernel",
                      proof_term=result.proof_term_text, axioms=list(result.axioms))
    record["recheck_seconds"] = round(time.monotonic() - started, 3)
    return record


def _failed(line: int, failure: Failed) -> dict[str, Any]:
    what = {"error": "the worker raised", "timeout": "the worker timed out", "crash": "the worker died"}[failure.kind]
    return {"line": line, "status": failure.kind, "reason": f"{what}: {failure.message}",
            "worker_seconds": round(failure.seconds, 3)}


def run_prove_file(args: argparse.Namespace) -> int:
    path = Path(args.file)
    policy = args.policy
    try:
        session = _session(args.library)
        statements, problems = _statements(path, session)
        if not problems:
            policy, problem = _policy(args.policy, session)
            problems = [problem] if problem else []
    except TacticMeshError as err:  # the library itself does not load
        problems = [str(err)]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 2
    timeout = args.timeout if args.timeout is not None else 2 * args.budget + 60
    jobs: list[Job] = [(n, s, args.budget, args.max_nodes, policy, args.library) for n, s in statements]
    try:
        executor = make_executor(args.executor, args.jobs)
    except ExecutorError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    json_path = Path(args.json) if args.json else None
    document: dict[str, Any] = {"file": str(path), "executor": executor.name, "workers": executor.workers,
                                "policy": policy, "budget": args.budget, "max_nodes": args.max_nodes,
                                "complete": False, "results": []}
    interrupted = False
    results: list[dict[str, Any]] = document["results"]
    try:
        with progress_bar("prove-file", len(jobs), sys.stderr.isatty()) as advance, executor:
            for outcome in executor.map(_search, jobs, timeout=timeout):
                line, statement = statements[outcome.index]
                if isinstance(outcome, Ok):
                    found = outcome.value
                    record = _recheck(session, statement, found) if found["status"] == "found" else found
                else:
                    record = _failed(line, outcome)
                record = {"line": line, "statement": statement, **record}
                results.append(record)
                _show(path, record)
                if json_path is not None:
                    write_json(json_path, document)
                advance()
    except KeyboardInterrupt:
        interrupted = True
    document["complete"] = not interrupted
    if json_path is not None:
        write_json(json_path, document)
    proved = sum(r["status"] == "proved" for r in results)
    print(f"{proved} of {len(jobs)} statement(s) proved; each proof was found by a worker ({executor.name}, "
          f"{executor.workers} worker(s)) and re-checked by the kernel in this process")
    if interrupted:
        print(f"interrupted: {len(results)} of {len(jobs)} statement(s) done", file=sys.stderr)
        return 1
    return 0 if proved == len(jobs) else 1


def _show(path: Path, r: dict[str, Any]) -> None:
    where = f"{path}:{r['line']}"
    if r["status"] == "proved":
        st = r.get("stats", {})
        print(f"{where}: proved, re-checked by the kernel: {r['statement']}")
        print(f"  by {'; '.join(r['script'])}  (search {st.get('policy', '')}: {st.get('expanded', 0)} nodes, "
              f"{st.get('seconds', 0)} s in a worker; re-check {r['recheck_seconds']} s here)")
        return
    reason = r.get("reason", r["status"])
    if r["status"] == "no-proof" and r.get("furthest_script"):
        reason += f" (furthest: {'; '.join(r['furthest_script'])}, leaving {r['goals_left']} goal(s))"
    print(f"{where}: not proved: {reason}", file=sys.stderr)
