"""``foreign "eprover"``: E's proof refined into a core program, the result checked by the kernel."""

from __future__ import annotations

import pytest

from tactic_mesh.calculus.assembly import final_proof_term, kernel_check
from tactic_mesh.calculus.combinators import exact, first
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.magma.equations import parse_equation
from tactic_mesh.calculus.outcomes import Failure, Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Foreign, VRecord, VStr
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.handlers.symbolic import EPROVER_CONTRACT, SymbolicHandler, eprover, magma_implication
from tactic_mesh.handlers.tactic import TacticHandler
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.symbolic.eprover import binary

ENV = prelude()
HANDLERS = ["kernel", "tactic", "symbolic"]
TRUE = "∀ (G : Type) [Magma G], (∀ x y : G, x = x ◇ y) → ∀ x y z : G, x ◇ y = (x ◇ z) ◇ y"
FALSE = "∀ (G : Type) [Magma G], (∀ x y : G, x ◇ y = y ◇ x) → ∀ x y z : G, (x ◇ y) ◇ z = x ◇ (y ◇ z)"
needs_e = pytest.mark.skipif(binary() is None, reason="E prover is not installed (make setup installs eprover)")


def _machine() -> Machine[ProofState]:
    return Machine({"kernel": KernelHandler(), "tactic": TacticHandler(), "symbolic": SymbolicHandler()})


def _start(statement: str) -> tuple[ProofState, object]:
    e, _ = elaborate_closed(ENV, parse_term(statement))
    return ProofState.initial(ENV, e), e


def test_the_goal_is_read_as_an_implication_of_laws() -> None:
    _, e = _start(TRUE)
    found = magma_implication(e)  # type: ignore[arg-type]
    assert found is not None
    a, b, binders = found
    assert a == parse_equation("x0 = x0 ◇ x1") and b == parse_equation("x0 ◇ x1 = (x0 ◇ x2) ◇ x1")
    assert binders == ("x0", "x1", "x2")
    assert magma_implication(elaborate_closed(ENV, parse_term("∀ n : Nat, n = n"))[0]) is None


@needs_e
def test_eprover_closes_the_goal_and_the_kernel_checks_the_term() -> None:
    state, e = _start(TRUE)
    result = _machine().first(eprover(5), state, HANDLERS)
    assert isinstance(result, Success), result
    assert result.state.is_complete
    kernel_check(ENV, final_proof_term(result.state), e, ())  # type: ignore[arg-type]


@needs_e
def test_binders_in_another_order_than_their_occurrences() -> None:
    # the conclusion binds z y x (and an unused w): the replayed script introduces them in that order
    statement = TRUE.replace("∀ x y z : G, x ◇ y = (x ◇ z) ◇ y", "∀ z y x w : G, x ◇ y = (x ◇ z) ◇ y")
    state, e = _start(statement)
    found = magma_implication(e)  # type: ignore[arg-type]
    assert found is not None and found[2] == ("x0", "x1", "x2", "x3")
    assert found[1] == parse_equation("x2 ◇ x1 = (x2 ◇ x0) ◇ x1")
    result = _machine().first(eprover(5), state, HANDLERS)
    assert isinstance(result, Success), result
    kernel_check(ENV, final_proof_term(result.state), e, ())  # type: ignore[arg-type]


@needs_e
def test_a_false_implication_is_a_catchable_failure() -> None:
    state, _ = _start(FALSE)
    result = _machine().first(eprover(2), state, HANDLERS)
    assert isinstance(result, Failure) and "CounterSatisfiable" in str(result.reason)
    # under `first`, the next alternative runs
    fallback = _machine().first(first(eprover(2), exact("sorry")), state, HANDLERS)
    assert isinstance(fallback, Success)


def test_bad_goals_and_payloads_are_reported() -> None:
    state, _ = _start("∀ n : Nat, n = n")
    result = _machine().first(eprover(1), state, HANDLERS)
    assert isinstance(result, Failure) and "not a magma implication" in str(result.reason)
    bad = Foreign("eprover", VRecord((("seconds", VStr("soon")),)), EPROVER_CONTRACT)
    result = _machine().first(bad, _start(TRUE)[0], HANDLERS)
    assert isinstance(result, Failure) and "number of seconds" in str(result.reason)


def test_the_contract_is_a_known_refinement() -> None:
    assert EPROVER_CONTRACT.refinement_known and EPROVER_CONTRACT.replay_codec == "tactic-text"
    assert EPROVER_CONTRACT.consumes_goals == 1 and EPROVER_CONTRACT.produces_goals == 0


def test_eprover_as_a_tactic_through_the_api_and_its_proposer() -> None:
    """``eprover`` in a session's script: E's proof is replayed as tactics and kernel-checked; the
    auto family proposes it exactly on magma implications."""
    from tactic_mesh.api import Session
    from tactic_mesh.calculus.tactics import GoalView, proposers

    if binary() is None:
        pytest.skip("E prover is not installed (make setup installs it)")
    session = Session("all")
    statement = "∀ (G : Type) [Magma G], (∀ x y : G, x = x ◇ y) → ∀ a b c : G, a ◇ b = a ◇ c"
    result = session.prove(statement, by="eprover 10")
    assert result.kernel_checked and result.script == ("eprover 10",)
    view = GoalView.of(session.goal(statement))
    assert view is not None
    auto = [c.call.name for spec in proposers("auto") if spec.propose for c in spec.propose(view)]
    assert "eprover" in auto
    other = GoalView.of(session.goal("∀ n : Nat, n = n"))
    assert other is not None
    assert "eprover" not in [c.call.name for spec in proposers("auto") if spec.propose for c in spec.propose(other)]
