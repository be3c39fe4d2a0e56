"""The tactic experts: one per family, typed proposals with arguments, premise calls over the
library's lemmas."""

from __future__ import annotations

from tactic_mesh.api import Session
from tactic_mesh.calculus.tactics import FAMILIES, GoalView
from tactic_mesh.neural.experts import EXPERTS, premises
from tactic_mesh.neural.experts.base import premise_names
from tactic_mesh.neural.router_policy import well_typed
from tactic_mesh.neural.traces import LibraryTheorem

SESSION = Session("all")


def test_one_expert_per_family_in_order() -> None:
    assert tuple(e.family for e in EXPERTS) == FAMILIES


def test_every_proposal_on_library_states_is_well_typed(theorems: list[LibraryTheorem]) -> None:
    """Validity by construction: the proposers only make calls the typing judgment accepts."""
    checked = bad = 0
    for th in theorems[::6]:
        for state, _call in th.steps[:3]:
            view = GoalView.of(state)
            assert view is not None
            for expert in EXPERTS:
                for c in expert.candidates(view)[0]:
                    checked += 1
                    bad += not well_typed(c, view)
    assert checked > 200 and bad == 0


def test_premise_calls_cover_library_lemmas() -> None:
    env = SESSION.environment
    lemmas = premises(env)
    names = premise_names(env)
    assert "Nat.add_comm" in names and not any(n.startswith("_") for n in names)
    rewrite = next(e for e in EXPERTS if e.family == "rewrite")
    view = GoalView.of(SESSION.run(SESSION.goal("∀ a b : Nat, a + b = b + a"), "intro a b"))
    assert view is not None
    plain, with_premise = rewrite.candidates(view)
    args = {c.call.arg for c in with_premise}
    equations = [p for p in lemmas if p.equation]
    assert "[Nat.add_comm]" in args and "[← Nat.add_comm]" in args
    assert len(with_premise) >= 2 * len(equations) - 2  # both directions of (almost) every equation
    assert all(not rewrite.is_premise_call(c, names) for c in plain)


def test_induction_expert_names_the_variable() -> None:
    view = GoalView.of(SESSION.run(SESSION.goal("∀ n m : Nat, n + m = m + n"), "intro n m"))
    assert view is not None
    induction = next(e for e in EXPERTS if e.family == "induction")
    args = {c.call.arg for c in induction.propose(view)}
    assert {"n", "m"} <= args
