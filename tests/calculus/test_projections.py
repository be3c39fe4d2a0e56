"""Projection soundness: TacticActionIR and ProofGraphIR agree with the assembly traces of every
tactic proof of the library."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from tactic_mesh.calculus.assembly import ASSEMBLY_SINK, ProofAssemblyTrace, tracing
from tactic_mesh.calculus.projections import action_ir, contexts, proof_graph
from tactic_mesh.calculus.steppack import coupling_of
from tactic_mesh.handlers.blocks import prove_by_block
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.prelude import prelude

PROOFS = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs"


@lru_cache(maxsize=1)
def library_traces() -> tuple[ProofAssemblyTrace, ...]:
    traces: list[ProofAssemblyTrace] = []
    checker = FileChecker(prelude(), tactic_runner=prove_by_block)
    token = ASSEMBLY_SINK.set(traces.append)
    try:
        with tracing():
            for name in ("basics.tm", "tactics.tm"):
                results = run_deep(checker.check_text, (PROOFS / name).read_text(encoding="utf-8"), name)
                assert all(r.ok for r in results)
    finally:
        ASSEMBLY_SINK.reset(token)
    return tuple(traces)


def test_every_tactic_proof_is_traced_and_complete() -> None:
    traces = library_traces()
    assert len(traces) >= 240
    assert all(t.proof_term is not None and t.steps for t in traces)


@pytest.mark.parametrize("chunk", range(4))
def test_action_ir_agrees_with_the_trace(chunk: int) -> None:
    traces = library_traces()[chunk::4]
    kinds = set()
    for trace in traces:
        irs = action_ir(trace)
        assert len(irs) == len(trace.steps)
        for ir, step, mctx in zip(irs, trace.steps, contexts(trace), strict=True):
            c = step.commit
            assert ir.index == step.index and ir.target == c.target and ir.via == c.via
            assert ir.branch_arity == len(c.opened)
            assert ir.continuation == ("close" if not c.opened else "refine" if len(c.opened) == 1 else "split")
            coupling = coupling_of(mctx, c.opened)
            assert (ir.coupling, ir.shared_metavars, ir.dependency_edges) == (
                coupling.kind.value, coupling.shared_metavars, coupling.dependency_edges)
            assert ("assigns" in ir.effects) == bool(c.changes.assignments)
            assert ("declares" in ir.effects) == bool(c.changes.decls)
            assert ("rewrites" in ir.effects) == c.via.startswith("Rewrite")
            assert ir.proof_steps == step.index + 1
            kinds.add(ir.coupling)
    if chunk == 0:
        assert {"none", "independent"} <= kinds


@pytest.mark.parametrize("chunk", range(4))
def test_proof_graph_agrees_with_the_trace(chunk: int) -> None:
    for trace in library_traces()[chunk::4]:
        graph = proof_graph(trace)
        ids = [n.id for n in graph.nodes]
        assert len(ids) == len(set(ids))
        by_mvar = {n.mvar: n for n in graph.nodes}
        opened = [o for s in trace.steps for o in s.commit.opened]
        assert set(by_mvar) == set(trace.initial.active_obligations) | set(opened)
        parents = {s.commit.parent for s in trace.steps}
        assert {m for m, n in by_mvar.items() if n.status == "closed"} == parents
        # a complete proof leaves no open node; every solved node was assigned by some step
        assert graph.complete and all(n.status != "open" for n in graph.nodes)
        for n in graph.nodes:
            if n.status == "solved":
                assert any(n.mvar in s.commit.changes.assignments for s in trace.steps)
        assert len(graph.hyperedges) == len(trace.steps)
        for edge, step in zip(graph.hyperedges, trace.steps, strict=True):
            assert edge.target == step.commit.target and edge.step == step.index
            assert next(n for n in graph.nodes if n.id == edge.parent).mvar == step.commit.parent
            assert [by_id.mvar for by_id in (next(n for n in graph.nodes if n.id == c) for c in edge.children)] \
                == list(step.commit.opened)
        for e in graph.shared:  # a shared edge joins two goals opened by the same step
            a = next(n for n in graph.nodes if n.id == e.a)
            b = next(n for n in graph.nodes if n.id == e.b)
            assert any(a.mvar in s.commit.opened and b.mvar in s.commit.opened for s in trace.steps)


def test_the_coupled_theorems_draw_shared_metavariables() -> None:
    traces = [t for t in library_traces() if "∃" in repr(t.statement) or "Exists" in repr(t.statement)]
    shared = [proof_graph(t).shared for t in traces]
    assert any(shared), "the ∃ theorems open a witness goal that another goal mentions"
    (edge, *_) = next(s for s in shared if s)
    assert edge.a != edge.b


def test_goal_ids_after_a_checkpoint() -> None:
    """A goal keeps the id it was opened with as a node; the step names it by the checkpoint it
    was committed at (ids are checkpoint-scoped)."""
    from tactic_mesh.calculus.assembly import assemble
    from tactic_mesh.calculus.state import ProofState
    from tactic_mesh.calculus.tactics import HANDLERS, expand
    from tactic_mesh.calculus.terms import Op, seq
    from tactic_mesh.handlers.blocks import tactic_machine
    from tactic_mesh.kernel.elab import elaborate_closed
    from tactic_mesh.kernel.syntax import parse_term

    env = prelude()
    e, _ = elaborate_closed(env, parse_term("∀ p : Prop, p → p"))
    s0 = ProofState.initial(env, e).traced()
    first = tactic_machine().first(expand("intro p hp", s0), s0, HANDLERS)
    assert first is not None and hasattr(first, "state")
    s1 = first.state  # type: ignore[union-attr]
    after = tactic_machine().first(seq(Op("Checkpoint"), expand("exact hp", s1)), s1, HANDLERS)
    trace = assemble(after.state)  # type: ignore[union-attr]
    graph = proof_graph(trace)
    last = graph.hyperedges[-1]
    assert last.target.startswith("cp1:") and last.parent.startswith("cp0:")
    assert last.target.split(":")[1] == last.parent.split(":")[1]
    assert action_ir(trace)[-1].target == last.target
