"""The side condition of the branch permutation law: children may be permuted only when they are
coupling-disconnected."""

from __future__ import annotations

import pytest

from tactic_mesh.calculus.combinators import intro, refine
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.steppack import Coupling, CouplingKind
from tactic_mesh.calculus.terms import Term, seq
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.typing import branch_permutation_justified, coupling_components, interface_of_state

ENV = prelude()


def run(statement: str, program: Term) -> ProofState:
    e, _ = elaborate_closed(ENV, parse_term(statement))
    state = ProofState.initial(ENV, e)
    result = Machine({"kernel": KernelHandler()}).first(program, state, ["kernel"])
    assert isinstance(result, Success), result
    return result.state


def test_independent_children_may_be_permuted() -> None:
    state = run("∀ a b : Prop, a → b → a ∧ b", seq(intro("a", "b", "ha", "hb"), refine("⟨?_, ?_⟩")))
    step = state.steps[-1]
    assert step.coupling.kind is CouplingKind.INDEPENDENT
    assert branch_permutation_justified(step)
    assert branch_permutation_justified(step, [1, 0])
    assert branch_permutation_justified(state, [1, 0])  # the goals in focus of a state


def test_coupled_children_keep_their_order() -> None:
    state = run("∃ n : Nat, n = 0", refine("⟨?w, ?_⟩"))
    step = state.steps[-1]
    assert step.coupling.kind is CouplingKind.COUPLED
    assert coupling_components(step.coupling) == (step.coupling.child_obligations,)
    swap = branch_permutation_justified(step, [1, 0])
    assert not swap and "reorders coupled children" in swap.reason
    assert not branch_permutation_justified(step)  # any permutation: no
    assert branch_permutation_justified(step, [0, 1])  # the identity is always fine


def test_unknown_coupling_justifies_nothing() -> None:
    unknown = Coupling((1, 2), (), (), CouplingKind.UNKNOWN)
    assert not branch_permutation_justified(unknown, [0, 1])
    with pytest.raises(ValueError):
        branch_permutation_justified(Coupling((1, 2), (), (), CouplingKind.INDEPENDENT), [0, 0])


def test_components_split_only_what_is_shared() -> None:
    coupling = Coupling((1, 2, 3), (9,), ((1, 9), (3, 9)), CouplingKind.COUPLED)
    assert sorted(coupling_components(coupling)) == [(1, 3), (2,)]
    assert branch_permutation_justified(coupling, [1, 0, 2])  # moves 2 only
    assert not branch_permutation_justified(coupling, [2, 1, 0])


def test_interfaces_need_known_goals_and_their_metavariable_context() -> None:
    state = run("∀ a b : Prop, a → b → a ∧ b", seq(intro("a", "b", "ha", "hb"), refine("⟨?_, ?_⟩")))
    iface = interface_of_state(state)
    assert branch_permutation_justified(iface, [1, 0], mctx=state.metavar_graph)
    assert not branch_permutation_justified(iface, [1, 0])  # no metavariable context: unknown
