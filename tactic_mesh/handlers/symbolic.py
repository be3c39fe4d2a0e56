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

from collections.abc import Sequence

from tactic_mesh.calculus.equational import equation_of
from tactic_mesh.calculus.magma.equations import Equation
from tactic_mesh.calculus.magma.equations import Term as MagmaTerm
from tactic_mesh.calculus.magma.terms import substitute
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import expand
from tactic_mesh.calculus.terms import Contract, Foreign, Term, Value, VRecord, VStr
from tactic_mesh.handlers.protocol import Forward, HandlerResult, Raise, Refine
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr, Pi, const_name, get_app_fn_args
from tactic_mesh.symbolic.eprover import run_eprover
from tactic_mesh.symbolic.reconstruction import replay

EPROVER_CONTRACT = Contract(
    effects=frozenset({"Elaborate", "AssignMetavar"}), consumes_goals=1, produces_goals=0,
    replay_codec="tactic-text", projection="steps", refinement_known=True,
)
DEFAULT_SECONDS = 5.0


def eprover(seconds: float = DEFAULT_SECONDS) -> Term:
    return Foreign("eprover", VRecord((("seconds", VStr(f"{seconds:g}")),)), EPROVER_CONTRACT)


def magma_implication(goal: Expr) -> tuple[Equation, Equation, tuple[str, ...]] | None:
    """``(a, b, ys)`` when ``goal`` is ``∀ (G : Type) [Magma G], (∀ xs, a) → ∀ ys, b``: the
    variables are renamed ``x0, x1, …`` in binder order, and ``ys`` lists ``b``'s so."""
    if not (isinstance(goal, Pi) and isinstance(goal.body, Pi) and isinstance(goal.body.body, Pi)):
        return None
    inst, hyp = goal.body, goal.body.body
    if const_name(get_app_fn_args(inst.type)[0]) != "Magma":
        return None
    found_a, found_b = equation_of(hyp.type, {}), equation_of(hyp.body, {})
    if found_a is None or found_b is None:
        return None
    b, binders = _named(found_b)
    return _named(found_a)[0], b, binders


def _named(found: tuple[tuple[str, ...], MagmaTerm, MagmaTerm]) -> tuple[Equation, tuple[str, ...]]:
    params, lhs, rhs = found
    names = {p: f"x{i}" for i, p in enumerate(params)}
    return Equation(substitute(lhs, names), substitute(rhs, names)), tuple(names.values())


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


__all__ = ["EPROVER_CONTRACT", "SymbolicHandler", "eprover", "magma_implication"]
