"""StepPacks: children, coupling from the metavariable graph, residual builders checked by the kernel."""

from __future__ import annotations

from tactic_mesh.calculus.combinators import intro, refine
from tactic_mesh.calculus.goals import goal_elaborator
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.steppack import CouplingKind, StepPack
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics import compile_tactic
from tactic_mesh.calculus.terms import Term, seq
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.expr import MVar, NatLit
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.kernel.typechecker import TypeChecker

ENV = prelude()


def run(statement: str, program: Term) -> ProofState:
    e, _ = elaborate_closed(ENV, parse_term(statement))
    result = Machine({"kernel": KernelHandler()}).first(program, ProofState.initial(ENV, e), ["kernel"])
    assert isinstance(result, Success), result
    return result.state


def last_step(state: ProofState) -> StepPack:
    assert state.steps
    return state.steps[-1]


def witness(state: ProofState, child: int, text: str) -> object:
    el = goal_elaborator(state, child)
    e = el.elab(parse_term(text), state.metavar_graph.decl(child).type)
    el.synthesize_pending()
    return el.instantiate(e)


def test_constructor_on_a_conjunction_gives_independent_children() -> None:
    state = run("∀ p q : Prop, p → q → p ∧ q", seq(intro("p", "q", "hp", "hq"), refine("⟨?_, ?_⟩")))
    step = last_step(state)
    assert len(step.child_interface) == 2
    assert step.coupling.kind is CouplingKind.INDEPENDENT and step.coupling.shared_metavars == ()
    # the residual builder is data: child witnesses build the parent witness, which the kernel checks
    a, b = (c for c, _ in step.child_interface)
    parent = step.residual_builder.build(state.metavar_graph, {a: witness(state, a, "hp"), b: witness(state, b, "hq")})
    lctx = state.metavar_graph.decl(a).lctx
    TypeChecker(ENV, lctx).check(parent, step.parent_type)


def test_exists_with_a_named_witness_hole_is_coupled() -> None:
    state = run("∃ x : Nat, x + 1 = 4", refine("⟨?w, ?_⟩"))
    step = last_step(state)
    (w, _), (h, h_type) = step.child_interface
    assert step.coupling.kind is CouplingKind.COUPLED
    assert w in step.coupling.shared_metavars and (h, w) in step.coupling.dependency_edges
    assert MVar(w) in state.metavar_graph.unassigned_mvars(h_type)
    parent = step.residual_builder.build(state.metavar_graph, {w: NatLit(3), h: witness_after(state, w, h)})
    TypeChecker(ENV).check(parent, step.parent_type)


def witness_after(state: ProofState, w: int, h: int) -> object:
    mctx = state.metavar_graph.assign(MVar(w), NatLit(3))
    return elaborate_closed(ENV, parse_term("rfl"), mctx.instantiate(mctx.decl(h).type))[0]


def test_apply_eq_trans_couples_through_the_middle_term() -> None:
    call = TacticCall("apply", "Eq.trans", 1, 1)
    e, _ = elaborate_closed(ENV, parse_term("∀ a b : Nat, a = b → b = a → a = a"))
    state = ProofState.initial(ENV, e)
    machine = Machine({"kernel": KernelHandler()})
    result = machine.first(intro("a", "b", "h1", "h2"), state, ["kernel"])
    assert isinstance(result, Success)
    result = machine.first(compile_tactic(call, result.state), result.state, ["kernel"])
    assert isinstance(result, Success)
    step = last_step(result.state)
    assert step.coupling.kind is CouplingKind.COUPLED
    assert len(step.child_interface) == 3  # a = ?b, ?b = a, and ?b itself


def test_closing_a_goal_has_no_children() -> None:
    state = run("2 + 2 = 4", refine("rfl"))
    step = last_step(state)
    assert step.child_interface == () and step.coupling.kind is CouplingKind.NONE
    TypeChecker(ENV).check(step.residual_builder.build(state.metavar_graph, {}), step.parent_type)
