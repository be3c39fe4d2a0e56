"""A search as an AND/OR hypergraph: the observer (``handlers.search.Observer``) that records what a
search tried, for the learners.

Every candidate tried is an **attempt** (the state, the call, whether it applied: the progress
critic's acceptance label).  Every candidate that applied is a **hyperedge** of a ``ProofDag``
(``neural/proof_dag.py``) from the main goal it acted on to the obligations it left — goals keyed
by their canonical goal hash (``features.goal_hash``), so a goal reached on two branches is one
OR-node.  A step's children are **coupled** when they share a metavariable or mention one from
elsewhere (they can only be closed together); ``discharged`` counts the other goals the step solved
as a side effect.  The nodes the search reached are kept: ``neural/hindsight.py`` finds the
sub-goals they closed.
"""

from __future__ import annotations

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.steppack import CouplingKind, coupling_of
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics import Candidate, GoalView
from tactic_mesh.handlers.policy import SearchNode
from tactic_mesh.neural.features import goal_hash
from tactic_mesh.neural.proof_dag import ProofDag


@attrs.frozen
class Attempt:
    state: ProofState = attrs.field(repr=False)
    call: TacticCall
    applied: bool


def step_children(before: ProofState, after: ProofState) -> tuple[int, ...]:
    """The obligations a step created (active after it, not before)."""
    old = set(before.active_obligations)
    return tuple(g for g in after.active_obligations if g not in old)


def coupled(state: ProofState, goals: tuple[int, ...]) -> bool:
    """Whether ``goals`` share a metavariable, or one of them mentions a metavariable at all."""
    if not goals:
        return False
    mctx = state.metavar_graph
    if any(mctx.instantiate(mctx.decl(g).type).has_mvar for g in goals):
        return True
    return len(goals) > 1 and coupling_of(mctx, goals).kind is not CouplingKind.INDEPENDENT


class SearchGraph:
    """Pass as ``Searcher(observer=graph)``; read ``dag``, ``attempts`` and ``nodes`` after."""

    def __init__(self) -> None:
        self.dag = ProofDag()
        self.attempts: list[Attempt] = []
        self.nodes: list[SearchNode] = []
        self.edge_of: dict[tuple[int, TacticCall], int] = {}  # (id of the state it ran on, the call) → hyperedge

    def __call__(self, node: SearchNode, candidate: Candidate, child: SearchNode | None) -> None:
        self.attempts.append(Attempt(node.state, candidate.call, child is not None))
        if child is None:
            return
        view = GoalView.of(node.state)
        if view is None:
            return
        key = goal_hash(node.state, view.goal)
        if self.dag.root is None and not node.path:
            self.dag.root = key
        created = step_children(node.state, child.state)
        alive = set(child.state.active_obligations)
        discharged = sum(1 for g in node.state.active_obligations if g != view.goal and g not in alive)
        edge = self.dag.add(key, candidate.text, [goal_hash(child.state, g) for g in created],
                            coupled(child.state, created), discharged)
        self.edge_of[(id(node.state), candidate.call)] = edge
        self.nodes.append(child)
