"""``eprover [seconds]``: E prover on a magma implication, as the ``foreign "eprover"`` operation of
the calculus (its contract below; the symbolic handler, ``handlers/symbolic.py``, serves it by
refining the node into the replayed proof's tactic script, which the kernel handler elaborates).

Proposer (family ``auto``): ``eprover`` when the main goal is a magma implication
``∀ (G : Type) [Magma G], (∀ …, a) → ∀ …, b`` — what the handler accepts.  Where no symbolic
handler is installed the operation fails like any other tactic; it never proves anything itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tactic_mesh.calculus.equational import equation_of
from tactic_mesh.calculus.magma.equations import Equation
from tactic_mesh.calculus.magma.equations import Term as MagmaTerm
from tactic_mesh.calculus.magma.terms import substitute
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, loc
from tactic_mesh.calculus.tactics.registry import Candidate, GoalView, TacticSpec, call, register
from tactic_mesh.calculus.terms import Contract, Foreign, Term, VRecord, VStr
from tactic_mesh.kernel.expr import Expr, Pi, const_name, get_app_fn_args

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed

EPROVER_CONTRACT = Contract(
    effects=frozenset({"Elaborate", "AssignMetavar"}), consumes_goals=1, produces_goals=0,
    replay_codec="tactic-text", projection="steps", refinement_known=True,
)
DEFAULT_SECONDS = 5.0
SEARCH_SECONDS = 2.0  # the limit of a proposed call (inside a search step)


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


def _compile(c: TacticCall, state: ProofState) -> Term:
    if not c.arg.strip():
        return eprover(SEARCH_SECONDS)
    try:
        seconds = float(c.arg)
    except ValueError:
        raise TacticError(f"eprover: the time limit must be a number of seconds, not {c.arg!r}", loc(c)) from None
    return eprover(seconds)


def _typing(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ())


def _propose(view: GoalView) -> Iterator[Candidate]:
    if magma_implication(view.target) is not None:
        yield Candidate(call("eprover"), "auto")


register(TacticSpec("eprover", _compile, _typing, _propose, "auto",
                    "E prover on a magma implication; its proof is replayed and kernel-checked"))
