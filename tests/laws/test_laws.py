"""Every claimed law holds on generated instances over real proof states (fast, derandomized
profile); every unclaimed variant is refuted with a shown, shrunk counterexample."""

from __future__ import annotations

import pytest

from tactic_mesh.calculus.terms import Choice, Policy, Pure, Scoped
from tactic_mesh.laws.catalogue import LAWS, Law, law_named
from tactic_mesh.laws.check import check_law
from tactic_mesh.laws.generate import library_states
from tactic_mesh.laws.run import run_side

FAST_EXAMPLES = 60
CLAIMED = [law for law in LAWS if law.claimed]
UNCLAIMED = [law for law in LAWS if not law.claimed]

# a side is `fail e` / `pure a`: one outcome class only
ONE_OUTCOME = {"fail-left-zero", "once-pure", "progress-pure", "handle-pure", "focus-pure"}


def _claimed(law: Law) -> object:
    return pytest.param(law, id=law.name)


def test_states_are_real_library_states() -> None:
    states = library_states()
    assert len(states) >= 30
    assert all(s.name.startswith("tactics.tm:") for s in states)
    assert all(s.state.active_obligations for s in states)


@pytest.mark.parametrize("law", [_claimed(law) for law in CLAIMED])
def test_claimed_law_holds(law: Law) -> None:
    report = check_law(law, FAST_EXAMPLES)
    print(report.row(), report.outcomes)
    if report.counterexample is not None:
        print(report.counterexample.text())
    assert report.counterexample is None, report.counterexample.text()
    assert report.side_held >= FAST_EXAMPLES and report.held == report.side_held
    assert report.ok
    # the instances are not all trivial: some fail, some succeed (except where one side is fixed)
    assert len(report.outcomes) >= 2 or law.name in ONE_OUTCOME


@pytest.mark.parametrize("law", [pytest.param(law, id=law.name) for law in UNCLAIMED])
def test_unclaimed_variant_is_refuted(law: Law) -> None:
    report = check_law(law, FAST_EXAMPLES)
    assert report.counterexample is not None and report.ok
    text = report.counterexample.text()
    print(text)
    assert law.statement in text and "⊢" in text and "lhs =" in text and "rhs =" in text
    ce = report.counterexample
    state = ce.state.state
    # the counterexample is real: re-running it shows the two sides differ
    lhs, rhs = run_side(law.lhs(ce.ingredients), state), run_side(law.rhs(ce.ingredients), state)
    assert (lhs.outcome, len(lhs.successes)) == (ce.lhs.outcome, len(ce.lhs.successes))
    assert (rhs.outcome, len(rhs.successes)) == (ce.rhs.outcome, len(ce.rhs.successes))


def test_checking_is_derandomized() -> None:
    law = law_named("once-bind")
    a, b = check_law(law, 20), check_law(law, 20)
    assert a.counterexample is not None and b.counterexample is not None
    assert (a.tried, a.side_held, a.held) == (b.tried, b.side_held, b.held)
    assert a.counterexample.ingredients == b.counterexample.ingredients


def test_reflect_split_keeps_the_number_of_successes() -> None:
    """A bug this checker found in the machine (an exhausted split resumed as a fresh run)."""
    state = library_states()[0].state
    two = Choice(Policy.BACKTRACK, (Pure(), Pure()))
    assert len(run_side(Scoped("reflect", Scoped("split", two)), state).successes) == 2
    assert len(run_side(Scoped("reflect", Scoped("split", Pure())), state).successes) == 1


def test_focus_frame_counterexample_is_a_shared_metavariable() -> None:
    """DESIGN §6: solving a focused goal assigns a metavariable an unfocused goal mentions."""
    ce = check_law(law_named("focus-frame/unconditional"), FAST_EXAMPLES).counterexample
    assert ce is not None
    state = ce.state.state
    gi, _ = ce.ingredients.positions(state)
    others = [g for g in state.active_obligations if g != gi]
    assert state.metavar_graph.shared_mvars([gi, *others])
    law = law_named("focus-frame")
    assert law.projection is not None
    changed = [after for after in ce.lhs.successes
               if law.projection(ce.ingredients, state, after) != law.projection(ce.ingredients, state, state)]
    assert changed
    assert "the goals outside the focus" in ce.text()
