"""The typing judgment on core programs: one accept and one reject case per rule, with the path of the
offending sub-term and the mismatch."""

from __future__ import annotations

import pytest

from tactic_mesh.calculus.combinators import exact, intro, refine, repeat, try_
from tactic_mesh.calculus.effects import Group
from tactic_mesh.calculus.effects import Sort as VSort
from tactic_mesh.calculus.machine import Budget
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import split_tactics
from tactic_mesh.calculus.tactics import HANDLERS, defer_seq
from tactic_mesh.calculus.tactics.registry import TACTIC_CONTRACT
from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Contract,
    Fail,
    Fix,
    Focus,
    Foreign,
    Handle,
    Op,
    Policy,
    Pure,
    Rec,
    Scoped,
    Term,
    VExpr,
    VGoal,
    VList,
    VName,
    VNum,
    VRecord,
    VStr,
    VSurface,
    VUnit,
    VVar,
    seq,
)
from tactic_mesh.handlers.blocks import tactic_machine
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.expr import Const, MVar
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.typing import Arity, Delta, EffectRow, Interface, Slot, TypingError, check, interface_of_state
from tactic_mesh.typing.judgment import VType

ENV = prelude()
MAIN = VGoal("main")


def start(statement: str) -> ProofState:
    e, _ = elaborate_closed(ENV, parse_term(statement))
    return ProofState.initial(ENV, e)


def after(state: ProofState, script: str) -> ProofState:
    result = tactic_machine(Budget(fuel=50_000)).first(defer_seq(split_tactics(script, 1, 1)), state, HANDLERS)
    assert isinstance(result, Success), result
    return result.state


def rejects(term: Term, i_in: Interface | ProofState, path: str, what: str, delta: Delta | None = None,
            **options: object) -> TypingError:
    with pytest.raises(TypingError) as info:
        check(term, i_in, delta, **options)  # type: ignore[arg-type]
    err = info.value
    assert err.path == path, err.message
    assert what in err.message, err.message
    return err


AND = "∀ (a b : Prop), a → b → a ∧ b"


@pytest.fixture(scope="module")
def two_goals() -> ProofState:
    """Goals `a` and `b` (hypotheses a b ha hb)."""
    return after(start(AND), "intro a b ha hb\nconstructor")


# -- pure, fail, bind --------------------------------------------------------------------------------


def test_pure_keeps_the_interface_and_types_its_value() -> None:
    i = Interface.goals(2)
    typed = check(Pure(VNum(3)), i)
    assert typed.out == i and typed.effects == EffectRow() and typed.value.sort is VSort.NUM


def test_pure_of_an_unbound_variable_is_rejected() -> None:
    err = rejects(Pure(VVar("x")), Interface.goals(1), "$.value", "unbound value variable 'x'")
    assert err.found == "x"


def test_fail_is_bottom_and_a_by_block_would_reject_it() -> None:
    typed = check(Fail(VStr("no")), Interface.goals(1))
    assert typed.out is None and typed.failure is not None and typed.failure.path == "$"
    rejects(Fail(VStr("no")), Interface.goals(1), "$", "fail", require_success=True)


def test_bind_threads_the_interface_and_the_variable() -> None:
    state = start("True")
    program = Bind("t", Op("Elaborate", (VSurface("True.intro"), MAIN)), Op("AssignMetavar", (MAIN, VVar("t"))))
    typed = check(program, state)
    assert typed.out is not None and typed.out.bounds() == (0, 0)
    assert typed.effects == EffectRow.of("Elaborate", "AssignMetavar")


def test_the_underscore_binds_nothing() -> None:
    rejects(Bind("_", Pure(VNum(1)), Pure(VVar("_"))), Interface.goals(1), "$.rest.value", "unbound value variable")


def test_scope_errors_after_a_failure_are_still_reported() -> None:
    program = seq(Fail(VStr("stop")), Pure(), Pure(VVar("y")))
    rejects(program, Interface.goals(1), "$.rest.rest.value", "unbound value variable 'y'")


