"""Tactic programs on proof states with the kernel handler: proofs end in kernel-checked terms."""

from __future__ import annotations

from tactic_mesh.calculus.combinators import exact, first, intro, refine, repeat, rfl, try_
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Failure, ReplayIncompatible, Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Bind, Op, Pure, Term, VExpr, VGoal, VList, VNum, VRecord, VStr, VVar, seq
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.kernel.typechecker import TypeChecker

ENV = prelude()


def start(statement: str) -> ProofState:
    e, _ = elaborate_closed(ENV, parse_term(statement))
    return ProofState.initial(ENV, e)


def run(program: Term, state: ProofState) -> Success[ProofState] | object:
    machine: Machine[ProofState] = Machine({"kernel": KernelHandler()})
    return machine.first(program, state, ["kernel"])


def proves(statement: str, program: Term) -> ProofState:
    state = start(statement)
    result = run(program, state)
    assert isinstance(result, Success), result
    final = result.state
    assert final.is_complete, [str(g.target_type) for g in final.goals()]
    term = final.proof_term()
    # the trusted kernel re-checks the assembled proof term
    TypeChecker(ENV).check(term, state.obligation(state.active_obligations[0]).target_type)
    return final


def test_intro_refine_exact_builds_a_kernel_checked_proof() -> None:
    prog = seq(
        intro("p", "q", "hp", "hq"),
        refine("⟨?_, ?_⟩"),
        exact("hp"),
        exact("hq"),
    )
    proves("∀ p q : Prop, p → q → p ∧ q", prog)


def test_goals_are_spawned_in_order_and_focus_follows() -> None:
    state = start("∀ p q : Prop, p → q → q ∧ p")
    result = run(seq(intro("p", "q", "hp", "hq"), refine("⟨?_, ?_⟩"), Op("ViewActiveObligations")), state)
    assert isinstance(result, Success) and isinstance(result.value, VList) and len(result.value.items) == 2
    targets = [str(g.target_type) for g in result.state.goals()]
    assert len(targets) == 2 and targets[0] != targets[1]


def test_rfl_and_literal_arithmetic() -> None:
    proves("2 + 2 = 4", rfl())
    proves("∀ n : Nat, n + 0 = n", seq(intro("n"), rfl()))


def test_a_wrong_tactic_fails_with_a_reason() -> None:
    result = run(exact("True.intro"), start("2 + 2 = 5"))
    assert isinstance(result, Failure) and "type mismatch" in str(result.reason)


def test_first_and_try_recover() -> None:
    prog = seq(intro("p", "hp"), first(exact("True.intro"), exact("hp")))
    proves("∀ p : Prop, p → p", prog)
    prog2 = seq(try_(exact("True.intro")), intro("p", "hp"), exact("hp"))
    proves("∀ p : Prop, p → p", prog2)


def test_repeat_intro_until_it_fails() -> None:
    state = start("∀ a b c : Nat, a = a")
    result = run(seq(repeat(intro("x")), rfl()), state)
    assert isinstance(result, Success) and result.state.is_complete


def test_checkpoint_and_rollback_are_exact() -> None:
    prog = Bind("cp", Op("Checkpoint"), seq(intro("n"), Op("Rollback", (VVar("cp"),)), Op("ViewActiveObligations")))
    state = start("∀ n : Nat, n = n")
    result = run(prog, state)
    assert isinstance(result, Success)
    assert result.state.metavar_graph is state.metavar_graph
    assert result.state.active_obligations == state.active_obligations


def test_check_witness_uses_the_kernel() -> None:
    two = VExpr(elaborate_closed(ENV, parse_term("2"))[0])
    nat = VExpr(elaborate_closed(ENV, parse_term("Nat"))[0])
    prop = VExpr(elaborate_closed(ENV, parse_term("Prop"))[0])
    assert isinstance(run(Op("CheckWitness", (two, nat)), start("True")), Success)
    bad = run(Op("CheckWitness", (two, prop)), start("True"))
    assert isinstance(bad, Failure) and "type mismatch" in str(bad.reason)


def test_provenance_is_checked_on_replay() -> None:
    state = start("True")
    ok = run(Bind("p", Op("ReadProvenance"), Op("RequireReplayCompatibility", (VVar("p"),))), state)
    assert isinstance(ok, Success)
    other = VRecord((("kernel_version", VStr("tactic-mesh-kernel/0.0")),))
    bad = run(Op("RequireReplayCompatibility", (other,)), state)
    assert isinstance(bad, ReplayIncompatible) and bad.field == "kernel_version"


def test_inspection_operations() -> None:
    state = start("∀ n : Nat, n + 0 = n")
    result = run(seq(intro("n"), Op("ReadLocalContext", (VGoal("main"),))), state)
    assert isinstance(result, Success) and isinstance(result.value, VList) and len(result.value.items) == 1
    assert isinstance(run(Op("ReadObligation", (VGoal("cp9:999"),)), state), Failure)
    assert isinstance(run(Pure(VNum(1)), state), Success)


def test_construction_operations() -> None:
    nat = VExpr(elaborate_closed(ENV, parse_term("Nat"))[0])
    state = start("∃ n : Nat, n = n")
    prog = Bind("h", Op("FreshMetavar", (nat, VStr("w"))), Op("SpawnObligations", (VList((VVar("h"),)),)))
    result = run(prog, state)
    assert isinstance(result, Success) and isinstance(result.value, VList) and len(result.value.items) == 1
    assert len(result.state.active_obligations) == 2
    add_nat = VExpr(elaborate_closed(ENV, parse_term("Add Nat"))[0])
    inst = run(Op("SynthesizeInstance", (add_nat,)), start("True"))
    assert isinstance(inst, Success) and inst.value == VExpr(elaborate_closed(ENV, parse_term("instAddNat"))[0])
    magma = VExpr(elaborate_closed(ENV, parse_term("Magma Nat"))[0])
    assert isinstance(run(Op("SynthesizeInstance", (magma,)), start("True")), Failure)
    # a residual builder registered by hand closes the goal and spawns the term's holes
    true_intro = VExpr(elaborate_closed(ENV, parse_term("True.intro"))[0])
    built = run(Op("RegisterResidualBuilder", (VRecord((("goal", VGoal("main")), ("term", true_intro))),)),
                start("True"))
    assert isinstance(built, Success) and built.state.is_complete
