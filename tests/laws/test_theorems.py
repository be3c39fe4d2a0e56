"""The minimum theorem set of DESIGN §6 as property tests over generated programs and real
library states: handler soundness, serialization round-trip, projection soundness, conditional
branch independence and conservative extension."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactic_mesh.calculus.observe import same_state, witness_with_placeholders
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import split_tactics
from tactic_mesh.calculus.tactics import compile_tactic, defer
from tactic_mesh.calculus.terms import Term
from tactic_mesh.codecs.dsl import parse_program, print_program
from tactic_mesh.codecs.json_envelope import dumps, loads
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import MVar
from tactic_mesh.kernel.typechecker import TypeChecker
from tactic_mesh.laws.catalogue import law_named
from tactic_mesh.laws.check import check_law
from tactic_mesh.laws.generate import LawState, library_states, programs
from tactic_mesh.laws.run import observations_agree, run_side

PROFILE = settings(max_examples=200, derandomize=True, database=None, deadline=None,
                   suppress_health_check=list(HealthCheck))
STATES = library_states()


def states() -> st.SearchStrategy[LawState]:
    return st.sampled_from(STATES)


def checked(prop: Callable[[LawState, Term], int]) -> int:
    """Run ``prop`` on generated (state, program) pairs; the number of successes it checked."""
    total = [0]

    @PROFILE
    @given(states(), programs())
    def each(start: LawState, program: Term) -> None:
        total[0] += prop(start, program)

    each()
    return total[0]


def _statement(state: ProofState) -> object:
    root = state.partial_term
    assert isinstance(root, MVar)
    return state.metavar_graph.decl(root.id).type


# -- handler soundness --------------------------------------------------------------------------


def handler_soundness(start: LawState, program: Term) -> int:
    """Every success of a run leaves a partial proof whose holes are exactly its goals, and whose
    witness (each goal given an opaque placeholder) the kernel checks against the statement;
    a complete proof is checked as it is."""
    state = start.state
    statement = _statement(state)
    count = 0
    for after in run_side(program, state).successes:
        holes = {m.id for m in after.open_holes()}
        assert holes == set(after.active_obligations), "a hole that is not a goal"
        witness = after.proof_term() if after.is_complete else witness_with_placeholders(after)
        assert not witness.has_mvar
        checker = TypeChecker(after.environment, level_params=after.level_params)
        assert checker.is_def_eq(checker.infer(witness), statement)
        count += after.progressed_from(state)
    return count


def test_handler_soundness() -> None:
    assert checked(handler_soundness) >= 30  # successes that changed the state


# -- serialization round-trip -------------------------------------------------------------------


def serialization_round_trip(start: LawState, program: Term) -> int:
    """Programs round-trip through the DSL and JSON; the states a run reaches round-trip
    through JSON to a state the observation cannot tell apart."""
    assert parse_program(print_program(program)) == program
    assert loads(dumps("program", program, start.state.provenance), "program") == program
    count = 0
    for after in run_side(program, start.state).successes:
        back = loads(dumps("state", after), "state", env=after.environment)
        assert back.active_obligations == after.active_obligations
        assert same_state(back, after)
        count += after.progressed_from(start.state)
    return count


def test_serialization_round_trip() -> None:
    assert checked(serialization_round_trip) >= 30


# -- projection soundness -----------------------------------------------------------------------


def step_projection(start: LawState, program: Term) -> int:
    """The StepPacks a run records (the step-level projection) account for its goals: replaying
    their deltas on the initial goals gives the final goals, each step's parent was a goal when
    it was taken, and its children's recorded targets are the final ones once instantiated."""
    state = start.state
    count = 0
    for after in run_side(program, state).successes:
        count += len(after.steps) > len(state.steps)
        goals = set(state.active_obligations)
        for step in after.steps[len(state.steps):]:
            assert step.parent in goals, "a step on something that was not a goal"
            goals = (goals - set(step.delta.closed)) | set(step.delta.opened)
        assert goals == set(after.active_obligations)
        mctx = after.metavar_graph
        for step in after.steps[len(state.steps):]:
            for child, target in step.child_interface:
                if child in after.active_obligations:
                    assert mctx.instantiate(target) == mctx.instantiate(mctx.decl(child).type)
    return count


def test_step_projection_agrees_with_the_run() -> None:
    assert checked(step_projection) >= 30  # successes that took steps


# -- conditional branch independence ------------------------------------------------------------


def test_independent_branches_commute_with_the_same_witness() -> None:
    """Branch permutation on coupling-disconnected goals holds, and the instances are not vacuous:
    many have both orders succeed, with the same parent witness up to defeq."""
    report = check_law(law_named("branch-permutation"), 60)
    assert report.counterexample is None and report.side_held >= 60
    assert dict(report.outcomes).get("success×1", 0) >= 10


def test_coupled_branches_do_not_commute() -> None:
    report = check_law(law_named("branch-permutation/unconditional"), 60)
    assert report.counterexample is not None
    ce = report.counterexample
    gi, gj = ce.ingredients.positions(ce.state.state)
    mctx = ce.state.state.metavar_graph
    assert mctx.shared_mvars([gi, gj]) or gi in mctx.dependency_graph([gj])[gj] or gj in mctx.dependency_graph([gi])[gi]


# -- conservative extension ---------------------------------------------------------------------

DERIVED = (
    "intro", "intros", "constructor", "assumption", "rfl", "left", "right", "exfalso", "simp",
    "try simp", "try (intro h; assumption)", "first | rfl | assumption | constructor",
    "solve | assumption | rfl", "repeat constructor", "constructor <;> assumption", "all_goals assumption",
    "any_goals assumption", "once (first | left | right)", "progress (try assumption)", "focus (intro h)",
    "interleave | left | right", "first | (intro h; exact h) | rfl", "exact ⟨?_, ?_⟩", "refine ⟨?_, ?_⟩",
    "apply Or.inl",
)


@PROFILE
@given(states(), st.sampled_from(DERIVED))
def test_derived_tactic_is_its_core_expansion(start: LawState, text: str) -> None:
    """Each derived tactic (compiled on the state it meets) ≅ its core expansion printed in the
    DSL and read back (``tactic-mesh prove --expand`` shows the same program)."""
    state = start.state
    (call,) = split_tactics(text, 1, 1)
    try:
        core = compile_tactic(call, state)
    except TacticMeshError as err:  # a tactic that cannot compile here fails as a program too
        assert run_side(defer(call), state).outcome == "failure", err
        return
    expansion = parse_program(print_program(core))
    assert observations_agree(run_side(defer(call), state), run_side(expansion, state))


@pytest.mark.parametrize("text", DERIVED)
def test_every_derived_tactic_compiles_somewhere(text: str) -> None:
    """The conservative-extension property is not vacuous: each tactic compiles on some state."""
    (call,) = split_tactics(text, 1, 1)
    compiled = 0
    for start in STATES[:20]:
        try:
            compile_tactic(call, start.state)
            compiled += 1
        except TacticMeshError:
            continue
    assert compiled > 0
