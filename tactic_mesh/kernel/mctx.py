"""The metavariable context: holes of partial terms, their local contexts, types and assignments.

``MetavarContext`` is persistent: every update returns a new context and leaves the old one
intact, so checkpoint/rollback is exact.  It records

* declarations: local context, type, user name and kind (natural, synthetic, synthetic-opaque);
* assignments ``?m := e`` (checked by the unifier: occurs check and local-context scope check);
* delayed assignments ``?d xs := ?p`` (the value of ``?d`` applied to ``xs`` is ``?p`` once ``?p``
  is complete), used to put a hole living in an extended context under binders;
* universe metavariable assignments.

``instantiate`` substitutes assignments; ``dependency_graph`` tells which holes mention which
unassigned metavariables — the source of *coupling* between goals.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import attrs
from immutables import Map

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.errors import UnifyError
from tactic_mesh.kernel.expr import (
    HAS_LMVAR,
    HAS_MVAR,
    App,
    Const,
    Expr,
    FVar,
    MVar,
    Sort,
    abstract,
    beta,
    collect_mvars,
    fresh_id,
    get_app_fn_args,
    instantiate_rev,
    mk_apps,
    replace,
)
from tactic_mesh.kernel.level import Level
from tactic_mesh.kernel.local_context import LocalContext


class MVarKind(enum.Enum):
    NATURAL = "natural"  # assignable by unification
    SYNTHETIC = "synthetic"  # created for instances/tactics; unification may assign, then re-checked
    SYNTHETIC_OPAQUE = "synthetic_opaque"  # goals: never assigned by unification


@attrs.frozen
class MVarDecl:
    id: int
    user_name: str
    lctx: LocalContext
    type: Expr
    kind: MVarKind = MVarKind.NATURAL


@attrs.frozen
class DelayedAssignment:
    fvars: tuple[FVar, ...]
    pending: int  # id of the metavariable whose value, abstracted over fvars, is the value


@attrs.frozen
class MetavarContext:
    # persistent hash maps (HAMT): an update is O(log n) and shares the rest with the old context
    decls: Map[int, MVarDecl] = attrs.field(factory=Map)
    assignments: Map[int, Expr] = attrs.field(factory=Map)
    delayed: Map[int, DelayedAssignment] = attrs.field(factory=Map)
    level_decls: Map[int, bool] = attrs.field(factory=Map)
    level_assignments: Map[int, Level] = attrs.field(factory=Map)
    # universe constraints `l₁ = l₂` that could not be solved yet (solved or rejected later)
    postponed_levels: tuple[tuple[Level, Level], ...] = ()

    # -- declaring -------------------------------------------------------------------------

    def declare(
        self,
        type: Expr,
        lctx: LocalContext | None = None,
        kind: MVarKind = MVarKind.NATURAL,
        user_name: str = "",
    ) -> tuple[MetavarContext, MVar]:
        mid = fresh_id()
        decl = MVarDecl(mid, user_name, lctx or LocalContext(), type, kind)
        return attrs.evolve(self, decls=self.decls.set(mid, decl)), MVar(mid)

    def with_user_name(self, mvar: MVar | int, user_name: str) -> MetavarContext:
        """The same context with a hole renamed (goal tags: ``case succ => …``)."""
        decl = self.decl(mvar)
        return attrs.evolve(self, decls=self.decls.set(decl.id, attrs.evolve(decl, user_name=user_name)))

    def declare_level(self) -> tuple[MetavarContext, lv.LMVar]:
        lid = fresh_id()
        return attrs.evolve(self, level_decls=self.level_decls.set(lid, True)), lv.LMVar(lid)

    def decl(self, mvar: MVar | int) -> MVarDecl:
        mid = mvar.id if isinstance(mvar, MVar) else mvar
        found = self.decls.get(mid)
        if found is None:
            raise UnifyError(f"unknown metavariable ?m{mid}")
        return found

    # -- assigning -------------------------------------------------------------------------

    def is_assigned(self, mvar: MVar | int) -> bool:
        mid = mvar.id if isinstance(mvar, MVar) else mvar
        return mid in self.assignments or mid in self.delayed

    def assign(self, mvar: MVar, value: Expr) -> MetavarContext:
        """Assign after the occurs check and the scope check (raises ``UnifyError``)."""
        decl = self.decl(mvar)
        if self.is_assigned(mvar):
            raise UnifyError(f"metavariable ?{decl.user_name or 'm' + str(mvar.id)} is already assigned")
        value = self.instantiate(value)
        if value.loose:
            raise UnifyError("assignment value has a loose bound variable")
        if mvar in collect_mvars(value):
            raise UnifyError(f"cyclic assignment: ?m{mvar.id} occurs in its own value")
        for sub in _fvars_of(value):
            if sub not in decl.lctx:
                raise UnifyError(
                    f"out-of-scope assignment: the value of ?m{mvar.id} mentions a variable "
                    f"that is not in its local context"
                )
        for other in collect_mvars(value):
            other_decl = self.decls.get(other.id)
            if other_decl is not None and not other_decl.lctx.is_subprefix_of(decl.lctx):
                raise UnifyError(
                    f"out-of-scope assignment: ?m{other.id} lives in a larger local context than ?m{mvar.id}"
                )
        return attrs.evolve(self, assignments=self.assignments.set(mvar.id, value))

    def assign_delayed(self, mvar: MVar, fvars: Sequence[FVar], pending: MVar) -> MetavarContext:
        return attrs.evolve(
            self, delayed=self.delayed.set(mvar.id, DelayedAssignment(tuple(fvars), pending.id))
        )

    def assign_level(self, mvar: lv.LMVar, value: Level) -> MetavarContext:
        value = lv.substitute_mvars(value, self.level_assignments)
        if lv.occurs(mvar, value):
            raise UnifyError("cyclic universe assignment")
        return attrs.evolve(self, level_assignments=self.level_assignments.set(mvar.id, value))

    def postpone_level(self, lhs: Level, rhs: Level) -> MetavarContext:
        return attrs.evolve(self, postponed_levels=(*self.postponed_levels, (lhs, rhs)))

    # -- instantiating ---------------------------------------------------------------------

    def instantiate_level(self, level: Level) -> Level:
        return lv.substitute_mvars(level, self.level_assignments) if lv.has_mvar(level) else level

    def instantiate(self, e: Expr, eager_delayed: bool = False) -> Expr:
        """Substitute every assignment (and completed delayed assignment) into ``e``.  With
        ``eager_delayed``, delayed assignments are unfolded even while their pending hole is
        open (a view of a partial proof: ``fun x => ?g`` rather than ``?d x``)."""
        if not e.flags & (HAS_MVAR | HAS_LMVAR):
            return e

        def fn(sub: Expr, off: int) -> Expr | None:
            if not sub.flags & (HAS_MVAR | HAS_LMVAR):
                return sub
            if isinstance(sub, Sort):
                return Sort(self.instantiate_level(sub.level))
            if isinstance(sub, Const):
                return Const(sub.name, tuple(self.instantiate_level(level) for level in sub.levels))
            if isinstance(sub, MVar):
                value = self.assignments.get(sub.id)
                return sub if value is None else self.instantiate(value, eager_delayed)
            if isinstance(sub, App):
                head, args = get_app_fn_args(sub)
                if isinstance(head, MVar):
                    new_args = [self.instantiate(a, eager_delayed) for a in args]
                    value = self.assignments.get(head.id)
                    if value is not None:
                        return beta(self.instantiate(value, eager_delayed), new_args)
                    delayed = self.delayed.get(head.id)
                    if delayed is not None and len(new_args) >= len(delayed.fvars):
                        pending = self.instantiate(MVar(delayed.pending), eager_delayed)
                        if eager_delayed or not pending.has_mvar:
                            body = abstract(pending, delayed.fvars)
                            n = len(delayed.fvars)
                            return mk_apps(instantiate_rev(body, new_args[:n]), new_args[n:])
                    return mk_apps(head, new_args)
            return None

        return replace(e, fn)

    # -- queries ---------------------------------------------------------------------------

    def unassigned_mvars(self, e: Expr) -> list[MVar]:
        """Open holes of a partial term (after instantiation), including pending delayed ones."""
        out: list[MVar] = []
        for m in collect_mvars(self.instantiate(e)):
            delayed = self.delayed.get(m.id)
            if delayed is not None:
                for p in self.unassigned_mvars(MVar(delayed.pending)):
                    if p not in out:
                        out.append(p)
            elif m not in out:
                out.append(m)
        return out

    def mvar_dependencies(self, mvar: MVar | int) -> set[int]:
        """Unassigned metavariables the *type* (and context) of a hole mention."""
        decl = self.decl(mvar)
        deps: set[int] = set()
        for e in [decl.type, *(d.type for d in decl.lctx)]:
            deps.update(m.id for m in self.unassigned_mvars(e))
        deps.discard(decl.id)
        return deps

    def dependency_graph(self, goals: Iterable[MVar | int]) -> dict[int, set[int]]:
        """For each goal, the unassigned metavariables its type mentions."""
        return {(g.id if isinstance(g, MVar) else g): self.mvar_dependencies(g) for g in goals}

    def shared_mvars(self, goals: Iterable[MVar | int]) -> set[int]:
        """Metavariables mentioned by two or more of ``goals`` (or that are goals mentioned by another)."""
        graph = self.dependency_graph(goals)
        counts: dict[int, int] = {}
        for g, deps in graph.items():
            for d in deps | ({g} if g in graph else set()):
                counts[d] = counts.get(d, 0) + 1
        return {m for m, c in counts.items() if c > 1}


def _fvars_of(e: Expr) -> list[FVar]:
    from tactic_mesh.kernel.expr import collect_fvars

    return sorted(collect_fvars(e), key=lambda f: f.id)




__all__ = ["App", "DelayedAssignment", "MVarDecl", "MVarKind", "MetavarContext"]
