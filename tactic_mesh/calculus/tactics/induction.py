"""``induction x`` / ``cases x`` (``calculus/elim.py``): the recursor of ``x``'s type, the motive the
goal with ``x`` (and its indices) abstracted, the hypotheses that depend on them reverted; one new
goal per constructor, tagged with its name; ``… with | c x… => t…`` then solves each tagged goal.
Proposers: ``induction x`` (family ``induction``) for each variable of a recursive inductive type
without indices that the goal mentions; ``cases h`` (family ``cases``) for each hypothesis of a
non-recursive inductive type without indices — ``∧``, ``∨``, ``∃``, ``↔``, ``False`` — and for each
variable of such a data type the goal mentions (``Bool``), once per hypothesis in a script (the old
hypothesis stays: there is no ``clear``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tactic_mesh.calculus.elim import elim_program
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, is_elim_with, loc
from tactic_mesh.calculus.tactics.common import inductive_of, need
from tactic_mesh.calculus.tactics.registry import Candidate, GoalView, TacticSpec, call, register
from tactic_mesh.calculus.tactics.tacticals import alternative
from tactic_mesh.calculus.terms import Focus, Term, seq
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import collect_fvars

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


def _elim(tactic: str, var: str, state: ProofState, call: TacticCall) -> Term:
    """``induction x`` / ``cases x`` (``elim.py``): the recursor of ``x``'s type, the motive the goal
    with ``x`` (and its indices) abstracted, the hypotheses that depend on them reverted; one new
    goal per constructor, tagged with its name."""
    try:
        return elim_program(tactic, var, state)
    except TacticMeshError as err:
        raise TacticError(err.message, loc(call)) from None


def _compile(c: TacticCall, state: ProofState) -> Term:
    if is_elim_with(c):
        var = c.arg[: -len("with")].strip()
        branches = [Focus(*alternative(alt)) for alt in c.children]
        return seq(_elim(c.name, need(var, c), state, c), *branches)
    return _elim(c.name, need(c.arg, c), state, c)


def _propose_induction(view: GoalView) -> Iterator[Candidate]:
    mentioned = set(collect_fvars(view.target))
    for d in view.hypotheses:
        info = inductive_of(view.state, d.type)
        if d.fvar in mentioned and info is not None and info.is_recursive and not info.num_indices:
            yield Candidate(call("induction", d.user_name), "induction")


def _propose_cases(view: GoalView) -> Iterator[Candidate]:
    mentioned = set(collect_fvars(view.target))
    for d in reversed(view.hypotheses):
        info = inductive_of(view.state, d.type)
        if info is None or info.is_recursive or info.num_indices or f"cases {d.user_name}" in view.script:
            continue
        if info.num_params or not info.constructors or d.fvar in mentioned:
            yield Candidate(call("cases", d.user_name), "cases")


def _typing(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.elim_rule(c, iface, delta, path)


register(
    TacticSpec("induction", _compile, _typing, _propose_induction, "induction",
               "induction on a variable: one goal per constructor, with induction hypotheses"),
    TacticSpec("cases", _compile, _typing, _propose_cases, "cases", "case analysis: one goal per constructor"),
)
