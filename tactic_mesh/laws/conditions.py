"""Side conditions and projections of the catalogue, as executable predicates.

Each takes the ingredients (goal positions already resolved against the state), the state the
instance runs on, and the fuel each side is given.
"""

from __future__ import annotations

from tactic_mesh.calculus.goals import show_in_goal
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.steppack import coupling_of
from tactic_mesh.calculus.terms import Focus, free_value_vars
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.laws.law import SideCondition
from tactic_mesh.laws.run import handled_operations, operations_of, run_side
from tactic_mesh.laws.schema import K_VAR, Ingredients, Schema
from tactic_mesh.typing.coupling import coupling_components


def h_ignores_x(ing: Ingredients, _state: ProofState, _fuel: int) -> bool:
    return K_VAR not in free_value_vars(ing.h)


def within_fuel(*sides: Schema) -> SideCondition:
    """No side runs out of fuel on the state."""

    def holds(ing: Ingredients, state: ProofState, fuel: int) -> bool:
        return all(run_side(side(ing), state, fuel=fuel).outcome != "out_of_fuel" for side in sides)

    return holds


def two_goals(_ing: Ingredients, state: ProofState, _fuel: int) -> bool:
    """The state has at least two goals in focus."""
    return len(state.focus_goals()) >= 2


def distinct_goals(ing: Ingredients, state: ProofState, fuel: int) -> bool:
    """Two goals in focus, and positions ``i``, ``j`` name different ones."""
    if not two_goals(ing, state, fuel):
        return False
    gi, gj = ing.positions(state)
    return gi != gj


def distinct_deterministic_goals(ing: Ingredients, state: ProofState, fuel: int) -> bool:
    """Distinct goals at ``i`` and ``j``, and ``t`` on the first, ``u`` on the second, each have
    at most one success (several successes would be enumerated in a different order)."""
    if not distinct_goals(ing, state, fuel):
        return False
    return all(len(run_side(Focus(goal, program), state, fuel=fuel).successes) <= 1
               for goal, program in ((ing.gi, ing.t), (ing.gj, ing.u)))


def _component(state: ProofState, goal: int) -> tuple[int, ...]:
    goals = state.focus_goals()
    for component in coupling_components(coupling_of(state.metavar_graph, goals)):
        if goal in component:
            return component
    return (goal,)


def disconnected(ing: Ingredients, state: ProofState, _fuel: int) -> bool:
    """The goals at ``i`` and ``j`` are coupling-disconnected (no shared metavariable links them,
    ``typing.coupling``)."""
    gi, gj = ing.positions(state)
    return gj not in _component(state, gi)


def isolated(ing: Ingredients, state: ProofState, _fuel: int) -> bool:
    """The goal at ``i`` shares no metavariable with any other goal in focus."""
    gi, _ = ing.positions(state)
    return _component(state, gi) == (gi,)


def selector_matches(ing: Ingredients, state: ProofState, _fuel: int) -> bool:
    return not isinstance(state.narrow(ing.sel), str)


def distinct_handlers(ing: Ingredients, _state: ProofState, _fuel: int) -> bool:
    return ing.h1 != ing.h2


def disjoint_handlers(ing: Ingredients, _state: ProofState, _fuel: int) -> bool:
    """The two handlers answer disjoint sets of operations."""
    return not handled_operations(ing.h1) & handled_operations(ing.h2)


def t_succeeds(ing: Ingredients, state: ProofState, fuel: int) -> bool:
    return run_side(ing.t, state, fuel=fuel).outcome == "success"


def t_progresses(ing: Ingredients, state: ProofState, fuel: int) -> bool:
    """Every success of ``t`` changed the state (``ProofState.progressed_from``)."""
    return all(s.progressed_from(state) for s in run_side(ing.t, state, fuel=fuel).successes)


def distinct_scores(ing: Ingredients, _state: ProofState, _fuel: int) -> bool:
    """The ``cost`` scorer ranks ``t`` and ``u`` strictly (no tie)."""
    return operations_of(ing.t) != operations_of(ing.u)


UnfocusedGoal = tuple[int, bool, tuple[Expr, ...], Expr]  # goal, assigned?, context types, target


def unfocused_goals(ing: Ingredients, before: ProofState, after: ProofState) -> tuple[UnfocusedGoal, ...]:
    """The goals of ``before`` other than the one at ``i``, as ``after`` sees them: whether each
    was assigned, and its instantiated context and target."""
    gi, _ = ing.positions(before)
    mctx = after.metavar_graph
    out: list[UnfocusedGoal] = []
    for g in before.focus_goals():
        if g == gi:
            continue
        decl = mctx.decl(g)
        out.append((g, mctx.is_assigned(g), tuple(mctx.instantiate(d.type) for d in decl.lctx),
                    mctx.instantiate(decl.type)))
    return tuple(out)


def show_unfocused(ing: Ingredients, before: ProofState, after: ProofState) -> list[str]:
    """``unfocused_goals`` for people: each goal outside the focus, as ``after`` sees it."""
    lines = []
    for g, assigned, _context, target in unfocused_goals(ing, before, after):
        shown = "assigned" if assigned else "⊢ " + show_in_goal(after, g, target)
        lines.append(f"{before.obligation_id(g)}: {shown}")
    return lines
