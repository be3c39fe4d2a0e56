"""What a tactic expert is: a family of the calculus's tactics, the typed calls it proposes on a
goal (with their arguments: the variable to induct on, the hypothesis or library lemma to rewrite
with and the direction, the lemma to apply), and — for the experts that select premises — the
library lemmas it may use.

An expert proposes ``Candidate``s (parsed ``TacticCall``s, never text); the model
(``neural/model.py``) scores them with the expert's head, and ``neural/policy.py`` checks every
proposal with the typing judgment before the search runs it.  Correctness never rests on an
expert: whatever it proposes is run by the machine and its proof re-checked by the kernel.
"""

from __future__ import annotations

import functools

import attrs

from tactic_mesh.calculus.tactics import Candidate, GoalView
from tactic_mesh.calculus.tactics.common import conclusion
from tactic_mesh.handlers.policy import family_candidates
from tactic_mesh.kernel.environment import Environment, TheoremInfo
from tactic_mesh.kernel.expr import Expr, const_name, get_app_fn


@attrs.frozen
class Premise:
    """A library theorem an expert may use, with its statement."""

    name: str
    statement: Expr
    equation: bool  # its conclusion (under the ∀s) is an equation: a rewrite rule


@functools.lru_cache(maxsize=8)
def premises(env: Environment) -> tuple[Premise, ...]:
    """The theorems of ``env`` an expert may select, in declaration order (names starting with an
    underscore are the session's own goals, not lemmas)."""
    out: list[Premise] = []
    for name in env.names():
        info = env.find(name)
        if isinstance(info, TheoremInfo) and not name.startswith("_"):
            eq = const_name(get_app_fn(conclusion(info.type))) == "Eq"
            out.append(Premise(name, info.type, eq))
    return tuple(out)


class Expert:
    """An expert of ``family``: the registered proposers of that family, plus (``premise_calls``)
    the calls that use a selected library lemma."""

    family = ""
    selects_premises = False

    def propose(self, view: GoalView) -> list[Candidate]:
        return family_candidates(self.family, view)

    def premise_calls(self, premise: Premise) -> list[Candidate]:
        return []

    def is_premise_call(self, candidate: Candidate, known: frozenset[str]) -> bool:
        """Whether ``candidate`` uses a library lemma (premise selection keeps the best of those)."""
        return False

    def candidates(self, view: GoalView) -> tuple[list[Candidate], list[Candidate]]:
        """The expert's proposals on ``view``: those it always makes, and (for an expert that
        selects premises) every call with a library lemma, from which the model keeps the best."""
        proposed = self.propose(view)
        if not self.selects_premises:
            return proposed, []
        lemmas = premises(view.state.environment)
        known = premise_names(view.state.environment)
        plain = [c for c in proposed if not self.is_premise_call(c, known)]
        seen = {c for c in plain}
        with_premise: list[Candidate] = []
        for c in [c for c in proposed if c not in seen] + [c for p in lemmas for c in self.premise_calls(p)]:
            if c not in seen:
                seen.add(c)
                with_premise.append(c)
        return plain, with_premise


@functools.lru_cache(maxsize=8)
def premise_names(env: Environment) -> frozenset[str]:
    return frozenset(p.name for p in premises(env))


@functools.lru_cache(maxsize=4096)
def premise_statement(env: Environment, name: str) -> Expr:
    info = env.find(name)
    assert isinstance(info, TheoremInfo)
    return info.type
