"""Goals of a proof state as the kernel sees them: which metavariable a goal value names, an
elaborator and a printer in that goal's local context.  Used by the kernel handler and by the
tactics that inspect the goal before compiling (``intro``, ``constructor``, ``induction``)."""

from __future__ import annotations

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Value, VGoal
from tactic_mesh.kernel.elab import Elaborator
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.printer import Printer


def goal_mvar(state: ProofState, goal: Value) -> int:
    if not isinstance(goal, VGoal):
        raise TacticMeshError(f"a goal is expected, got {goal!r}")
    if goal.id == "main":
        focused = state.focus_goals()
        if not focused:
            raise TacticMeshError("no goals")
        return focused[0]
    for m in state.active_obligations:
        if state.obligation_id(m) == goal.id:
            return m
    stale = any(goal.id.endswith(f":{m}") for m in state.active_obligations)
    why = f" (goal ids are checkpoint-scoped: the current checkpoint is cp{state.checkpoint})" if stale else ""
    raise TacticMeshError(f"unknown goal {goal.id}{why}")

def goal_elaborator(state: ProofState, mvar: int) -> Elaborator:
    decl = state.metavar_graph.decl(mvar)
    el = Elaborator(state.environment, "<tactic>", list(state.level_params), auto_bound_levels=False)
    el.tc._set_mctx(state.metavar_graph)
    el.lctx = decl.lctx
    for d in decl.lctx:
        el.tc.lctx[d.fvar] = d
    return el

def show_in_goal(state: ProofState, mvar: int, e: Expr) -> str:
    names = {d.fvar: d.user_name for d in state.metavar_graph.decl(mvar).lctx}
    return Printer(state.environment, names, display=True).print(state.metavar_graph.instantiate(e))
