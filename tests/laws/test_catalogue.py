"""The law catalogue is data: names, schemas, side conditions, policies, anchors."""

from __future__ import annotations

from tactic_mesh.calculus.combinators import repeat
from tactic_mesh.calculus.terms import Bind, Choice, Fix, Op, Policy, Pure, Rec, VGoal, VNum, VVar
from tactic_mesh.codecs.dsl import print_program
from tactic_mesh.laws.catalogue import LAWS, law_named
from tactic_mesh.laws.schema import Ingredients, substitute_value, unfold_fix

REQUIRED = {
    "bind-left-unit", "bind-right-unit", "bind-assoc", "fail-left-zero", "choice-left-identity",
    "choice-right-identity", "choice-assoc", "choice-bind-distrib", "commit-bind-distrib", "commit-left-identity",
    "commit-left-fail", "commit-right-fail", "commit-assoc", "fair-left-identity", "fair-right-identity",
    "once-pure", "once-bind",
    "reflect-split", "interleave-assoc", "ifte-fail", "ifte-success", "fix-unfold-commit", "fix-unfold-backtrack",
    "fix-unfold-scoped-fuel", "focus-pure", "focus-all", "focus-focus-main", "focus-frame", "branch-permutation",
    "handle-pure", "handle-bind", "handle-commute", "progress-pure", "progress-idem", "progress-elim",
    "scored-order", "scored-backtrack",
}
EXPLICITLY_UNCLAIMED = {
    "commit-bind-distrib", "commit-left-identity", "once-bind", "interleave-assoc", "fix-unfold-scoped-fuel",
}


def test_catalogue_has_the_required_laws() -> None:
    names = [law.name for law in LAWS]
    assert len(names) == len(set(names))
    assert REQUIRED <= set(names)
    unclaimed = {law.name for law in LAWS if not law.claimed}
    assert EXPLICITLY_UNCLAIMED <= unclaimed
    assert all(n in EXPLICITLY_UNCLAIMED or n.endswith("/unconditional") for n in unclaimed)
    for law in LAWS:
        assert law.anchor and law.statement and "≅" in law.statement
        assert law_named(law.name) is law


def test_every_side_condition_has_a_refuting_variant() -> None:
    """A claimed law with a side condition comes with the variant that drops it (or names the
    unclaimed law that shows it is needed: another policy, fuel that runs out inside)."""
    names = {law.name for law in LAWS}
    for law in LAWS:
        if not law.claimed:
            continue
        if law.refuted_by:
            assert law.refuted_by in names and not law_named(law.refuted_by).claimed
        elif law.conditional:
            variant = law_named(f"{law.name}/unconditional")
            assert not variant.claimed and not variant.conditional
            assert variant.precondition is law.precondition
    assert {"focus-frame/unconditional", "branch-permutation/unconditional", "handle-commute/unconditional",
            "progress-elim/unconditional", "ifte-success/unconditional"} <= names


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
    from tactic_mesh.laws.generate import library_states, tactic

    state = library_states()[0].state
    assoc = law_named("bind-assoc")
    assert assoc.side_condition(Ingredients(h=Pure(VVar("y"))), state, assoc.fuel)
    assert not assoc.side_condition(Ingredients(h=Pure(VVar("x"))), state, assoc.fuel)
    fix = law_named("fix-unfold-commit")
    rounds = Ingredients(t=tactic("constructor"), u=Pure())  # `a ∧ b ↔ b ∧ a`: a few rounds, then no progress
    assert fix.side_condition(rounds, state, fix.fuel)
    assert not fix.side_condition(rounds, state, 20)  # the fuel runs out inside
    assert fix.side_condition(Ingredients(t=Pure(), u=Pure()), state, 20)  # `repeat (pure ())`: no progress, stops
    frame = law_named("focus-frame")
    coupled = next(s.state for s in library_states() if "▸" in s.name and "P ?" in _goals(s.state))
    for i, isolated in ((0, False), (1, False), (2, False)):
        ing = Ingredients(i=i).at(coupled)
        assert frame.precondition(ing, coupled, frame.fuel)
        assert frame.side_condition(ing, coupled, frame.fuel) is isolated
    two = next(s.state for s in library_states() if len(s.state.active_obligations) >= 2
               and not s.state.metavar_graph.shared_mvars(s.state.active_obligations))
    assert frame.side_condition(Ingredients(i=0).at(two), two, frame.fuel)
    commute = law_named("handle-commute")
    assert commute.side_condition(Ingredients(h1="deny-assign", h2="deny-rewrite"), state, 0)
    assert not commute.side_condition(Ingredients(h1="kernel", h2="deny-assign"), state, 0)


def _goals(state: object) -> str:
    from tactic_mesh.calculus.tactics import goals_text

    return goals_text(state, "")  # type: ignore[arg-type]
