"""Projections of an assembly trace (DESIGN §4): forgetful views for learning pipelines and
people, each checked against the trace it comes from (``tests/calculus/test_projections.py``).

* ``TacticActionIR`` — one per step: the goal it targeted, its branch arity (goals opened), its
  continuation kind (``close`` / ``refine`` / ``split``), a coupling summary of the goals it
  opened (kind, shared metavariables), a dependency summary (edges from a new goal to a
  metavariable its target mentions), effect flags (what the step changed), and the number of
  proof steps so far.
* ``ProofGraphIR`` — obligations as nodes (with their targets and whether a step closed them, a
  unification solved them, or they are still open), steps as hyperedges (a parent to the goals
  it opened), and shared metavariables as edges between goals that mention the same one.
"""

from __future__ import annotations

import attrs

from tactic_mesh.calculus.assembly import AssemblyStep, ProofAssemblyTrace, merge_changes, root_of
from tactic_mesh.calculus.steppack import coupling_of
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.mctx import MetavarContext
from tactic_mesh.kernel.printer import Printer


@attrs.frozen
class TacticActionIR:
    index: int
    target: str
    via: str
    branch_arity: int
    continuation: str  # close | refine | split
    coupling: str  # none | independent | coupled
    shared_metavars: tuple[int, ...]
    dependency_edges: tuple[tuple[int, int], ...]
    effects: tuple[str, ...]  # declares, assigns, delayed, universes, solves-other-goals, rewrites
    proof_steps: int  # steps up to and including this one


@attrs.frozen
class GraphNode:
    id: str  # ``cp<checkpoint>:<mvar>``
    mvar: int
    target: str
    status: str  # closed (by a step) | solved (by unification in another step) | open


@attrs.frozen
class HyperEdge:
    step: int
    via: str
    parent: str  # node ids (the id each goal had when it was opened)
    children: tuple[str, ...]
    target: str = ""  # the goal id as the step named it (checkpoint-scoped: ``cp<checkpoint>:<mvar>``)


@attrs.frozen
class SharedEdge:
    a: str
    b: str
    mvar: int  # the metavariable both goals mention (a goal itself when one mentions the other)


@attrs.frozen
class ProofGraphIR:
    theorem: str
    nodes: tuple[GraphNode, ...]
    hyperedges: tuple[HyperEdge, ...]
    shared: tuple[SharedEdge, ...]
    complete: bool

    def to_json(self) -> dict[str, object]:
        return {
            "theorem": self.theorem,
            "complete": self.complete,
            "nodes": [attrs.asdict(n) for n in self.nodes],
            "hyperedges": [{"step": e.step, "via": e.via, "parent": e.parent, "children": list(e.children),
                            "target": e.target} for e in self.hyperedges],
            "shared": [attrs.asdict(e) for e in self.shared],
        }


def contexts(trace: ProofAssemblyTrace) -> list[MetavarContext]:
    """The metavariable context after each step (the trace's changes merged in order)."""
    mctx = trace.initial.metavar_graph
    out = []
    for step in trace.steps:
        mctx = merge_changes(mctx, step.commit.changes)
        out.append(mctx)
    return out


def _effects(step: AssemblyStep, closed_by_unification: tuple[int, ...]) -> tuple[str, ...]:
    ch = step.commit.changes
    flags = []
    if ch.decls:
        flags.append("declares")
    if ch.assignments:
        flags.append("assigns")
    if ch.delayed:
        flags.append("delayed")
    if ch.level_decls or ch.level_assignments:
        flags.append("universes")
    if closed_by_unification:
        flags.append("solves-other-goals")
    if step.commit.via.startswith("Rewrite"):
        flags.append("rewrites")
    return tuple(flags)


def _solved_elsewhere(step: AssemblyStep) -> tuple[int, ...]:
    """Goals open before the step, other than its target, that it assigned (by unification)."""
    before = {g for g, _ in step.holes_before}
    after = {g for g, _ in step.holes_after}
    return tuple(sorted(g for g in before - after if g != step.commit.parent and g not in step.commit.opened))


def action_ir(trace: ProofAssemblyTrace) -> tuple[TacticActionIR, ...]:
    out = []
    for step, mctx in zip(trace.steps, contexts(trace), strict=True):
        opened = step.commit.opened
        coupling = coupling_of(mctx, opened)
        continuation = "close" if not opened else "refine" if len(opened) == 1 else "split"
        out.append(TacticActionIR(
            step.index, step.commit.target, step.commit.via, len(opened), continuation, coupling.kind.value,
            coupling.shared_metavars, coupling.dependency_edges, _effects(step, _solved_elsewhere(step)),
            step.index + 1,
        ))
    return tuple(out)


def _show(trace: ProofAssemblyTrace, mctx: MetavarContext, mvar: int, e: Expr) -> str:
    decl = mctx.decl(mvar)
    names = {d.fvar: d.user_name for d in decl.lctx}
    return Printer(trace.initial.environment, names, display=True).print(mctx.instantiate(e))


def proof_graph(trace: ProofAssemblyTrace) -> ProofGraphIR:
    """The proof graph: every goal the trace ever had, the steps between them, and the
    metavariables goals share (at the moment a step opened them)."""
    initial = trace.initial
    checkpoint = {g: initial.checkpoint for g in initial.active_obligations}
    order: list[int] = list(initial.active_obligations)
    shown: dict[int, str] = {}
    mctx0 = initial.metavar_graph
    for g in order:
        shown[g] = _show(trace, mctx0, g, mctx0.decl(g).type)
    closed_by_step: set[int] = set()
    hyperedges: list[HyperEdge] = []
    shared: list[SharedEdge] = []
    final_mctx = mctx0
    for step, mctx in zip(trace.steps, contexts(trace), strict=True):
        c = step.commit
        closed_by_step.add(c.parent)
        for o in c.opened:
            if o not in checkpoint:
                checkpoint[o] = c.checkpoint
                order.append(o)
                shown[o] = _show(trace, mctx, o, mctx.decl(o).type)
        ids = {g: f"cp{checkpoint[g]}:{g}" for g in (c.parent, *c.opened)}
        hyperedges.append(HyperEdge(step.index, c.via, ids[c.parent], tuple(ids[o] for o in c.opened), c.target))
        deps: dict[int, set[int]] = {o: set() for o in c.opened}
        for child, dep in coupling_of(mctx, c.opened).dependency_edges:
            deps[child].add(dep)
        for k, a in enumerate(c.opened):
            for b in c.opened[k + 1:]:
                for m in sorted(deps[a] & deps[b]):
                    shared.append(SharedEdge(ids[a], ids[b], m))
                if b in deps[a] or a in deps[b]:
                    shared.append(SharedEdge(ids[a], ids[b], b if b in deps[a] else a))
        final_mctx = mctx
    if trace.steps:
        open_goals = {g for g, _ in trace.steps[-1].holes_after}
    else:
        open_goals = set(initial.active_obligations)
    nodes = []
    for g in order:
        status = "closed" if g in closed_by_step else "open" if g in open_goals else "solved"
        if status == "solved" and not final_mctx.is_assigned(g):
            status = "open"
        nodes.append(GraphNode(f"cp{checkpoint[g]}:{g}", g, shown[g], status))
    unique_shared = tuple(dict.fromkeys(shared))
    root_of(initial)  # the trace starts from a fresh hole
    return ProofGraphIR(trace.theorem, tuple(nodes), tuple(hyperedges), unique_shared, trace.proof_term is not None)


__all__ = ["GraphNode", "HyperEdge", "ProofGraphIR", "SharedEdge", "TacticActionIR", "action_ir", "contexts",
           "proof_graph"]
