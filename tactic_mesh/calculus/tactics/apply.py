"""Backward reasoning on the main goal: ``apply e``, ``constructor``, ``left``/``right`` and
``exists e``.  Proposers (family ``apply``):

* ``apply h`` for each hypothesis ``h : … → C`` whose conclusion ``C`` has the goal's head (a
  constant or a local such as a ``Prop`` variable); ``apply T`` for each library theorem whose
  conclusion has the goal's head constant;
* ``constructor`` on a goal of a one-constructor inductive type other than ``∃`` (``∧``, ``↔``,
  ``True``), ``left``/``right`` on ``∨``;
* ``exists w`` on ``∃ x : α, p x`` for each local ``w : α`` (and ``0`` when ``α`` is ``Nat``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from tactic_mesh.calculus.combinators import apply, exact, first, refine, try_
from tactic_mesh.calculus.goals import goal_elaborator
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, loc
from tactic_mesh.calculus.tactics.common import (
    MAX_APPLY_ARGS,
    conclusion,
    head_of,
    inductive_of,
    main_goal,
    main_lctx,
    need,
)
from tactic_mesh.calculus.tactics.registry import Candidate, GoalView, TacticSpec, TypingRule, call, register
from tactic_mesh.calculus.terms import Term, seq
from tactic_mesh.kernel.environment import InductiveInfo, TheoremInfo
from tactic_mesh.kernel.expr import BinderInfo, Const, Expr, Pi, get_app_fn_args

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


def apply_program(term: str, state: ProofState) -> Term:
    """``apply f``: ``f _ … _`` with as many arguments as make its type fit the goal; the ones
    unification does not determine become goals.  For a constant the count starts from its number
    of explicit arguments (the usual fit) and goes down."""
    info = state.environment.find(term.strip())
    if info is not None:
        explicit = _explicit_binders(info.type)
        counts = list(range(explicit, -1, -1))
    else:
        counts = list(range(MAX_APPLY_ARGS + 1))
    return first(*(apply(term, k) for k in counts))


def _explicit_binders(t: Expr) -> int:
    n = 0
    while isinstance(t, Pi):
        if t.bi is BinderInfo.DEFAULT:
            n += 1
        t = t.body
    return n


def _constructors(state: ProofState, call: TacticCall) -> list[str]:
    checker = goal_elaborator(state, main_goal(state)).tc
    target = checker.whnf(state.metavar_graph.instantiate(state.metavar_graph.decl(main_goal(state)).type))
    head = get_app_fn_args(target)[0]
    info = state.environment.find(head.name) if isinstance(head, Const) else None
    if not isinstance(info, InductiveInfo):
        raise TacticError("constructor: the goal is not an inductive type", loc(call))
    return list(info.constructors)


def _compile_exists(c: TacticCall, state: ProofState) -> Term:
    """``⟨e, ?_⟩``, then the rest closed by ``rfl`` or a hypothesis when it can, as Lean's."""
    closers = [exact(d.user_name) for d in reversed(main_lctx(state))]
    return seq(refine(f"⟨{need(c.arg, c)}, ?_⟩"), try_(first(exact("rfl"), *closers)))


def _propose_apply(view: GoalView) -> Iterator[Candidate]:
    head = head_of(view.target)
    if head is None:
        return
    for d in reversed(view.hypotheses):
        if isinstance(d.type, Pi) and head_of(conclusion(d.type)) == head:
            yield Candidate(call("apply", d.user_name), "apply")
    if isinstance(head, str):
        env = view.state.environment
        for name in env.names():
            thm = env.find(name)
            if isinstance(thm, TheoremInfo) and not name.startswith("_") and head_of(conclusion(thm.type)) == head:
                yield Candidate(call("apply", name), "apply")


def _propose_constructor(view: GoalView) -> Iterator[Candidate]:
    info = inductive_of(view.state, view.target)
    if info is not None and len(info.constructors) == 1 and info.name != "Exists":
        yield Candidate(call("constructor"), "apply")


def _propose_or(side: str) -> Callable[[GoalView], Iterator[Candidate]]:
    def propose(view: GoalView) -> Iterator[Candidate]:
        if head_of(view.target) == "Or":
            yield Candidate(call(side), "apply")

    return propose


def _propose_exists(view: GoalView) -> Iterator[Candidate]:
    """Witnesses for ``∃ x : α, p x``: the locals of type ``α``, most recent first."""
    fn, args = get_app_fn_args(view.target)
    if fn != Const("Exists", fn.levels if isinstance(fn, Const) else ()) or len(args) != 2:
        return
    domain = args[0]
    for d in reversed(view.hypotheses):
        if d.type == domain:
            yield Candidate(call("exists", d.user_name), "apply")
    if domain == Const("Nat"):
        yield Candidate(call("exists", "0"), "apply")


def _typing_apply(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.with_arg(c, iface, path, ck.REFINE, lambda text, p: ck.apply_children(text, p, c, path))


def _typing_constructor(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.constructor_children(p, c, path))


def _typing_side(side: int) -> TypingRule:
    def rule(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.or_children(p, side, c, path))

    return rule


def _typing_exists(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.exists_children(p, c, path))


register(
    TacticSpec("apply", lambda c, s: apply_program(need(c.arg, c), s), _typing_apply, _propose_apply, "apply",
               "a hypothesis or lemma whose conclusion fits the goal; its premises become goals"),
    TacticSpec("constructor", lambda c, s: first(*(apply_program(k, s) for k in _constructors(s, c))),
               _typing_constructor, _propose_constructor, "apply", "the first constructor that fits"),
    TacticSpec("left", lambda c, s: refine("Or.inl ?_"), _typing_side(0), _propose_or("left"), "apply",
               "prove the left disjunct"),
    TacticSpec("right", lambda c, s: refine("Or.inr ?_"), _typing_side(1), _propose_or("right"), "apply",
               "prove the right disjunct"),
    TacticSpec("exists", _compile_exists, _typing_exists, _propose_exists, "apply", "give the witness of an ∃"),
)
