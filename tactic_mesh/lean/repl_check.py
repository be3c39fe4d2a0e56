"""When is a Lean declaration *proved*?

Only when the whole declaration re-elaborates in command mode with no error message, no sorry
(neither a reported ``sorry`` nor Lean's "declaration uses sorry" warning) and — when its name is
given — ``#print axioms`` shows no ``sorryAx``.  A tactic-mode session counts only if the last
tactic's ``proofStatus`` is ``"Completed"`` *and* the declaration assembled from the statement and
the tactics passes that check: an empty ``goals`` list alone is never a proof (Lean recovers an
elaboration error inside a tactic into ``sorry`` and closes the goal).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from tactic_mesh.lean.repl_types import Message, TacticResult

if TYPE_CHECKING:
    from tactic_mesh.lean.repl import LeanRepl

_AXIOMS = re.compile(r"depends on axioms:\s*\[(.*)\]", re.DOTALL)
_NO_AXIOMS = re.compile(r"does not depend on any axioms")
_TAIL = re.compile(r"\s*:=\s*(by\s*(sorry\s*)?|sorry\s*)?$")


@attrs.frozen
class ProofCheck:
    proved: bool
    reason: str  # why not (or "proved")
    env: int | None  # the environment after the declaration (None when it was never elaborated)
    messages: tuple[Message, ...]
    axioms: tuple[str, ...] | None = None  # from ``#print axioms`` when a name was given


def check_proof(repl: LeanRepl, header_env: int | None, decl_text: str, *, name: str | None = None) -> ProofCheck:
    """Elaborate ``decl_text`` in ``header_env`` and judge it.  ``name`` (the declared constant)
    adds the ``#print axioms`` check.  ``ReplError`` (timeouts, crashes) propagates."""
    result = repl.command(decl_text, env=header_env)
    messages = result.messages
    if result.errors:
        first = result.errors[0]
        return ProofCheck(False, f"error at {first.pos}: {first.data}", result.env, messages)
    if result.uses_sorry:
        where = f" at {result.sorries[0].pos}" if result.sorries else ""
        return ProofCheck(False, f"the declaration uses sorry{where}", result.env, messages)
    if name is None:
        return ProofCheck(True, "proved", result.env, messages)
    shown = repl.command(f"#print axioms {name}", env=result.env)
    if shown.errors:
        return ProofCheck(False, f"#print axioms {name}: {shown.errors[0].data}", result.env, messages)
    axioms = _parse_axioms(shown.messages)
    if axioms is None:
        return ProofCheck(False, f"#print axioms {name} gave no axiom list", result.env, messages)
    if "sorryAx" in axioms:
        return ProofCheck(False, f"{name} depends on sorryAx", result.env, messages, axioms)
    return ProofCheck(True, "proved", result.env, messages, axioms)


def _parse_axioms(messages: Sequence[Message]) -> tuple[str, ...] | None:
    for message in messages:
        if _NO_AXIOMS.search(message.data):
            return ()
        match = _AXIOMS.search(message.data)
        if match:
            return tuple(part.strip() for part in match.group(1).split(",") if part.strip())
    return None


def declaration_with_tactics(statement: str, tactics: Sequence[str]) -> str:
    """``statement := by`` followed by the tactics (a trailing ``:=``, ``:= by``, ``:= by sorry`` or
    ``:= sorry`` on ``statement`` is dropped first), one per line, each indented two spaces (the
    continuation lines of a multi-line tactic keep their relative indentation)."""
    head = _TAIL.sub("", statement.rstrip())
    body = []
    for tactic in tactics:
        for line in tactic.strip("\n").splitlines():
            body.append("  " + line if line.strip() else "")
    if not body:
        body = ["  skip"]
    return head + " := by\n" + "\n".join(body)


def confirm_tactic_proof(
    repl: LeanRepl,
    header_env: int | None,
    statement: str,
    tactics: Sequence[str],
    final: TacticResult,
    *,
    name: str | None = None,
) -> ProofCheck:
    """Judge a tactic-mode proof: ``final`` (the answer to the last tactic) must be
    ``"Completed"``; then the declaration ``statement := by tactics`` is re-elaborated from
    scratch in ``header_env`` with ``check_proof``."""
    if final.failed:
        return ProofCheck(False, f"the last tactic failed: {final.error}", None, final.messages)
    if not final.completed:
        status = final.proof_status or "no proof status"
        return ProofCheck(False, f"proof status is {status!r}, not 'Completed'", None, final.messages)
    return check_proof(repl, header_env, declaration_with_tactics(statement, tactics), name=name)
