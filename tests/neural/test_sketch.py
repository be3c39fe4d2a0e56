"""Multi-step sketches: the head's proposals and their step-by-step checking (``neural/sketch.py``)."""

from __future__ import annotations

import torch
from neural_support import state_of

from tactic_mesh.api import Session
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import call_of
from tactic_mesh.calculus.tactics import FAMILIES
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.neural.sketch import DEPTH, END, SketchHead, goal_closed, run_sketch

TACTIC = {"intro": "intro h", "auto": "assumption", "apply": "constructor"}


def _player(session: Session):  # type: ignore[no-untyped-def]
    def step(state: ProofState, family: str) -> ProofState | None:
        text = TACTIC.get(family)
        if text is None:
            return None
        try:
            return session.run(state, call_of(text, 1, 1))
        except TacticMeshError:
            return None
    return step


def test_a_sketch_is_played_step_by_step() -> None:
    session = Session("basics")
    state = state_of(session, "∀ p : Prop, p → p", "intro p")
    goal = state.active_obligations[0]

    def closed(s: ProofState) -> bool:
        return goal_closed(s, goal)

    fam = FAMILIES.index
    good = run_sketch([fam("intro"), fam("auto")], state, _player(session), closed)
    assert good.survived == 2 and good.closed and good.whole and good.sketch == ("intro", "auto")
    early = run_sketch([fam("intro"), fam("auto"), fam("apply")], state, _player(session), closed)
    assert early.survived == 2 and early.closed and early.whole  # closed before the sketch ran out
    bad = run_sketch([fam("auto"), fam("intro")], state, _player(session), closed)
    assert bad.survived == 0 and not bad.closed and not bad.whole  # `assumption` fails before intro
    partial = run_sketch([fam("intro"), fam("apply")], state, _player(session), closed)
    assert partial.survived == 1 and not partial.whole
    assert not goal_closed(session.run(state, call_of("intro h", 1, 1)), goal)  # replaced, not closed


def test_the_head_proposes_at_most_its_depth_and_stops_at_end() -> None:
    torch.manual_seed(0)
    head = SketchHead(8)
    z = torch.randn(8)
    sketch = head.propose(z)
    assert len(sketch) <= DEPTH and all(0 <= f < END for f in sketch)
    with torch.no_grad():  # make END certain at depth 1: the sketch is empty
        last = head.heads[0][-1]
        assert isinstance(last, torch.nn.Linear)
        last.weight.zero_()
        last.bias.zero_()
        last.bias[END] = 10.0
    assert head.propose(z) == []
