"""The auto expert: the closing procedures — ``rfl``, ``assumption``, ``contradiction`` — and, on an
equation between magma terms with equational hypotheses, ``eq_search``: a bounded rewrite search
whose chain the kernel checks (the symbolic backend that runs inside the search)."""

from __future__ import annotations

from tactic_mesh.calculus.equational import equation_of
from tactic_mesh.calculus.tactics import Candidate, GoalView
from tactic_mesh.calculus.tactics.registry import call
from tactic_mesh.neural.experts.base import Expert


class AutoExpert(Expert):
    family = "auto"

    def propose(self, view: GoalView) -> list[Candidate]:
        out = super().propose(view)
        names = {d.fvar.id: d.user_name for d in view.hypotheses}
        goal = equation_of(view.target, names)
        if goal is not None and not goal[0] and any(equation_of(d.type, names) for d in view.hypotheses):
            out.append(Candidate(call("eq_search"), "auto"))
        return out