def test_a_100000_step_bind_chain_is_typed_without_recursion_errors() -> None:
    typed = check(seq(*([Op("Cut")] * 100_000)), Interface.goals(1))
    assert typed.out == Interface.goals(1) and typed.effects == EffectRow.of("Cut")


def test_delta_gives_variables_their_sorts() -> None:
    delta = Delta.of(n=VSort.NUM)
    assert check(Op("ConsumeFuel", (VVar("n"),)), Interface.goals(1), delta).out is not None
    rejects(Op("ConsumeFuel", (VVar("n"),)), Interface.goals(1), "$.operands[0]", "wrong sort",
            Delta.of(n=VSort.STR))


# -- choice -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", [Policy.BACKTRACK, Policy.COMMIT, Policy.FAIR])
def test_choice_joins_its_branches(policy: Policy) -> None:
    state = start("True")
    typed = check(Choice(policy, (exact("True.intro"), Pure())), state)
    assert typed.out is not None and typed.out.bounds() == (0, 1)


def test_choice_without_branches_never_succeeds() -> None:
    typed = check(Choice(Policy.COMMIT, ()), Interface.goals(1))
    assert typed.out is None and typed.failure is not None and "no branches" in typed.failure.message


def test_scored_choice_needs_a_known_scorer() -> None:
    rejects(Choice(Policy.SCORED, (Pure(),)), Interface.goals(1), "$", "needs a scorer")
    rejects(Choice(Policy.SCORED, (Pure(),), "nope"), Interface.goals(1), "$", "unknown scorer", scorers=["router"])
    assert check(Choice(Policy.SCORED, (Pure(),), "router"), Interface.goals(1), scorers=["router"]).ok


def test_errors_in_a_branch_name_the_branch() -> None:
    program = Choice(Policy.COMMIT, (Pure(), Bind("x", Pure(), Rec("loop"))))
    rejects(program, Interface.goals(1), "$.branches[1].rest", "`rec loop` outside `fix loop`")


# -- scoped -----------------------------------------------------------------------------------------


def test_fuel_scope_has_its_body_type_and_fuel_0_never_succeeds() -> None:
    i = Interface.goals(1)
    assert check(Scoped("fuel 10", Pure()), i).out == i
    assert check(Scoped("fuel 0", Pure()), i).out is None


def test_unknown_scopes_are_rejected() -> None:
    err = rejects(Scoped("forever", Pure()), Interface.goals(1), "$", "unknown scope 'forever'")
    assert "fuel N" in err.expected


def test_split_never_fails_and_reflect_gives_back_the_body_type() -> None:
    state = start("True")
    split = check(Scoped("split", exact("True.intro")), state)
    assert split.out is not None and split.out.bounds() == (0, 1)  # [] leaves the state as it was
    assert split.value.split is not None
    reflected = check(Scoped("reflect", Scoped("split", exact("True.intro"))), state)
    assert reflected.out is not None and reflected.out.bounds() == (0, 1)
    via_variable = Scoped("reflect", Bind("r", Scoped("split", Pure()), Pure(VVar("r"))))
    assert check(via_variable, state).ok


def test_reflect_of_something_else_is_rejected() -> None:
    err = rejects(Scoped("reflect", Pure(VNum(1))), Interface.goals(1), "$.body", "reflect expects")
    assert err.found == "num"


# -- focus --------------------------------------------------------------------------------------------


def test_focus_by_position_keeps_the_other_goals_after_the_body(two_goals: ProofState) -> None:
    ids = [two_goals.obligation_id(g) for g in two_goals.focus_goals()]
    typed = check(Focus("2", exact("hb")), two_goals)
    assert typed.out is not None and [s.goal_id(0) for s in typed.out.slots()] == [ids[0]]
    typed = check(Focus("last", intro("x")), start("∀ p : Prop, p → p"))
    assert typed.out is not None and typed.out.bounds() == (1, 1)


