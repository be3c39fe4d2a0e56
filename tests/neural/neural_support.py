"""Helpers the neural tests share: a statement's state after a script, and its main goal's view."""

from __future__ import annotations

from tactic_mesh.api import Session
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import GoalView


def state_of(session: Session, statement: str, script: str = "") -> ProofState:
    s = session.goal(statement)
    return session.run(s, script) if script else s


def view_of(state: ProofState) -> GoalView:
    view = GoalView.of(state)
    assert view is not None
    return view
