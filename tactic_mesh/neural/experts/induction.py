"""The induction expert: ``induction x`` for each variable of a recursive inductive type the goal
mentions: which variable to induct on."""

from __future__ import annotations

from tactic_mesh.neural.experts.base import Expert


class InductionExpert(Expert):
    family = "induction"