def test_focus_by_id_must_name_a_goal_in_focus(two_goals: ProofState) -> None:
    second = two_goals.obligation_id(two_goals.focus_goals()[1])
    typed = check(Focus(second, exact("hb")), two_goals)
    assert typed.out is not None and typed.out.bounds() == (1, 1)
    err = rejects(Focus("cp0:999999", Pure()), two_goals, "$", "is not in focus")
    assert err.found == "cp0:999999"


def test_a_stale_goal_id_is_rejected(two_goals: ProofState) -> None:
    first = two_goals.obligation_id(two_goals.focus_goals()[0])
    program = Bind("c", Op("Checkpoint"), Focus(first, Pure()))
    err = rejects(program, two_goals, "$.rest", "stale goal id")
    assert err.expected == first.replace("cp0:", "cp1:")


def test_focus_on_a_missing_tag_or_position_never_succeeds(two_goals: ProofState) -> None:
    assert check(Focus("succ", Pure()), two_goals).out is None
    assert check(Focus("3", Pure()), two_goals).out is None
    assert check(Focus("main", Pure()), Interface()).out is None


def test_focus_by_tag_after_induction() -> None:
    state = after(start("∀ n : Nat, 0 + n = n"), "intro n\ninduction n")
    typed = check(Focus("succ", Pure()), state)
    assert typed.out is not None
    assert [s.tag for s in typed.out.slots()] == ["zero", "succ"]  # the focused goal keeps its place


def test_focus_all() -> None:
    i = Interface.goals(2)
    assert check(Focus("all", Pure()), i).out == i


# -- handle, fix, rec ------------------------------------------------------------------------------


def test_handle_needs_a_known_handler() -> None:
    assert check(Handle("kernel", Pure()), Interface.goals(1), handlers=HANDLERS).ok
    rejects(Handle("z3", Pure()), Interface.goals(1), "$", "unknown handler 'z3'", handlers=HANDLERS)


def test_repeat_is_a_fixpoint() -> None:
    state = start("∀ a b c : Prop, a → b → c → a")
    typed = check(repeat(intro("x")), state)
    assert typed.out is not None and typed.out.bounds() == (1, 1)
    assert typed.effects == EffectRow.of("Elaborate", "AssignMetavar")


def test_rec_outside_its_fix_is_rejected() -> None:
    rejects(Fix("f", Rec("g")), Interface.goals(1), "$.body", "`rec g` outside `fix g`")
    assert check(Fix("f", Choice(Policy.COMMIT, (Bind("_", Op("Cut"), Rec("f")), Pure()))), Interface.goals(1)).ok


def test_a_fixpoint_that_grows_the_goals_is_widened() -> None:
    # each round spawns a goal: the entry interface grows, widening makes the iteration stop
    spawn = Bind("h", Op("FreshMetavar", (VExpr(Const("True")), VName(""))), Op("SpawnObligations", (VVar("h"),)))
    program = Fix("f", Choice(Policy.COMMIT, (Bind("_", spawn, Rec("f")), Pure())))
    typed = check(program, start("True"))
    assert typed.out is not None
    lo, hi = typed.out.bounds()
    assert lo >= 1 and hi is None


# -- operations -----------------------------------------------------------------------------------


def test_unknown_operations_and_wrong_operand_counts() -> None:
    rejects(Op("Teleport"), Interface.goals(1), "$", "unknown operation 'Teleport'")
    err = rejects(Op("ReadObligation", ()), Interface.goals(1), "$", "wrong number of operands")
    assert (err.expected, err.found) == ("1 operand(s)", "0")


def test_operand_sorts_follow_the_spec() -> None:
    err = rejects(Op("Unify", (VExpr(Const("True")), VStr("x"))), Interface.goals(1), "$.operands[1]", "wrong sort")
    assert (err.expected, err.found) == ("expr", "str ('x')")


