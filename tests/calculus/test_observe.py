"""Observational equality: derived tactics against their core expansions, and clear differences."""

from __future__ import annotations

from tactic_mesh.calculus.combinators import exact, intro, refine, rfl, try_
from tactic_mesh.calculus.observe import obs_equal, observe
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Bind, Choice, Fail, Op, Policy, Pure, VGoal, VSurface, VVar, seq
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term

ENV = prelude()
HANDLERS = {"kernel": KernelHandler()}


def start(statement: str) -> ProofState:
    return ProofState.initial(ENV, elaborate_closed(ENV, parse_term(statement))[0])


def test_derived_tactic_equals_its_core_expansion() -> None:
    state = start("∀ p q : Prop, p → q → p ∧ q")
    core = Bind("t", Op("Elaborate", (VSurface("fun p q hp hq => ?_"), VGoal("main"))),
                Op("AssignMetavar", (VGoal("main"), VVar("t"))))
    assert obs_equal(intro("p", "q", "hp", "hq"), core, state, HANDLERS)


def test_different_proofs_of_the_same_goal_are_equal_up_to_defeq() -> None:
    state = start("2 + 2 = 4")
    assert obs_equal(rfl(), exact("Eq.refl 4"), state, HANDLERS)


def test_goal_structure_is_observed() -> None:
    state = start("∀ p q : Prop, p → q → p ∧ q")
    split = seq(intro("p", "q", "hp", "hq"), refine("⟨?_, ?_⟩"))
    done = seq(intro("p", "q", "hp", "hq"), exact("⟨hp, hq⟩"))
    assert not obs_equal(split, done, state, HANDLERS)
    # renaming of fresh metavariables does not matter: two runs of the same program are equal
    assert obs_equal(split, split, state, HANDLERS)


def test_outcome_classes_are_observed() -> None:
    state = start("True")
    assert observe(Fail(), state, HANDLERS).outcome == "failure"
    assert observe(Op("Nope"), state, HANDLERS).outcome == "panic"
    assert not obs_equal(Fail(), Op("Nope"), state, HANDLERS)
    # try t ≅ t when t succeeds; and ≇ when it fails (then try succeeds with no change)
    assert obs_equal(try_(exact("True.intro")), exact("True.intro"), state, HANDLERS)
    assert not obs_equal(try_(exact("False.elim")), exact("False.elim"), state, HANDLERS)
    assert obs_equal(Choice(Policy.BACKTRACK, (Fail(), Pure())), Pure(), state, HANDLERS)


def test_different_partial_witnesses_are_not_equal() -> None:
    from tactic_mesh.calculus.combinators import intro, refine

    state = start("Nat → Nat")
    succ = seq(intro("n"), refine("Nat.succ ?_"))
    pred = seq(intro("n"), refine("Nat.pred ?_"))
    # the same remaining goal (a `Nat`), but the parent witnesses differ once it is filled the same way
    assert not obs_equal(succ, pred, state, HANDLERS)
    assert obs_equal(succ, seq(intro("m"), refine("Nat.succ ?_")), state, HANDLERS)
    # for propositions any two witnesses are definitionally equal (proof irrelevance)
    prop = start("∀ p : Prop, p → p ∨ p")
    assert obs_equal(seq(intro("p", "hp"), refine("Or.inl ?_")), seq(intro("p", "hp"), refine("Or.inr ?_")),
                     prop, HANDLERS)
