"""E prover as a ``foreign`` operation of the calculus, with its contract.

``eprover(seconds)`` is the program ``foreign "eprover" {seconds} EPROVER_CONTRACT``.  On a state
whose main goal is a magma implication ``∀ (G : Type) [Magma G], (∀ …, a) → ∀ …, b`` the
``SymbolicHandler`` runs E on the TPTP problem and, when E reports a proof, *refines* the node into
an ordinary core program: the tactic script of the replayed proof (``intro``, one ``have`` per
clause of E's proof, ``exact``), which the kernel handler elaborates step by step.  So the contract
is a known refinement: replaying a trace needs no E (the codec is the tactic text), projections
see the script's steps, and the final term is checked by the kernel like any other.  Every way E
can fail (missing, crashing, timing out, a proof the replay cannot re-derive) is a catchable
failure with the reason: ``first | foreign "eprover" | …`` moves on.

The contract: effects ``Elaborate``/``AssignMetavar`` (those of the refined script), one goal in,
none out, replay codec ``tactic-text``, projection ``steps``, refinement known.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import expand
from tactic_mesh.calculus.tactics.eprover import DEFAULT_SECONDS, EPROVER_CONTRACT, eprover, magma_implication
from tactic_mesh.calculus.terms import Value, VRecord, VStr
from tactic_mesh.handlers.blocks import EXTRA_HANDLERS
from tactic_mesh.handlers.protocol import Forward, HandlerResult, Raise, Refine
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.eprover import run_eprover
from tactic_mesh.symbolic.reconstruction import replay


def _seconds(payload: Value) -> float | str:
    field = payload.get("seconds") if isinstance(payload, VRecord) else None
    try:
        seconds = float(field.value) if isinstance(field, VStr) else DEFAULT_SECONDS
    except ValueError:
        return f"eprover: the time limit must be a number of seconds, not {field!r}"
    if not 0 < seconds <= 600:
        return "eprover: the time limit must be between 0 and 600 seconds"
    return seconds


class SymbolicHandler:
    """Refines ``foreign "eprover"`` into the replayed proof's tactic script."""

    name = "symbolic"

    def operation(self, name: str, operands: Sequence[Value], state: ProofState) -> HandlerResult[ProofState]:
        return Forward()

    def foreign(self, symbol: str, payload: Value, state: ProofState) -> HandlerResult[ProofState]:
        if symbol != "eprover":
            return Forward()
        seconds = _seconds(payload)
        if isinstance(seconds, str):
            return Raise(VStr(seconds))
        goals = state.focus_goals()
        if not goals:
            return Raise(VStr("eprover: no goals"))
        goal = state.metavar_graph.instantiate(state.metavar_graph.decl(goals[0]).type)
        implication = magma_implication(goal)
        if implication is None:
            return Raise(VStr("eprover: the goal is not a magma implication ∀ (G : Type) [Magma G], (∀ …, a) → ∀ …, b"))
        a, b, binders = implication
        result = run_eprover(a, b, seconds, saturation=False)
        if result.status != "Theorem":
            return Raise(VStr(f"eprover: {result.reason or result.status}"))
        try:
            proof = replay(a, b, list(result.clauses), binders)
            return Refine(expand("\n".join(proof.script), state))
        except TacticMeshError as err:
            return Raise(VStr(f"eprover: E found a proof but it could not be replayed: {err.message}"))


@contextlib.contextmanager
def symbolic_handlers() -> Iterator[None]:
    """Within the block, ``by`` blocks and searches run with the symbolic handler installed (so
    ``eprover`` can serve a goal)."""
    token = EXTRA_HANDLERS.set((*EXTRA_HANDLERS.get(), ("symbolic", SymbolicHandler())))
    try:
        yield
    finally:
        EXTRA_HANDLERS.reset(token)


__all__ = ["EPROVER_CONTRACT", "SymbolicHandler", "eprover", "magma_implication", "symbolic_handlers"]