def test_main_needs_a_goal() -> None:
    err = rejects(Op("ReadObligation", (MAIN,)), Interface(), "$.operands[0]", "main goal is out of scope")
    assert (err.expected, err.found) == ("≥1 goal", "0 goal(s)")
    assert check(Op("ReadObligation", (MAIN,)), Interface.goals(1)).ok


def test_explicit_goal_ids_must_be_in_scope(two_goals: ProofState) -> None:
    ids = [two_goals.obligation_id(g) for g in two_goals.focus_goals()]
    assert check(Op("ReadObligation", (VGoal(ids[1]),)), two_goals).ok
    rejects(Op("ReadObligation", (VGoal("cp0:424242"),)), two_goals, "$.operands[0]", "not in scope")
    rejects(Op("ReadObligation", (VGoal("second"),)), two_goals, "$.operands[0]", "malformed goal id")


def test_goals_outside_the_focus_are_read_only(two_goals: ProofState) -> None:
    second = two_goals.obligation_id(two_goals.focus_goals()[1])
    read = Focus("1", Op("ReadObligation", (VGoal(second),)))
    assert check(read, two_goals).ok
    write = Focus("1", Bind("t", Op("Elaborate", (VSurface("hb"), VGoal(second))),
                            Op("AssignMetavar", (VGoal(second), VVar("t")))))
    rejects(write, two_goals, "$.body.rest.operands[0]", "writes a goal outside the focus")


def test_assign_metavar_replaces_the_goal_by_the_holes_of_the_term() -> None:
    state = start("True ∧ True")
    typed = check(refine("⟨?_, ?left⟩"), state)
    assert typed.out is not None and typed.out.bounds() == (2, 2)
    assert [s.tag for s in typed.out.slots()] == ["", "left"]
    apply_mode = Bind("t", Op("Elaborate", (VSurface("And.intro"), MAIN)),
                      Op("AssignMetavar", (MAIN, VVar("t"), VStr("apply"))))
    typed = check(apply_mode, state)
    assert typed.out is not None and isinstance(typed.out.items[0], Arity)


def test_elaborated_identifiers_must_resolve() -> None:
    state = after(start("∀ p : Prop, p → p"), "intro p hp")
    assert check(exact("hp"), state).ok
    assert check(exact("True.intro"), start("True")).ok  # constants of the environment are fine
    err = rejects(exact("hq"), state, "$.first.operands[0]", "unknown identifier 'hq'")
    assert err.found == "'hq'" and "hp" in err.expected


def test_malformed_surface_terms_are_rejected() -> None:
    rejects(exact("(fun =>"), start("True"), "$.first.operands[0]", "malformed surface term")


def test_fresh_holes_become_obligations() -> None:
    fresh = Op("FreshMetavar", (VExpr(Const("True")), VName("extra")))
    program = Bind("h", fresh, Op("SpawnObligations", (VVar("h"),)))
    typed = check(program, start("True"))
    assert typed.out is not None and [s.tag for s in typed.out.slots()] == ["", "extra"]
    assert typed.out.slots()[1].shape.head == "True"
    assert typed.value.sort is VSort.GOALS


def test_obligation_id_collisions_are_rejected() -> None:
    state = start("True")
    hole = Op("FreshMetavar", (VExpr(Const("True")), VName("x")))
    twice = Bind("h", hole, Op("SpawnObligations", (VList((VVar("h"), VVar("h"))),)))
    rejects(twice, state, "$.rest.operands[0].items[1]", "the same hole is spawned twice")
    again = Bind("h", hole, seq(Op("SpawnObligations", (VVar("h"),)), Op("SpawnObligations", (VVar("h"),))))
    rejects(again, state, "$.rest.rest.operands[0]", "already an obligation")
    same_name = Bind("h", hole, Bind("k", hole, Pure()))
    err = rejects(same_name, state, "$.rest.first.operands[1]", "obligation-id collision")
    assert err.found == "x"
    goal = state.focus_goals()[0]
    rejects(Op("SpawnObligations", (VExpr(MVar(goal)),)), state, "$.operands[0]", "already an obligation")


