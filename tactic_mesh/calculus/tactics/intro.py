"""``intro x y …`` and ``intros``: ``refine fun x y … => ?_`` on the main goal (implicit binders
bracketed as the goal's).  Proposer (family ``intro``): on a ``∀``/``→``/``¬`` goal, ``intro`` with a
fresh name — introducing first loses nothing, so the heuristic policy proposes nothing else there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tactic_mesh.calculus.combinators import intro, refine
from tactic_mesh.calculus.goals import goal_elaborator
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError
from tactic_mesh.calculus.tactics.common import binder_base_name, fresh_binder_name, main_goal, main_lctx
from tactic_mesh.calculus.tactics.registry import Candidate, GoalView, TacticSpec, call, register
from tactic_mesh.calculus.terms import Pure, Term
from tactic_mesh.kernel.expr import BinderInfo, Const, Pi, get_app_fn

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


def intro_program(names: list[str], state: ProofState) -> Term:
    """``intro x y …``: ``refine fun x y … => ?_``, with each binder bracketed like the goal's
    (``{x : _}`` for an implicit ∀), so implicit binders are introduced too."""
    checker = goal_elaborator(state, main_goal(state)).tc
    target = state.metavar_graph.instantiate(state.metavar_graph.decl(main_goal(state)).type)
    binders_found, _ = checker.telescope(target, len(names))  # up to whnf (`¬p` is `p → False`)
    if len(binders_found) < len(names):
        name = names[len(binders_found)]
        raise TacticError(f"intro {name}: nothing to introduce, the goal is not a ∀ or an →")
    binders: list[str] = []
    for name, (_, _, _, bi) in zip(names, binders_found, strict=True):
        if bi is BinderInfo.IMPLICIT:
            binders.append(f"{{{name} : _}}")
        elif bi is BinderInfo.STRICT_IMPLICIT:
            binders.append(f"⦃{name} : _⦄")
        elif bi is BinderInfo.INST_IMPLICIT:
            binders.append(f"[{name} : _]")
        else:
            binders.append(name)
    if all(" " not in b for b in binders):
        return intro(*names)
    return refine(f"fun {' '.join(b if ' ' in b else f'({b} : _)' for b in binders)} => ?_")


def _all_binder_names(state: ProofState) -> list[str]:
    """Names for every leading ∀/→ binder of the main goal (``intros``)."""
    target = state.metavar_graph.instantiate(state.metavar_graph.decl(main_goal(state)).type)
    taken = {d.user_name for d in main_lctx(state)}
    names: list[str] = []
    while isinstance(target, Pi):
        names.append(fresh_binder_name(target, taken))
        taken.add(names[-1])
        target = target.body
    return names


def _binder_names(state: ProofState) -> list[str]:
    target = state.metavar_graph.instantiate(state.metavar_graph.decl(main_goal(state)).type)
    return [binder_base_name(target) if isinstance(target, Pi) else "h"]


def _compile_intro(c: TacticCall, state: ProofState) -> Term:
    return intro_program(c.arg.split() or _binder_names(state), state)


def _compile_intros(c: TacticCall, state: ProofState) -> Term:
    names = c.arg.split() or _all_binder_names(state)
    return intro_program(names, state) if names else Pure()


def _typing_intro(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    names = c.arg.split()
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.intro_children(p, names or None, c, path))


def _typing_intros(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.intros_children(p, c, path))


def _propose(view: GoalView) -> Iterator[Candidate]:
    target = view.target
    if isinstance(target, Pi):
        yield Candidate(call("intro", fresh_binder_name(target, view.taken())), "intro")
    elif get_app_fn(target) == Const("Not"):
        name, i = "h", 1
        while name in view.taken():
            name, i = f"h{i}", i + 1
        yield Candidate(call("intro", name), "intro")


register(
    TacticSpec("intro", _compile_intro, _typing_intro, _propose, "intro", "introduce binders of a ∀/→ goal"),
    TacticSpec("intros", _compile_intros, _typing_intros, summary="introduce every leading binder"),
)
