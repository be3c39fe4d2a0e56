"""The intro expert: ``intro`` with fresh names for the binders of a ``∀``/``→``/``¬`` goal."""

from __future__ import annotations

from tactic_mesh.neural.experts.base import Expert


class IntroExpert(Expert):
    family = "intro"