def test_residual_builders_only_over_children_of_the_step(two_goals: ProofState) -> None:
    fresh = Op("FreshMetavar", (VExpr(Const("True")), VName("c")))
    good = Bind("h", fresh, Op("RegisterResidualBuilder", (VRecord((("goal", MAIN), ("term", VVar("h")))),)))
    typed = check(good, start("True"))
    assert typed.out is not None and [s.tag for s in typed.out.slots()] == ["c"]
    other = two_goals.focus_goals()[1]
    bad = Op("RegisterResidualBuilder", (VRecord((("goal", MAIN), ("term", VExpr(MVar(other))))),))
    err = rejects(bad, two_goals, "$.operands[0].fields.term", "not a child spawned by this step")
    assert "open goal" in err.found
    unknown = Bind("e", Op("Normalize", (VExpr(Const("True")), VStr("whnf"))),
                   Op("RegisterResidualBuilder", (VRecord((("goal", MAIN), ("term", VVar("e")))),)))
    rejects(unknown, two_goals, "$.rest.operands[0].fields.term", "cannot check the residual builder")
    rejects(Op("RegisterResidualBuilder", (VRecord((("goal", MAIN),)),)), two_goals, "$.operands[0]",
            "needs `goal` and `term`")


def test_rewrite_at_an_unknown_hypothesis_is_rejected(two_goals: ProofState) -> None:
    program = Bind("e", Op("Elaborate", (VSurface("ha"), VUnit())), Op("Rewrite", (MAIN, VVar("e"), VStr("->"),
                                                                                     VName("nope"))))
    rejects(program, two_goals, "$.rest.operands[3]", "unknown hypothesis 'nope'")


def test_read_environment_names_a_constant() -> None:
    assert check(Op("ReadEnvironment", (VName("Nat.add"),)), start("True")).ok
    rejects(Op("ReadEnvironment", (VName("Nat.nope"),)), start("True"), "$.operands[0]", "unknown constant")


def test_checkpoint_and_rollback() -> None:
    state = start("True")
    program = Bind("c", Op("Checkpoint"), seq(exact("True.intro"), Op("Rollback", (VVar("c"),))))
    typed = check(program, state)
    assert typed.out is not None and typed.out.checkpoint == 0 and typed.out.saved == 1
    assert typed.out.bounds() == (1, 1)
    assert check(Op("Rollback", (VNum(3),)), state).out is None  # no such checkpoint


def test_control_operations() -> None:
    assert check(Op("Backtrack"), Interface.goals(1)).out is None
    assert check(Op("Cut"), Interface.goals(1)).out == Interface.goals(1)
    rejects(Op("ConsumeFuel", (VNum(-1),)), Interface.goals(1), "$.operands[0]", "non-negative")


def test_replay_critical_provenance_fields_are_not_dropped() -> None:
    state = start("True")
    read = Bind("p", Op("ReadProvenance"), Op("RequireReplayCompatibility", (VVar("p"),)))
    assert check(read, state).effects.groups() == {Group.PROVENANCE}
    p = state.provenance
    full = VRecord((("kernel_version", VStr(p.kernel_version)), ("environment_hash", VStr(p.environment_hash)),
                    ("options", VStr(repr(p.options)))))
    assert check(Op("RequireReplayCompatibility", (full,)), state).ok
    dropped = VRecord(full.fields[:2])
    err = rejects(Op("RequireReplayCompatibility", (dropped,)), state, "$.operands[0]",
                  "dropped replay-critical provenance field 'options'")
    assert "options" in err.expected
    unknown = VRecord((*full.fields, ("colour", VStr("red"))))
    rejects(Op("RequireReplayCompatibility", (unknown,)), state, "$.operands[0].fields.colour",
            "unknown provenance field")
    stale = VRecord((("kernel_version", VStr("other-kernel/0")), *full.fields[1:]))
    err = rejects(Op("RequireReplayCompatibility", (stale,)), state, "$.operands[0].fields.kernel_version",
                  "replay incompatible")
    assert err.expected == "other-kernel/0"
    rejects(Bind("r", Op("ReadMetavarGraph"), Op("RequireReplayCompatibility", (VVar("r"),))), state,
            "$.rest.operands[0]", "cannot check that the provenance record")


