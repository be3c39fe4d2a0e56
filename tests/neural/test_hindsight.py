"""Hindsight replay: the goals a path closed become theorems the kernel re-checks
(``neural/hindsight.py``)."""

from __future__ import annotations

import attrs
from neural_support import state_of

from tactic_mesh.api import Session
from tactic_mesh.calculus.tactic_syntax import call_of
from tactic_mesh.handlers.policy import SearchNode, Step
from tactic_mesh.kernel.expr import Const
from tactic_mesh.kernel.printer import Printer
from tactic_mesh.neural.hindsight import checked, closed_subproofs, harvest, root_proof, subtree

STATEMENT = "∀ p q : Prop, p → q → p ∧ q"


def _walk(session: Session, statement: str, script: list[str]) -> SearchNode:
    state = state_of(session, statement)
    path: list[Step] = []
    for text in script:
        call = call_of(text, 1, 1)
        path.append((state, call))
        state = session.run(state, call)
    return SearchNode(state, tuple(script), tuple(path))


def _text(session: Session, e: object) -> str:
    return Printer(session.environment).print(e)  # type: ignore[arg-type]


def test_a_failed_path_still_closes_a_sub_goal_the_kernel_admits() -> None:
    session = Session("basics")
    node = _walk(session, STATEMENT, ["intro p q hp hq", "constructor", "exact hp"])  # the second conjunct stays open
    assert node.state.active_obligations
    subs = closed_subproofs(node)
    assert [s.first for s in subs] == [2]  # only the goal `exact hp` acted on is closed
    sub = subs[0]
    assert _text(session, sub.statement) == "∀ (p : Prop) (q : Prop), p → q → p"
    assert checked(sub, session.environment, ())
    assert [c.name for _, c in sub.steps] == ["exact"] and sub.remaining == (1,)
    assert root_proof(node) is None
    assert [s.statement for s in harvest([node], session.environment, ())] == [sub.statement]


def test_a_closed_root_has_the_whole_subtree_and_each_steps_remaining_count() -> None:
    session = Session("basics")
    node = _walk(session, STATEMENT, ["intro p q hp hq", "constructor", "exact hp", "exact hq"])
    assert not node.state.active_obligations
    root = root_proof(node)
    assert root is not None and checked(root, session.environment, ())
    assert [c.name for _, c in root.steps] == ["intro", "constructor", "exact", "exact"]
    assert root.remaining == (4, 3, 1, 1)  # constructor's goal took itself and both exacts
    assert subtree(node.path, (), 1) == [1, 2, 3] and subtree(node.path, (), 2) == [2]
    # the conjuncts and the goal after intro are distinct statements; the root closes them all
    statements = {_text(session, s.statement) for s in harvest([node], session.environment, ())}
    assert "∀ (p : Prop) (q : Prop), p → q → p" in statements
    assert "∀ (p : Prop) (q : Prop), p → q → q" in statements
    assert "∀ (p : Prop) (q : Prop), p → q → p ∧ q" in statements


def test_a_forged_sub_proof_is_refused() -> None:
    session = Session("basics")
    node = _walk(session, STATEMENT, ["intro p q hp hq", "constructor", "exact hp"])
    sub = closed_subproofs(node)[0]
    forged = attrs.evolve(sub, proof=Const("True.intro", ()))
    assert not checked(forged, session.environment, ())
    assert harvest([SearchNode(node.state, node.script, node.path)], session.environment, (), limit=0) == []


def test_a_goal_with_a_metavariable_is_not_a_theorem_of_its_own() -> None:
    session = Session("basics")
    node = _walk(session, "∃ n : Nat, n = n", ["apply Exists.intro"])
    assert all(s.first != 0 for s in closed_subproofs(node))  # the ∃ goal is not closed yet
    assert root_proof(node) is None
