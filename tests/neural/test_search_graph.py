"""The search as an AND/OR hypergraph: what the observer records (``neural/search_graph.py``)."""

from __future__ import annotations

from neural_support import state_of

from tactic_mesh.api import Session
from tactic_mesh.calculus.tactic_syntax import call_of
from tactic_mesh.handlers.search import Searcher
from tactic_mesh.neural.features import goal_hash
from tactic_mesh.neural.search_graph import SearchGraph, coupled, step_children


def test_the_observer_sees_every_attempt_and_builds_a_closed_dag() -> None:
    session = Session("basics")
    state = state_of(session, "∀ p q : Prop, p ∧ q → q ∧ p")
    graph = SearchGraph()
    result = Searcher(60, 10.0, observer=graph).search(state)
    assert result.state is not None
    applied = [a for a in graph.attempts if a.applied]
    assert len(applied) == len(graph.nodes) == result.generated
    assert any(not a.applied for a in graph.attempts)  # failures are recorded too (the critic's negatives)
    assert graph.dag.root == goal_hash(state)
    closure = graph.dag.solve()
    assert closure.closed(graph.dag.root)
    proof = closure.proof(graph.dag.root, graph.dag.edges)
    assert len(proof) <= len(result.path)
    credited = {e.tactic for e, _ in graph.dag.credited()}
    assert credited and credited <= {e.tactic for e in graph.dag.edges}
    credit = graph.dag.credit()
    for state_i, call in result.path:  # every step of the proof is a hyperedge …
        edge = graph.dag.edges[graph.edge_of[(id(state_i), call)]]
        # … with credit, unless it only returns to its own goal (`apply And.symm` on `p ∧ q ⊢ q ∧ p` leaves
        # `p ∧ q ⊢ p ∧ q`: the same goal modulo commutativity)
        assert (credit[graph.edge_of[(id(state_i), call)]] > 0) == (edge.goal not in edge.children)


def test_children_and_coupling_of_a_step() -> None:
    session = Session("basics")
    before = state_of(session, "∀ p q : Prop, p → q → p ∧ q", "intro p q hp hq")
    after = session.run(before, call_of("constructor", 1, 1))
    children = step_children(before, after)
    assert len(children) == 2 and not coupled(after, children)
    ex = state_of(session, "∃ n : Nat, n = n")
    split = session.run(ex, call_of("apply Exists.intro", 1, 1))
    made = step_children(ex, split)
    assert made and coupled(split, made)  # `?w = ?w` mentions the witness still to be chosen
