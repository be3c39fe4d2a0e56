"""The cases expert: ``cases h`` on a hypothesis of an inductive type (∧, ∨, ∃, False, …) and on
variables of inductive types."""

from __future__ import annotations

from tactic_mesh.neural.experts.base import Expert


class CasesExpert(Expert):
    family = "cases"
