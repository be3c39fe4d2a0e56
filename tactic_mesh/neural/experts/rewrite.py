"""The rewrite expert: ``rw [h]``/``rw [← h]`` with the equations among the hypotheses (an induction
hypothesis included), and ``rw [l]``/``rw [← l]`` with library equations — every equation of the
library, not only the ``@[simp]`` ones: premise selection (``neural/model.py``) keeps the few the
expert's head scores highest for the goal."""

from __future__ import annotations

from tactic_mesh.calculus.tactics import Candidate
from tactic_mesh.calculus.tactics.registry import call
from tactic_mesh.neural.experts.base import Expert, Premise


class RewriteExpert(Expert):
    family = "rewrite"
    selects_premises = True

    def premise_calls(self, premise: Premise) -> list[Candidate]:
        if not premise.equation:
            return []
        return [Candidate(call("rw", f"[{premise.name}]"), "rewrite"),
                Candidate(call("rw", f"[← {premise.name}]"), "rewrite")]

    def is_premise_call(self, candidate: Candidate, known: frozenset[str]) -> bool:
        return candidate.call.arg.strip("[]← ") in known
