"""The best-first search and its seam: policies, candidates, ``choice[scored]``."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest

from tactic_mesh import Session
from tactic_mesh.calculus.assembly import final_proof_term
from tactic_mesh.calculus.tactics import Candidate, GoalView
from tactic_mesh.handlers.policy import (
    HeuristicPolicy,
    SearchNode,
    policy_named,
    policy_names,
    register_policy,
)
from tactic_mesh.handlers.search import Searcher
from tactic_mesh.kernel.declarations import admit_theorem
from tactic_mesh.kernel.errors import TacticMeshError


@pytest.fixture(scope="module")
def session() -> Session:
    return Session("basics")


# what a Lean user's first proofs need (issue 14): each found by the heuristic policy
FIRST_PROOFS = [
    ("∀ p q r : Prop, (p → q) → (q → r) → p → r", "apply"),
    ("∀ p q : Prop, p ∧ q → q ∧ p", ""),
    ("∀ (α : Type) (P Q : α → Prop), (∃ x, P x ∧ Q x) → ∃ x, Q x", "cases"),
    ("∀ p q : Prop, p ∨ q → q ∨ p", ""),
    ("∀ p : Prop, False → p", ""),
    ("∀ p q : Prop, p → ¬p → q", "contradiction"),
    ("∀ (α : Type) (P : α → Prop) (a : α), P a → ∃ x, P x", "exists"),
    ("∀ (f : Nat → Nat), (∀ x, f x = x) → ∀ n, f (f n) = n", ""),
    ("∀ a b : Nat, a = b → b + 0 = a", ""),
    ("∀ p q : Prop, p → q → p ∧ q", "constructor"),
]


@pytest.mark.parametrize("statement, tactic", FIRST_PROOFS)
def test_first_proofs_are_found(session: Session, statement: str, tactic: str) -> None:
    result = session.prove(statement, max_nodes=200, budget=30)
    assert result.kernel_checked
    assert not tactic or any(line.lstrip("· ").startswith(tactic) for line in result.script), result.script


def test_induction_with_the_hypothesis(session: Session) -> None:
    result = session.prove("∀ (n : Nat), n * 0 + n = n", max_nodes=300, budget=30)
    assert result.kernel_checked


class Reversed(HeuristicPolicy):
    """The heuristic's candidates in the opposite order."""

    name = "reversed"

    def score(self, candidate: Candidate, view: GoalView) -> float:
        return -candidate.prior


def test_the_policy_orders_the_scored_choice(session: Session) -> None:
    state = session.goal("2 = 2")
    heuristic = Searcher(10, 10.0).expand(SearchNode(state, ()))
    reversed_ = Searcher(10, 10.0, Reversed()).expand(SearchNode(state, ()))
    closed = [c.text for c, child in heuristic if child is not None]
    closed_reversed = [c.text for c, child in reversed_ if child is not None]
    assert closed and sorted(closed) == sorted(closed_reversed)
    assert closed_reversed == list(reversed(closed))  # the machine ran the branches in the policy's order
    assert closed[0] == "rfl"


def test_a_policy_drives_the_search(session: Session) -> None:
    class Only(HeuristicPolicy):
        name = "only-intro-and-assumption"

        def candidates(self, view: GoalView) -> Sequence[Candidate]:
            return [c for c in super().candidates(view) if c.call.name in ("intro", "assumption")]

    result = session.prove("∀ p : Prop, p → p", policy=Only())
    assert result.script == ("intro p", "intro h", "assumption") and result.stats.policy == "only-intro-and-assumption"
    with pytest.raises(TacticMeshError, match="no proof found"):
        session.prove("∀ p q : Prop, p ∧ q → p", policy=Only(), max_nodes=20)


def test_policies_by_name() -> None:
    assert "heuristic" in policy_names() and isinstance(policy_named("heuristic"), HeuristicPolicy)
    with pytest.raises(TacticMeshError, match="unknown search policy"):
        policy_named("nope")
    with pytest.raises(ValueError, match="twice"):
        register_policy("heuristic", HeuristicPolicy)


def test_the_node_budget_is_kept(session: Session) -> None:
    result = Searcher(7, 30.0).search(session.goal("∀ n : Nat, n = n + 1"))
    assert result.state is None and result.expanded <= 7 and result.reason == "node limit reached"


def test_priority_prefers_fewer_goals(session: Session) -> None:
    policy = HeuristicPolicy()
    one = SearchNode(session.goal("True"), ())
    two = SearchNode(session.run(session.goal("True ∧ True"), "constructor"), ("constructor",))
    assert policy.priority(one) < policy.priority(two)



@pytest.mark.parametrize("statement", [s for s, _ in FIRST_PROOFS[:6]])
def test_a_lazy_search_finds_the_first_proofs(session: Session, statement: str) -> None:
    """Lazy expansions (one child at a time, the node put back for its next candidate) find the
    first proofs too, and the kernel admits them."""
    state = session.goal(statement)
    lazy = Searcher(200, 30.0, lazy=True).search(state)
    assert lazy.state is not None
    expr, levels = session.elaborate(statement)
    admit_theorem(lazy.state.environment, "_lazy", levels, expr, final_proof_term(lazy.state))


def test_a_lazy_expansion_stops_at_its_first_child(session: Session) -> None:
    tried: list[tuple[str, bool]] = []
    result = Searcher(10, 10.0, observer=lambda _n, c, ch: tried.append((c.text, ch is not None)),
                      lazy=True).search(session.goal("2 = 2"))
    eager = Searcher(10, 10.0).expand(SearchNode(session.goal("2 = 2"), ()))
    assert result.state is not None and result.script == ("rfl",) and tried == [("rfl", True)]
    assert len(eager) > 1  # the eager expansion of the same node runs every candidate


def test_a_lazy_search_comes_back_to_a_node(session: Session) -> None:
    """The best-scored candidate applies but leads nowhere; the node is expanded again for its next."""

    class DeadEndFirst(HeuristicPolicy):
        name = "dead-end-first"

        def candidates(self, view: GoalView) -> Sequence[Candidate]:
            out = list(super().candidates(view))
            dead = [c for c in out if c.call.name == "constructor"]
            return [*(attrs.evolve(c, prior=1000.0) for c in dead), *(c for c in out if c not in dead)]

    statement = "∀ p q : Prop, p → q → p ∧ q"
    runs: list[tuple[int, str]] = []
    result = Searcher(200, 30.0, DeadEndFirst(), observer=lambda n, c, _ch: runs.append((id(n.state), c.text)),
                      lazy=True).search(session.goal(statement))
    assert result.state is not None
    per_state: dict[int, int] = {}
    for state_id, _ in runs:
        per_state[state_id] = per_state.get(state_id, 0) + 1
    assert max(per_state.values()) >= 2  # some node gave a second child after its first one
