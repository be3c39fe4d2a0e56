"""The apply expert: ``apply h`` with a hypothesis whose conclusion fits the goal, ``constructor``,
``left``/``right``, ``exists`` with witnesses from the context, and ``apply l`` with library
lemmas whose conclusion has the goal's head — of which premise selection keeps the few the
expert's head scores highest."""

from __future__ import annotations

from tactic_mesh.calculus.tactics import Candidate
from tactic_mesh.neural.experts.base import Expert


class ApplyExpert(Expert):
    family = "apply"
    selects_premises = True

    def is_premise_call(self, candidate: Candidate, known: frozenset[str]) -> bool:
        return candidate.call.name == "apply" and candidate.call.arg in known
