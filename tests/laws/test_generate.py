"""The generators: real library states (including coupled ones) and well-typed programs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactic_mesh.calculus.terms import Focus, Pure, Rec, Term
from tactic_mesh.laws.catalogue import law_named
from tactic_mesh.laws.check import well_typed
from tactic_mesh.laws.generate import LawState, coupled, library_states, programs
from tactic_mesh.laws.run import HANDLER_NAMES, LAW_SCORERS
from tactic_mesh.laws.schema import Ingredients
from tactic_mesh.typing.api import check

STATES = library_states()


def test_coupled_states_come_from_the_library() -> None:
    featured = coupled(STATES)
    assert len(featured) >= 4
    for k in featured:
        state = STATES[k].state
        assert STATES[k].name.startswith("tactics.tm:")
        assert state.metavar_graph.shared_mvars(state.focus_goals())
    assert any("▸ focus" in STATES[k].name for k in featured)  # the split conjunctions: `?n < 5`, `?n = 3`


@settings(max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(STATES), programs())
def test_generated_programs_are_well_typed(start: LawState, program: Term) -> None:
    check(program, start.state, handlers=HANDLER_NAMES, foreign_symbols=("tactic",), scorers=tuple(LAW_SCORERS))


def test_ill_typed_instances_are_not_counted() -> None:
    state = STATES[0].state
    law = law_named("choice-assoc")
    assert well_typed(law, Ingredients(), state)
    assert not well_typed(law, Ingredients(t=Rec("nowhere")), state)  # `rec` outside its `fix`
    assert not well_typed(law, Ingredients(u=Focus("cp7:123456", Pure())), state)  # no such goal
