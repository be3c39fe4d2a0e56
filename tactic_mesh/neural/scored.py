"""The common shape of a learned search policy: rank the candidates of a node with
log-probabilities, order the open nodes by the summed log-probability of the steps that reached them.

A subclass gives ``rank(view) -> [(candidate, log p)]`` (best first).  ``score`` answers the
search's ``choice[scored]`` with that ``log p`` (so the machine tries the likeliest tactic first),
and ``priority`` is ``(−Σ log p + GOAL_COST · open goals, depth)``: the best-first search of GPT-f
and HTPS, where a path's cost is its negative log-likelihood and every open goal costs a little.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tactic_mesh.calculus.tactics import Candidate, GoalView
from tactic_mesh.handlers.policy import SearchNode

GOAL_COST = 0.5  # the cost of one open goal, in nats
FLOOR = -30.0  # the score of a candidate the policy did not rank


class ScoredPolicy:
    name = "scored"

    def __init__(self) -> None:
        self._scores: dict[Candidate, float] = {}

    def rank(self, view: GoalView) -> list[tuple[Candidate, float]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def candidates(self, view: GoalView) -> Sequence[Candidate]:
        ranked = self.rank(view)
        self._scores = dict(ranked)  # the search asks for the scores of this node's candidates next
        return [c for c, _ in ranked]

    def score(self, candidate: Candidate, view: GoalView) -> float:
        return self._scores.get(candidate, FLOOR)

    def priority(self, node: SearchNode) -> tuple[float, ...]:
        return (-sum(node.scores) + GOAL_COST * len(node.state.active_obligations), float(node.depth))


def normalised(weights: Sequence[float]) -> list[float]:
    """``log`` of ``weights`` normalised to sum 1 (non-positive weights get the floor)."""
    total = sum(w for w in weights if w > 0)
    return [math.log(w / total) if w > 0 and total > 0 else FLOOR for w in weights]
