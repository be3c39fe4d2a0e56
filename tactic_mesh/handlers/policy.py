"""Search policies: what the best-first search (``handlers/search.py``) tries at a node and which
node it expands next.

A ``SearchPolicy`` has

* ``candidates(view) -> [Candidate]`` — the tactic calls to try on the main goal of a node, as
  typed ``TacticCall``s from the registered proposers (``calculus/tactics/``), never raw text;
* ``score(candidate, view) -> float`` — the order of those candidates (higher first): the search
  runs them as the branches of one ``choice[scored]`` whose scorer is the policy, so a router
  plugs in here without touching the search;
* ``priority(node) -> tuple`` — the order of the open nodes (lower first); a node carries the
  scores of the steps that reached it, so a policy whose scores are log-probabilities orders by
  their sum.

A policy may also have ``learn(path)``: ``tactic_mesh.api`` calls it with the steps of every proof
the kernel has admitted (each step with the state it ran on) — the online update of a learned
policy, from checked steps only.

Policies are registered by name (``register_policy``); ``heuristic`` is the hand-written one.
Correctness never rests on a policy: a proof it finds is still replayed and re-checked by the
kernel before anyone calls it proved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics import Candidate, GoalView, proposers
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import expr_size

Step = tuple[ProofState, TacticCall]  # a step of a path: the state a tactic ran on, and the tactic


@attrs.frozen
class SearchNode:
    """A node of the search: a proof state, the script that reached it, the steps of that script
    (each with the state it ran on) and the policy's score of each step."""

    state: ProofState
    script: tuple[str, ...]
    path: tuple[Step, ...] = ()
    scores: tuple[float, ...] = ()

    @property
    def depth(self) -> int:
        return len(self.script)


class SearchPolicy(Protocol):
    name: str

    def candidates(self, view: GoalView) -> Sequence[Candidate]: ...

    def score(self, candidate: Candidate, view: GoalView) -> float: ...

    def priority(self, node: SearchNode) -> tuple[float, ...]: ...


def family_candidates(family: str, view: GoalView) -> list[Candidate]:
    """What the registered proposers of ``family`` propose on ``view``, in registration order."""
    out: list[Candidate] = []
    for spec in proposers(family):
        if spec.propose is not None:
            out.extend(spec.propose(view))
    return out


class HeuristicPolicy:
    """The hand-written policy.  Candidates: on a ``∀``/``→``/``¬`` goal only ``intro`` (introducing
    first loses nothing); otherwise every family's proposals in the order ``auto`` (``rfl``,
    ``assumption``, ``contradiction``), ``simp``, ``apply`` (hypotheses, constructors, witnesses,
    library lemmas), ``cases``, ``induction``, ``rewrite``.  Score: that order.  Priority: fewest
    open goals, then the shortest script, then the smallest goals."""

    name = "heuristic"
    ORDER = ("intro", "auto", "simp", "apply", "cases", "induction", "rewrite")

    def candidates(self, view: GoalView) -> Sequence[Candidate]:
        intro = family_candidates("intro", view)
        if intro:
            return intro[:1]
        out = [c for family in self.ORDER[1:] for c in family_candidates(family, view)]
        n = len(out)
        return [attrs.evolve(c, prior=float(n - i)) for i, c in enumerate(out)]

    def score(self, candidate: Candidate, view: GoalView) -> float:
        return candidate.prior

    def priority(self, node: SearchNode) -> tuple[float, ...]:
        goals = node.state.goals()
        return (len(node.state.active_obligations), node.depth, sum(expr_size(ob.target_type) for ob in goals))


_POLICIES: dict[str, Callable[[], SearchPolicy]] = {"heuristic": HeuristicPolicy}


def register_policy(name: str, make: Callable[[], SearchPolicy]) -> None:
    """Make a policy available by name (``Session.prove(policy=name)``, ``--policy``)."""
    if name in _POLICIES:
        raise ValueError(f"search policy '{name}' is registered twice")
    _POLICIES[name] = make


def policy_named(name: str) -> SearchPolicy:
    make = _POLICIES.get(name)
    if make is None:
        raise TacticMeshError(f"unknown search policy '{name}' (known: {', '.join(sorted(_POLICIES))})")
    return make()


def policy_names() -> tuple[str, ...]:
    return tuple(sorted(_POLICIES))
