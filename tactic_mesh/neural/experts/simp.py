"""The simp expert: ``simp`` and ``simp [h, …]`` with the hypotheses that are equations (``simp
[*]`` after an induction)."""

from __future__ import annotations

from tactic_mesh.neural.experts.base import Expert


class SimpExpert(Expert):
    family = "simp"
