"""One-step semantics: the ``StepPack`` every goal-closing step yields (DESIGN §4).

StepPack = ⟨state delta, child interface, coupling, residual builder, certificates⟩:

* the *child interface* lists the goals the step opened (ids and targets);
* the *coupling* comes from the metavariable dependency graph: children are ``independent``
  when no child mentions a metavariable that another child also mentions or solves, ``coupled``
  otherwise (``refine ⟨?w, ?_⟩`` on ``∃ x, P x``: the second child's target mentions ``?w``);
  ``none`` when there are no children;
* the *residual builder* is data — the term the parent was assigned, with the children as holes —
  and ``build`` turns child witnesses into the parent witness (checked by the kernel in tests).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from tactic_mesh.kernel.expr import Expr, MVar
from tactic_mesh.kernel.mctx import MetavarContext


class CouplingKind(enum.Enum):
    NONE = "none"
    INDEPENDENT = "independent"
    COUPLED = "coupled"
    UNKNOWN = "unknown"


@attrs.frozen
class Coupling:
    child_obligations: tuple[int, ...]
    shared_metavars: tuple[int, ...]  # mentioned by two or more children, or a child mentioned by another
    dependency_edges: tuple[tuple[int, int], ...]  # (child, metavariable its target mentions)
    kind: CouplingKind


@attrs.frozen
class ResidualBuilder:
    """``parent := term`` where the children are holes of ``term``."""

    parent: int
    term: Expr
    children: tuple[int, ...]

    def build(self, mctx: MetavarContext, witnesses: Mapping[int, Expr]) -> Expr:
        """The parent's witness from the children's (assignments are checked for scope and cycles)."""
        for child in self.children:
            if child not in witnesses:
                raise KeyError(f"no witness for child ?m{child}")
            mctx = mctx.assign(MVar(child), witnesses[child])
        return mctx.instantiate(self.term)


@attrs.frozen
class StateDelta:
    closed: tuple[int, ...]
    opened: tuple[int, ...]


@attrs.frozen
class StepPack:
    parent: int
    parent_type: Expr
    delta: StateDelta
    child_interface: tuple[tuple[int, Expr], ...]  # (child goal, its target)
    coupling: Coupling
    residual_builder: ResidualBuilder
    certificates: tuple[str, ...] = ()


def coupling_of(mctx: MetavarContext, children: tuple[int, ...]) -> Coupling:
    """Coupling of the children of a step, from the dependency graph of ``mctx``."""
    if not children:
        return Coupling((), (), (), CouplingKind.NONE)
    graph = mctx.dependency_graph(children)
    edges = tuple(sorted((c, d) for c, deps in graph.items() for d in deps))
    counts: dict[int, int] = {}
    for c in children:
        for d in graph[c]:
            counts[d] = counts.get(d, 0) + 1
    shared = {d for d, n in counts.items() if n > 1} | {d for _, d in edges if d in children}
    kind = CouplingKind.COUPLED if shared else CouplingKind.INDEPENDENT
    return Coupling(children, tuple(sorted(shared)), edges, kind)


def make_step(mctx_before: MetavarContext, mctx_after: MetavarContext, parent: int, term: Expr,
              children: tuple[int, ...], certificates: tuple[str, ...] = ()) -> StepPack:
    parent_type = mctx_after.instantiate(mctx_before.decl(parent).type)
    interface = tuple((c, mctx_after.instantiate(mctx_after.decl(c).type)) for c in children)
    return StepPack(
        parent=parent,
        parent_type=parent_type,
        delta=StateDelta((parent,), children),
        child_interface=interface,
        coupling=coupling_of(mctx_after, children),
        residual_builder=ResidualBuilder(parent, term, children),
        certificates=certificates,
    )
