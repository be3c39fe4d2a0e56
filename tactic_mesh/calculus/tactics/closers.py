"""Tactics that close the main goal outright: ``rfl``, ``assumption``, ``contradiction``; and
``exfalso`` (the goal becomes ``False``).  Proposers (family ``auto``): ``rfl`` unless the goal is
one its typing rule refuses, ``assumption`` when there are hypotheses, ``contradiction`` when a
hypothesis is ``False`` or a negation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tactic_mesh.calculus.combinators import exact, first, refine
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, loc
from tactic_mesh.calculus.tactics.common import head_of, main_lctx
from tactic_mesh.calculus.tactics.registry import Candidate, GoalView, TacticSpec, call, register
from tactic_mesh.calculus.terms import Term
from tactic_mesh.kernel.environment import InductiveInfo
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Const, Pi, Sort, get_app_fn
from tactic_mesh.kernel.unify import MetaChecker

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


def _compile_assumption(c: TacticCall, state: ProofState) -> Term:
    hyps = [d.user_name for d in reversed(main_lctx(state))]
    if not hyps:
        raise TacticError("assumption: no hypotheses", loc(c))
    return first(*(exact(h) for h in hyps))


def _contradiction(state: ProofState, call: TacticCall) -> Term:
    """Close the goal from a hypothesis ``False``, or from ``h : ¬p`` together with ``h' : p``."""
    options: list[Term] = []
    hyps = main_lctx(state)
    for d in hyps:
        options.append(exact(f"False.elim {d.user_name}"))
        for e in hyps:
            if e is not d:
                options.append(exact(f"absurd {e.user_name} {d.user_name}"))
    if not options:
        raise TacticError("contradiction: no hypotheses", loc(call))
    return first(*options)


def _propose_rfl(view: GoalView) -> Iterator[Candidate]:
    """``rfl`` unless the goal is, after weak-head normalisation, a ``∀``, a sort or an inductive
    proposition other than ``Eq`` — the goals its typing rule refuses."""
    env, mctx = view.state.environment, view.state.metavar_graph
    try:
        target = MetaChecker(env, mctx, mctx.decl(view.goal).lctx).whnf(view.target)
    except (TacticMeshError, RecursionError):
        target = view.target
    head = get_app_fn(target)
    if isinstance(target, Pi | Sort) or (isinstance(head, Const) and head.name != "Eq"
                                         and isinstance(env.find(head.name), InductiveInfo)):
        return
    yield Candidate(call("rfl"), "auto")


def _propose_assumption(view: GoalView) -> Iterator[Candidate]:
    if view.hypotheses:
        yield Candidate(call("assumption"), "auto")


def _propose_contradiction(view: GoalView) -> Iterator[Candidate]:
    if any(head_of(d.type) in ("False", "Not") for d in view.hypotheses):
        yield Candidate(call("contradiction"), "auto")


def _typing_rfl(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.rfl_children(p, c, path))


def _typing_hyps(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.needs_hypotheses(p, c, path))


def _typing_exfalso(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: (
        ck.with_target(ck.child(ck.under_implicits(p), "exfalso"), Const("False")),))


register(
    TacticSpec("rfl", lambda c, s: exact("rfl"), _typing_rfl, _propose_rfl, "auto", "close `a = a` (up to defeq)"),
    TacticSpec("assumption", _compile_assumption, _typing_hyps, _propose_assumption, "auto",
               "close the goal with a hypothesis"),
    TacticSpec("contradiction", lambda c, s: _contradiction(s, c), _typing_hyps, _propose_contradiction, "auto",
               "close the goal from `False` or from `p` and `¬p`"),
    TacticSpec("exfalso", lambda c, s: refine("False.elim ?_"), _typing_exfalso, summary="the goal becomes `False`"),
)