# -- foreign ------------------------------------------------------------------------------------------


def test_foreign_contracts_give_interface_and_footprint() -> None:
    solver = Foreign("z3", VStr("lia"), Contract(effects=frozenset({"AssignMetavar"}), consumes_goals=1,
                                                 produces_goals=0, replay_codec="z3-proof"))
    typed = check(solver, Interface.goals(2))
    assert typed.out is not None and typed.out.bounds() == (1, 1)
    assert typed.effects == EffectRow.of("AssignMetavar", foreign=("z3",))
    unknown = Foreign("expert", VUnit(), Contract(effects=frozenset({"Elaborate"})))
    typed = check(unknown, Interface.goals(1))
    assert typed.out is not None and typed.out.bounds() == (0, None)


def test_foreign_contracts_are_checked() -> None:
    rejects(Foreign("z3", VUnit(), Contract(effects=frozenset({"Smash"}))), Interface.goals(1), "$.contract",
            "effects outside the signature")
    err = rejects(Foreign("z3", VUnit(), Contract(effects=frozenset({"AssignMetavar"}))), Interface.goals(1),
                  "$.contract", "dropped replay-critical provenance")
    assert err.expected == "a replay_codec"
    assert check(Foreign("z3", VUnit(), Contract(effects=frozenset({"AssignMetavar"}), refinement_known=True)),
                 Interface.goals(1)).ok
    rejects(Foreign("z3", VUnit(), Contract()), Interface.goals(1), "$", "no handler for foreign symbol 'z3'",
            foreign_symbols=["tactic"])
    rejects(Foreign("z3", VVar("x"), Contract()), Interface.goals(1), "$.payload", "unbound value variable")


def test_a_deferred_tactic_whose_contract_omits_its_effects_is_rejected() -> None:
    program = defer_seq(split_tactics("rw [h]", 1, 1))
    assert isinstance(program, Foreign) and program.contract == TACTIC_CONTRACT
    narrow = Foreign("tactic", program.payload, Contract(effects=frozenset({"Elaborate"}), replay_codec="tactic-text",
                                                         refinement_known=True))
    err = rejects(narrow, Interface.goals(1), "$.contract", "omits effects")
    assert "Rewrite" in err.expected


# -- effect rows -----------------------------------------------------------------------------------


def test_effect_rows_collect_every_branch_and_step() -> None:
    program = seq(Op("ViewActiveObligations"), try_(exact("True.intro")), Op("Checkpoint"))
    typed = check(program, start("True"))
    assert typed.effects.ops == {"ViewActiveObligations", "Elaborate", "AssignMetavar", "Checkpoint"}
    assert typed.effects.groups() == {Group.INSPECTION, Group.ELABORATION, Group.CONSTRUCTION, Group.CONTROL}
    assert typed.effects.writes and typed.effects.reads and not typed.effects.backtracks


def test_interfaces_of_states_and_symbolic_interfaces(two_goals: ProofState) -> None:
    iface = interface_of_state(two_goals)
    assert iface.bounds() == (2, 2) and iface.checkpoint == 0 and iface.saved == 0
    assert all(isinstance(s, Slot) and s.hyps == {"a", "b", "ha", "hb"} and s.hyps_exact for s in iface.items)
    assert {s.shape.head for s in iface.slots()} == {None}  # the targets are the variables a and b
    assert "2 goal(s)" in iface.summary()
    # an input interface with unknown goals: ids cannot be checked, so they are accepted
    assert check(Op("ReadObligation", (VGoal("cp0:7"),)), Interface.top()).ok
    assert isinstance(VType(VSort.ANY), VType)
