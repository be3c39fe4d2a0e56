"""When may branches (sibling obligations) be permuted?  The side condition of the branch
permutation law (DESIGN §6): the goals must be *coupling-disconnected*.

Two children of a step are coupled when one's target (or context) mentions a metavariable the
other mentions too, or mentions the other child itself (``refine ⟨?w, ?_⟩`` on ``∃ x, P x``: the
second goal is ``P ?w``).  ``coupling_components`` groups the children by that relation (the
transitive closure); a permutation is justified exactly when it keeps the relative order inside
every component — it only swaps goals that share nothing.  Unknown coupling (``CouplingKind.UNKNOWN``,
or an interface with goals the checker cannot name) never justifies anything.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.steppack import Coupling, CouplingKind, StepPack, coupling_of
from tactic_mesh.kernel.mctx import MetavarContext
from tactic_mesh.typing.interface import Interface, Slot


@attrs.frozen
class Justification:
    ok: bool
    reason: str
    components: tuple[tuple[int, ...], ...] = ()

    def __bool__(self) -> bool:
        return self.ok


def coupling_components(coupling: Coupling) -> tuple[tuple[int, ...], ...]:
    """The children grouped into coupling-connected components (each in child order)."""
    children = list(coupling.child_obligations)
    parent: dict[int, int] = {c: c for c in children}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    by_dependency: dict[int, int] = {}
    for child, dep in coupling.dependency_edges:
        if child not in parent:
            continue
        if dep in parent:
            union(child, dep)
        if dep in by_dependency:
            union(child, by_dependency[dep])
        else:
            by_dependency[dep] = child
    for shared in coupling.shared_metavars:
        if shared in parent and shared in by_dependency:
            union(shared, by_dependency[shared])
    groups: dict[int, list[int]] = {}
    for c in children:
        groups.setdefault(find(c), []).append(c)
    return tuple(tuple(g) for g in groups.values())


def _coupling_of(subject: Coupling | StepPack | ProofState | Interface, mctx: MetavarContext | None) -> Coupling:
    if isinstance(subject, Coupling):
        return subject
    if isinstance(subject, StepPack):
        return subject.coupling
    if isinstance(subject, ProofState):
        return coupling_of(subject.metavar_graph, subject.focus_goals())
    goals = [it.mvar for it in subject.items if isinstance(it, Slot) and it.mvar is not None]
    if mctx is None or len(goals) != len(subject.items):
        return Coupling(tuple(g for g in goals), (), (), CouplingKind.UNKNOWN)
    return coupling_of(mctx, tuple(goals))


def branch_permutation_justified(
    subject: Coupling | StepPack | ProofState | Interface,
    permutation: Sequence[int] | None = None,
    mctx: MetavarContext | None = None,
) -> Justification:
    """Is permuting the children of ``subject`` justified?  ``permutation`` lists the children's
    positions in their new order (``None``: any permutation).  For an ``Interface`` the goals must
    all be known slots and ``mctx`` the metavariable context they live in."""
    coupling = _coupling_of(subject, mctx)
    n = len(coupling.child_obligations)
    if permutation is not None and sorted(permutation) != list(range(n)):
        raise ValueError(f"not a permutation of {n} children: {list(permutation)}")
    if coupling.kind is CouplingKind.UNKNOWN:
        return Justification(False, "the coupling of the children is unknown")
    if coupling.kind is CouplingKind.NONE or n <= 1:
        return Justification(True, "at most one child", ((*coupling.child_obligations,),) if n else ())
    components = coupling_components(coupling)
    coupled = [c for c in components if len(c) > 1]
    if permutation is None:
        if coupled:
            return Justification(False, f"children {list(coupled[0])} are coupled (shared metavariables "
                                        f"{list(coupling.shared_metavars)})", components)
        return Justification(True, "the children are coupling-disconnected", components)
    order = [coupling.child_obligations[i] for i in permutation]
    position = {c: k for k, c in enumerate(order)}
    for component in coupled:
        placed = [position[c] for c in component]
        if placed != sorted(placed):
            return Justification(False, f"the permutation reorders coupled children {list(component)}", components)
    return Justification(True, "the permutation only reorders coupling-disconnected children", components)


__all__ = ["Justification", "branch_permutation_justified", "coupling_components"]
