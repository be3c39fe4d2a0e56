"""The law catalogue is data: names, schemas, side conditions, policies, anchors."""

from __future__ import annotations

from tactic_mesh.calculus.tactics import repeat
from tactic_mesh.calculus.terms import Bind, Choice, Fix, Op, Policy, Pure, Rec, VGoal, VNum, VVar
from tactic_mesh.codecs.dsl import print_program
from tactic_mesh.laws.catalogue import LAWS, Ingredients, law_named, substitute_value, unfold_fix

REQUIRED = {
    "bind-left-unit", "bind-right-unit", "bind-assoc", "fail-left-zero", "choice-left-identity",
    "choice-right-identity", "choice-assoc", "choice-bind-distrib", "commit-bind-distrib", "once-pure",
    "once-bind", "reflect-split", "interleave-assoc", "fix-unfold-commit",
}
UNCLAIMED = {"commit-bind-distrib", "once-bind", "interleave-assoc"}


def test_catalogue_has_the_required_laws() -> None:
    names = [law.name for law in LAWS]
    assert len(names) == len(set(names))
    assert REQUIRED <= set(names)
    assert {law.name for law in LAWS if not law.claimed} == UNCLAIMED
    for law in LAWS:
        assert law.anchor and law.statement and "≅" in law.statement
        assert law_named(law.name) is law


def test_policies_are_stated() -> None:
    assert law_named("choice-bind-distrib").policy is Policy.BACKTRACK
    assert law_named("commit-bind-distrib").policy is Policy.COMMIT
    assert law_named("interleave-assoc").policy is Policy.FAIR
    assert law_named("bind-assoc").policy is None


def test_sides_are_core_programs_that_print() -> None:
    ing = Ingredients(t=Pure(VNum(1)), u=Pure(VNum(2)), v=Pure(VNum(3)), k=Pure(VVar("x")), h=Pure(VVar("y")))
    for law in LAWS:
        for side in (law.lhs(ing), law.rhs(ing)):
            assert print_program(side)


def test_value_substitution_respects_shadowing() -> None:
    op = Op("Elaborate", (VVar("x"), VGoal("main")))
    assert substitute_value(op, "x", VNum(1)) == Op("Elaborate", (VNum(1), VGoal("main")))
    shadowed = Bind("x", Pure(VVar("x")), Pure(VVar("x")))
    assert substitute_value(shadowed, "x", VNum(1)) == Bind("x", Pure(VNum(1)), Pure(VVar("x")))


def test_fix_unfolding_substitutes_the_whole_fixpoint() -> None:
    loop = repeat(Pure(), name="f")
    assert isinstance(loop, Fix)
    unfolded = unfold_fix(loop)
    assert unfolded == Choice(Policy.COMMIT, (Bind("_", Pure(), loop), Pure()))
    inner = Fix("f", Rec("f"))  # an inner binder of the same name shadows
    assert unfold_fix(Fix("f", Bind("_", Rec("f"), inner))) == Bind("_", Fix("f", Bind("_", Rec("f"), inner)), inner)


def test_side_conditions_are_executable() -> None:
    from tactic_mesh.laws.generate import library_states

    state = library_states()[0].state
    assoc = law_named("bind-assoc")
    assert assoc.side_condition(Ingredients(h=Pure(VVar("y"))), state, assoc.fuel)
    assert not assoc.side_condition(Ingredients(h=Pure(VVar("x"))), state, assoc.fuel)
    fix = law_named("fix-unfold-commit")
    assert not fix.side_condition(Ingredients(t=Pure(), u=Pure()), state, fix.fuel)  # `repeat (pure ())`
    assert fix.side_condition(Ingredients(t=Op("Nope"), u=Pure()), state, fix.fuel)  # stops at once
