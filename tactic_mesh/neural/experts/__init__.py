"""The tactic experts of the Mixture-of-Tactics, one per family of the calculus's tactics (the
families of ``calculus/tactics/registry.FAMILIES``, in that order)."""

from __future__ import annotations

from tactic_mesh.calculus.tactics import FAMILIES
from tactic_mesh.neural.experts.apply import ApplyExpert
from tactic_mesh.neural.experts.auto import AutoExpert
from tactic_mesh.neural.experts.base import Expert, Premise, premises
from tactic_mesh.neural.experts.cases import CasesExpert
from tactic_mesh.neural.experts.induction import InductionExpert
from tactic_mesh.neural.experts.intro import IntroExpert
from tactic_mesh.neural.experts.rewrite import RewriteExpert
from tactic_mesh.neural.experts.simp import SimpExpert

EXPERTS: tuple[Expert, ...] = (IntroExpert(), ApplyExpert(), RewriteExpert(), InductionExpert(), CasesExpert(),
                               SimpExpert(), AutoExpert())
assert tuple(e.family for e in EXPERTS) == FAMILIES

__all__ = ["EXPERTS", "Expert", "Premise", "premises"]
