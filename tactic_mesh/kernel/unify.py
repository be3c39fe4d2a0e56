"""The unifier: definitional equality that may assign metavariables.

``MetaChecker`` extends the trusted checker's conversion with metavariable assignment.  It is
*not* trusted: whatever it builds is re-checked by :class:`~tactic_mesh.kernel.typechecker.TypeChecker`
before a declaration is admitted.

* Higher-order pattern fragment: ``?m x1 … xn =?= t`` with distinct free variables ``xi`` assigns
  ``?m := fun x1 … xn => t`` (Miller patterns).
* First-order approximation otherwise: ``?m a1 … an =?= f b1 … bk`` tries ``?m := f b1 … b(k-n)``
  and ``ai =?= b(k-n+i)``.
* Occurs check and local-context scope check on every assignment; synthetic-opaque metavariables
  (goals) are never assigned; a failed attempt leaves the context unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import KernelError, UnifyError
from tactic_mesh.kernel.expr import (
    HAS_LMVAR,
    HAS_MVAR,
    App,
    Expr,
    FVar,
    Lam,
    MVar,
    abstract,
    collect_fvars,
    collect_mvars,
    get_app_fn_args,
    mk_apps,
)
from tactic_mesh.kernel.level import Level
from tactic_mesh.kernel.local_context import LocalContext
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.typechecker import TypeChecker


class MetaChecker(TypeChecker):
    """Type inference and unification over a metavariable context (updated in place)."""

    def __init__(
        self,
        env: Environment,
        mctx: MetavarContext,
        lctx: LocalContext | None = None,
        level_params: Sequence[str] | None = None,
    ) -> None:
        super().__init__(env, lctx, level_params)
        self.mctx = mctx
        self.postpone_levels = True

    # -- caches depend on assignments: drop them when the context changes ------------------

    def _set_mctx(self, mctx: MetavarContext) -> None:
        if mctx.assignments is not self.mctx.assignments or mctx.level_assignments is not self.mctx.level_assignments:
            self._v_whnf_cache.clear()
            self._v_whnf_core_cache.clear()
            self._v_infer_cache.clear()
            self._v_infer_only_cache.clear()
        self.mctx = mctx

    def _restore(self, mctx: MetavarContext) -> None:
        if mctx is not self.mctx:
            self._set_mctx(mctx)
            self._v_eq_cache.clear()

    def is_def_eq(self, a: Expr, b: Expr) -> bool:
        saved = self.mctx
        try:
            ok = super().is_def_eq(a, b)
        except UnifyError:
            ok = False
        if not ok:
            self._restore(saved)
        return ok

    # -- hooks -----------------------------------------------------------------------------

    def _mvar_type(self, mvar: MVar) -> Expr:
        try:
            return self.mctx.decl(mvar).type
        except UnifyError as err:
            raise KernelError(err.message) from None

    def _mvar_value(self, mvar: MVar) -> Expr | None:
        return self.mctx.assignments.get(mvar.id)

    def _check_level(self, level: Level) -> None:
        if self.level_params is not None:
            for p in lv.params_of(level):
                if p not in self.level_params:
                    raise KernelError(f"undeclared universe parameter '{p}'")

    def instantiate(self, e: Expr) -> Expr:
        return self.mctx.instantiate(e)

    def _level_def_eq(self, a: Level, b: Level) -> bool:
        a = self.mctx.instantiate_level(a)
        b = self.mctx.instantiate_level(b)
        if a is b:
            return True
        if isinstance(a, lv.LMVar):
            self._set_mctx(self.mctx.assign_level(a, b))
            return True
        if isinstance(b, lv.LMVar):
            self._set_mctx(self.mctx.assign_level(b, a))
            return True
        if isinstance(a, lv.LSucc) and isinstance(b, lv.LSucc):
            return self._level_def_eq(a.of, b.of)
        if lv.is_equiv(a, b):
            return True
        if not (lv.has_mvar(a) or lv.has_mvar(b)):
            return False
        # `?u + k =?= l` after normalisation and after cancelling the common arguments of `max`
        atoms_a, atoms_b = lv.max_atoms(a), lv.max_atoms(b)
        common = [x for x in atoms_a if x in atoms_b]
        rest_a = [x for x in atoms_a if x not in common] or common[:1]
        rest_b = [x for x in atoms_b if x not in common] or common[:1]
        for lhs_atoms, rhs_atoms in ((rest_a, rest_b), (rest_b, rest_a)):
            if len(lhs_atoms) != 1:
                continue
            base, k = lv.to_offset(lhs_atoms[0])
            rhs = lv.mk_max_all(rhs_atoms)
            if isinstance(base, lv.LMVar) and not lv.occurs(base, rhs):
                solution = lv.subtract_offset(rhs, k)
                if solution is not None:
                    saved = self.mctx
                    self._set_mctx(self.mctx.assign_level(base, solution))
                    if lv.is_equiv(self.mctx.instantiate_level(a), self.mctx.instantiate_level(b)):
                        return True
                    self._restore(saved)
        if type(a) is type(b) and isinstance(a, (lv.LMax, lv.LIMax)):
            assert isinstance(b, (lv.LMax, lv.LIMax))
            saved = self.mctx
            if self._level_def_eq(a.lhs, b.lhs) and self._level_def_eq(a.rhs, b.rhs):
                return True
            self._restore(saved)
        if self.postpone_levels:
            # not solvable yet (e.g. `1 =?= imax ?u ?v`): decide once more metavariables are known
            self._set_mctx(self.mctx.postpone_level(a, b))
            return True
        return False

    def solve_postponed_levels(self) -> list[tuple[Level, Level]]:
        """Retry postponed universe constraints; return those that fail or stay undetermined."""
        while self.mctx.postponed_levels:
            constraints = self.mctx.postponed_levels
            self._set_mctx(attrs.evolve(self.mctx, postponed_levels=()))
            stuck: list[tuple[Level, Level]] = []
            progress = False
            self.postpone_levels = False
            try:
                for a, b in constraints:
                    a, b = self.mctx.instantiate_level(a), self.mctx.instantiate_level(b)
                    if self._level_def_eq(a, b):
                        progress = True
                    else:
                        stuck.append((a, b))
            finally:
                self.postpone_levels = True
            if stuck and not progress:
                return stuck
            if stuck:
                self._set_mctx(attrs.evolve(self.mctx, postponed_levels=tuple(stuck)))
        return []

    def _mvar_def_eq(self, a: Expr, b: Expr) -> bool | None:
        if not (a.flags | b.flags) & (HAS_MVAR | HAS_LMVAR):
            return None
        a = self._instantiate_head(a)
        b = self._instantiate_head(b)
        if a is b:
            return True
        ha = get_app_fn_args(a)[0]
        hb = get_app_fn_args(b)[0]
        a_assignable = isinstance(ha, MVar) and self._assignable(ha)
        b_assignable = isinstance(hb, MVar) and self._assignable(hb)
        if a_assignable and b_assignable and isinstance(ha, MVar) and isinstance(hb, MVar):
            # prefer assigning the younger metavariable
            if ha.id < hb.id:
                return self._assign_app(b, a)
            return self._assign_app(a, b)
        if a_assignable:
            return self._assign_app(a, b)
        if b_assignable:
            return self._assign_app(b, a)
        if isinstance(ha, MVar) or isinstance(hb, MVar):
            # an unassigned synthetic-opaque hole (or a delayed one): only equal to itself
            if ha is hb:
                return self._args_def_eq(a, b)
            return None if not (isinstance(ha, MVar) and isinstance(hb, MVar)) else False
        return None

    def _assignable(self, m: MVar) -> bool:
        if self.mctx.is_assigned(m):
            return False
        decl = self.mctx.decls.get(m.id)
        return decl is not None and decl.kind is not MVarKind.SYNTHETIC_OPAQUE

    def _instantiate_head(self, e: Expr) -> Expr:
        head = get_app_fn_args(e)[0]
        if isinstance(head, MVar) and self.mctx.is_assigned(head):
            return self.whnf_core(self.mctx.instantiate(e))
        return e

    def _assign_app(self, lhs: Expr, rhs: Expr) -> bool:
        head, args = get_app_fn_args(lhs)
        assert isinstance(head, MVar)
        rhs = self.mctx.instantiate(rhs)
        if not args:
            return self._checked_assign(head, rhs)
        if _is_pattern(args):
            fvars = [a for a in args if isinstance(a, FVar)]
            value = self._mk_lambda_fvars(fvars, rhs)
            if value is not None and self._checked_assign(head, value):
                return True
        # first-order approximation
        rfn, rargs = get_app_fn_args(rhs)
        if len(rargs) >= len(args):
            k = len(rargs) - len(args)
            saved = self.mctx
            prefix = mk_apps(rfn, rargs[:k])
            if self._checked_assign(head, prefix) and all(
                self.is_def_eq(x, y) for x, y in zip(args, rargs[k:], strict=True)
            ):
                return True
            self._restore(saved)
        return False

    def _mk_lambda_fvars(self, fvars: list[FVar], body: Expr) -> Expr | None:
        out = abstract(body, fvars)
        for x in reversed(fvars):
            decl = self.lctx.get(x)
            if decl is None:
                return None
            ty = abstract(self.mctx.instantiate(decl.type), fvars[: fvars.index(x)])
            out = Lam(decl.user_name, ty, out, decl.bi)
        return out

    def _restrict_scope(self, mvar: MVar, value: Expr) -> Expr:
        """Move natural metavariables of ``value`` that live in a larger local context than
        ``mvar`` into ``mvar``'s context (when their types allow it), so the assignment is in scope."""
        decl = self.mctx.decls.get(mvar.id)
        if decl is None or not value.has_mvar:
            return value
        changed = False
        for other in collect_mvars(value):
            odecl = self.mctx.decls.get(other.id)
            if odecl is None or self.mctx.is_assigned(other) or odecl.kind is not MVarKind.NATURAL:
                continue
            if odecl.lctx.is_subprefix_of(decl.lctx) or not decl.lctx.is_subprefix_of(odecl.lctx):
                continue
            otype = self.mctx.instantiate(odecl.type)
            if any(f not in decl.lctx for f in collect_fvars(otype)):
                continue
            mctx, fresh = self.mctx.declare(otype, decl.lctx, MVarKind.NATURAL, odecl.user_name)
            self._set_mctx(mctx.assign(other, fresh))
            changed = True
        return self.mctx.instantiate(value) if changed else value

    def _checked_assign(self, mvar: MVar, value: Expr) -> bool:
        saved = self.mctx
        try:
            value = self._restrict_scope(mvar, value)
            self._set_mctx(self.mctx.assign(mvar, value))
        except UnifyError:
            self._restore(saved)
            return False
        # the value must have the metavariable's type
        try:
            value_type = self.infer(value, infer_only=True)
        except KernelError:
            self._restore(saved)
            return False
        expected = self.mctx.decl(mvar).type
        if not self.is_def_eq(value_type, expected):
            self._restore(saved)
            return False
        return True

    # -- convenience -------------------------------------------------------------------------

    def assign(self, mvar: MVar, value: Expr) -> None:
        """Assign with scope and occurs checks; raises ``UnifyError`` with the reason."""
        self._set_mctx(self.mctx.assign(mvar, value))

    def unify(self, a: Expr, b: Expr) -> bool:
        return self.is_def_eq(a, b)


def _is_pattern(args: Sequence[Expr]) -> bool:
    seen: set[Expr] = set()
    for a in args:
        if not isinstance(a, FVar) or a in seen:
            return False
        seen.add(a)
    return True


__all__ = ["App", "MetaChecker"]
