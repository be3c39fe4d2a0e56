"""Assembly tracking at commit, preview without commit, sequential replay, and masked branches."""

from __future__ import annotations

import attrs
import pytest

from tactic_mesh.calculus.assembly import (
    ReplayError,
    assemble,
    final_proof_term,
    kernel_check,
    replay_from,
    tracing,
)
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import HANDLERS, expand
from tactic_mesh.calculus.terms import Op, VExpr, VGoal, VList, VNum, VRecord, VSurface
from tactic_mesh.handlers.blocks import block_start_state, tactic_machine
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.handlers.search import Searcher
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import MVar
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term

ENV = prelude()


def start(statement: str, traced: bool = True) -> ProofState:
    e, _ = elaborate_closed(ENV, parse_term(statement))
    state = ProofState.initial(ENV, e)
    return state.traced() if traced else state


def run(script: str, state: ProofState) -> ProofState:
    result = tactic_machine().first(expand(script, state), state, HANDLERS)
    assert isinstance(result, Success), result
    return result.state


def test_commits_are_recorded_and_replayed() -> None:
    s0 = start("∀ p q : Prop, p ∧ q → q ∧ p")
    final = run("intro p q h; exact ⟨h.2, h.1⟩", s0)
    assert final.is_complete and len(final.trail) == len(final.steps) == 2  # `intro p q h`, `exact`
    trace = assemble(final, theorem="and_swap")
    assert trace.proof_term is not None and trace.proof_term == final.proof_term()
    kernel_check(ENV, trace.proof_term, trace.statement, ())
    first, last = trace.steps[0], trace.steps[-1]
    assert first.before == s0.partial_term and first.holes_before == ((s0.active_obligations[0], trace.statement),)
    assert last.after == trace.proof_term and last.holes_after == ()
    for a, b in zip(trace.steps, trace.steps[1:], strict=False):  # each step starts where the last one ended
        assert a.after == b.before and a.holes_after == b.holes_before
    assert [s.commit.target for s in trace.steps] == [f"cp0:{s.commit.parent}" for s in trace.steps]
    assert all(s.commit.via == "AssignMetavar" for s in trace.steps)


def test_untraced_runs_record_nothing() -> None:
    final = run("intro p q h; exact ⟨h.2, h.1⟩", start("∀ p q : Prop, p ∧ q → q ∧ p", traced=False))
    assert final.trail == () and final.trail_start is None
    with pytest.raises(ReplayError, match="not traced"):
        assemble(final)


def test_backtracking_drops_the_commits_of_abandoned_branches() -> None:
    s0 = start("∀ p q : Prop, p → p ∨ q")
    final = run("intro p q hp; first | (right; assumption) | (left; assumption)", s0)
    trace = assemble(final)
    assert trace.proof_term is not None
    assert len(final.trail) == len(final.steps)  # the failed `right` branch left no commit
    assert "Or.inl" in repr(trace.proof_term) and "Or.inr" not in repr(trace.proof_term)


def test_rewrites_are_commits_too() -> None:
    final = run("intro a b h; rw [h]", start("∀ a b : Nat, a = b → a + 0 = b + 0"))
    trace = assemble(final)
    assert trace.proof_term is not None and any(s.commit.via == "Rewrite" for s in trace.steps)


def test_preview_changes_nothing_and_is_not_traced() -> None:
    s0 = run("intro p q hp hq", start("∀ p q : Prop, p → q → p ∧ q"))
    machine: Machine[ProofState] = Machine({"kernel": KernelHandler()})
    elaborated = machine.first(Op("Elaborate", (VSurface("⟨?_, ?_⟩"), VGoal("main"))), s0, ["kernel"])
    assert isinstance(elaborated, Success) and isinstance(elaborated.value, VExpr)
    state = elaborated.state
    preview = machine.first(Op("PreviewAssign", (VGoal("main"), elaborated.value)), state, ["kernel"])
    assert isinstance(preview, Success) and preview.state is state  # no state change, nothing recorded
    record = preview.value
    assert isinstance(record, VRecord) and record.get("arity") == VNum(2)
    opens = record.get("opens")
    assert isinstance(opens, VList) and len(opens.items) == 2
    commit = machine.first(Op("AssignMetavar", (VGoal("main"), elaborated.value)), state, ["kernel"])
    assert isinstance(commit, Success) and len(commit.state.trail) == len(state.trail) + 1
    assert [VGoal(commit.state.obligation_id(g)) for g in commit.state.trail[-1].opened] == list(opens.items)


