"""The tactic registry: one entry per tactic with its compilation, typing rule and proposer."""

from __future__ import annotations

import pytest

from tactic_mesh import Session
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticError
from tactic_mesh.calculus.tactics import (
    FAMILIES,
    GoalView,
    TacticSpec,
    compile_tactic,
    proposers,
    registry,
    spec_of,
    specs,
)
from tactic_mesh.calculus.tactics.registry import call
from tactic_mesh.calculus.terms import Pure
from tactic_mesh.typing import Interface, TypingError, check

VOCABULARY = (
    "intro intros exact refine apply rfl symm congr eq_search eprover exfalso left right exists show constructor "
    "assumption contradiction have calc simp rw rewrite induction cases first <|> orelse solve interleave "
    "try once progress repeat focus <;> done · case next | all_goals any_goals"
).split()


def test_the_whole_vocabulary_is_registered_once() -> None:
    names = [s.name for s in specs()]
    assert sorted(names) == sorted(VOCABULARY)
    assert len(names) == len(set(names))


def test_every_family_has_a_proposer() -> None:
    assert {s.family for s in proposers()} == set(FAMILIES)
    for family in FAMILIES:
        assert all(s.family == family for s in proposers(family))


def test_registering_twice_or_a_half_spec_is_refused() -> None:
    intro = spec_of("intro")
    assert intro is not None
    with pytest.raises(ValueError, match="twice"):
        registry.register(intro)
    with pytest.raises(ValueError, match="proposer"):
        TacticSpec("x", intro.compile, intro.typing, family="intro")
    with pytest.raises(ValueError, match="unknown family"):
        TacticSpec("x", intro.compile, intro.typing, intro.propose, "magic")


def test_a_new_tactic_is_one_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registered once, it compiles, types and is proposed — no other table to update."""
    monkeypatch.setattr(registry, "_SPECS", dict(registry._SPECS))

    def typing_rule(ck, c, iface, delta, path):  # type: ignore[no-untyped-def]
        return ck.on_main(c, iface, path, ck.REFINE, lambda p: ())  # closes the goal

    registry.register(TacticSpec(
        "trivial", lambda c, s: compile_tactic(call("exact", "True.intro"), s), typing_rule,
        lambda view: [registry.Candidate(call("trivial"), "auto")], "auto", "close `True`"))
    session = Session(None)
    state = session.goal("True")
    assert session.run(state, "trivial").is_complete
    typed = check(registry.defer(call("trivial")), Interface.goals(1), foreign_symbols=("tactic",),
                  handlers=("kernel", "tactic"))
    assert typed.out is not None and typed.out.bounds() == (0, 0)
    assert any(c.call.name == "trivial" for s in proposers("auto") for c in s.propose(GoalView.of(state)))  # type: ignore[misc]
    assert session.prove("True", max_nodes=5).kernel_checked


def test_unknown_tactics_are_errors_everywhere() -> None:
    state = Session(None).goal("True")
    with pytest.raises(TacticError, match="unknown tactic 'frobnicate'"):
        compile_tactic(call("frobnicate"), state)
    with pytest.raises(TypingError, match="unknown tactic"):
        check(registry.defer(call("frobnicate")), Interface.goals(1), foreign_symbols=("tactic",),
              handlers=("kernel", "tactic"))


def test_compile_seq_defers_the_rest() -> None:
    state = Session(None).goal("True")
    assert registry.compile_seq([], state) == Pure()
    program = registry.compile_seq([call("constructor"), call("done")], state)
    assert registry.DONE != program


# -- proposers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def session() -> Session:
    return Session("basics")


def proposals(session: Session, statement: str, script: str) -> list[str]:
    state: ProofState = session.run(session.goal(statement), script)
    view = GoalView.of(state)
    assert view is not None
    return [c.text for s in proposers() for c in s.propose(view)]  # type: ignore[misc]


def test_apply_with_hypotheses(session: Session) -> None:
    found = proposals(session, "∀ p q r : Prop, (p → q) → (q → r) → p → r", "intro p q r hpq hqr hp")
    assert "apply hqr" in found and "apply hpq" not in found and "assumption" in found


def test_cases_on_hypotheses_of_and_or_exists_false(session: Session) -> None:
    found = proposals(session, "∀ (p q : Prop) (P : Nat → Prop), p ∧ q → (p ∨ q) → (∃ x, P x) → False → p",
                      "intro p q P h1 h2 h3 h4")
    assert {"cases h1", "cases h2", "cases h3", "cases h4"} <= set(found)
    assert "contradiction" in found


def test_cases_on_a_bool_the_goal_mentions(session: Session) -> None:
    assert "cases b" in proposals(session, "∀ b : Bool, b = b", "intro b")


def test_exists_with_witnesses_from_the_context(session: Session) -> None:
    found = proposals(session, "∀ (n m : Nat), ∃ k : Nat, k = m", "intro n m")
    assert {"exists m", "exists n", "exists 0"} <= set(found)
    assert "constructor" not in found


def test_rewrite_with_quantified_hypotheses(session: Session) -> None:
    found = proposals(session, "∀ (f : Nat → Nat), (∀ x, f x = x) → ∀ n, f n = n", "intro f h n")
    assert "rw [h]" in found and "rw [← h]" in found and "simp [*]" in found


def test_induction_on_mentioned_variables(session: Session) -> None:
    found = proposals(session, "∀ (n m : Nat), n + 0 = n", "intro n m")
    assert "induction n" in found and "induction m" not in found


def test_intro_first(session: Session) -> None:
    state = session.goal("∀ p : Prop, ¬p → ¬p")
    view = GoalView.of(session.run(state, "intro p"))
    assert view is not None
    from tactic_mesh.handlers.policy import HeuristicPolicy

    assert [c.text for c in HeuristicPolicy().candidates(view)] == ["intro h"]