def test_replay_rejects_a_commit_whose_target_is_not_open() -> None:
    final = run("intro p hp; exact hp", start("∀ p : Prop, p → p"))
    commits = final.trail
    with pytest.raises(ReplayError, match="replay step 0: its target") as err:
        replay_from(final.trail_start, commits[1:])  # type: ignore[arg-type]
    assert err.value.step == 0
    swapped = (commits[1], commits[0])
    with pytest.raises(ReplayError, match="replay step 0"):
        replay_from(final.trail_start, swapped)  # type: ignore[arg-type]


def test_replay_rejects_an_ill_typed_value() -> None:
    final = run("intro p q hp hq; exact hp", start("∀ p q : Prop, p → q → p"))
    last = final.trail[-1]
    (goal,) = [k for k in last.changes.assignments if k == last.parent]
    hq = next(d.fvar for d in final.metavar_graph.decl(goal).lctx if d.user_name == "hq")
    forged = attrs.evolve(last, changes=attrs.evolve(last.changes,
                                                     assignments=last.changes.assignments.set(goal, hq)))
    with pytest.raises(ReplayError, match=rf"replay step {len(final.trail) - 1}: the value of \?{goal}"):
        replay_from(final.trail_start, (*final.trail[:-1], forged))  # type: ignore[arg-type]


def test_a_masked_branch_never_gives_the_final_term() -> None:
    """Search solves independent goals in masked branches: a branch's own term has a placeholder
    for the goal it masked and is rejected; the sequential replay of all branches checks."""
    s0 = run("intro p q hp hq; constructor", start("∀ p q : Prop, p → q → p ∧ q"))
    g1, g2 = s0.focus_goals()
    branch = run("assumption", s0.masked_to((g1,)))
    assert branch.masked == frozenset({g2}) and not branch.focus_goals()
    with pytest.raises(ReplayError, match="never taken from a masked state"):
        final_proof_term(branch)
    placeholder_term = branch.proof_term()
    assert MVar(g2) in branch.metavar_graph.unassigned_mvars(placeholder_term)  # the masked goal: a hole
    statement = s0.metavar_graph.decl(s0.partial_term.id).type  # type: ignore[attr-defined]
    with pytest.raises(TacticMeshError):
        kernel_check(ENV, placeholder_term, statement, ())
    other = run("assumption", s0.masked_to((g2,)))
    replayed = replay_from(s0.trail_start, (*branch.trail, *other.trail[len(s0.trail):]))  # type: ignore[arg-type]
    assert replayed.term is not None and not replayed.goals
    kernel_check(ENV, replayed.term, statement, ())


def test_search_splits_independent_goals_and_replays_them() -> None:
    state = start("∀ p q : Prop, p → q → (p ∧ q) ∧ (q ∧ p)")
    result = Searcher(2000, 20.0).search(state)
    assert result.state is not None and result.state.is_complete and not result.state.masked
    assert any(line.startswith("· ") for line in result.script)  # the branches, as bullets
    trace = assemble(result.state)
    assert trace.proof_term == final_proof_term(result.state)
    kernel_check(ENV, trace.proof_term, trace.statement, ())


def test_block_start_state_is_traced_under_tracing() -> None:
    e, _ = elaborate_closed(ENV, parse_term("∀ n : Nat, n = n"))
    with tracing():
        state = block_start_state(ENV, e, (), ["n"])
    assert state.trail_start is not None and len(state.trail) == 1  # the binder's intro is a commit
    assert block_start_state(ENV, e, (), ["n"]).trail_start is None

