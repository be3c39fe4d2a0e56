"""Elaborating applications: implicit and instance arguments, named arguments, expected-type
propagation, argument postponement and eliminator (recursor) elaboration."""

from __future__ import annotations

from tactic_mesh.kernel.elab_core import Elaborated
from tactic_mesh.kernel.environment import RecursorInfo
from tactic_mesh.kernel.errors import KernelError, UnifyError
from tactic_mesh.kernel.expr import (
    App,
    BinderInfo,
    Const,
    Expr,
    Lam,
    MVar,
    Pi,
    get_app_fn_args,
    instantiate1,
    kabstract,
    mk_app,
)
from tactic_mesh.kernel.instances import InstanceSynthesis
from tactic_mesh.kernel.mctx import MVarKind
from tactic_mesh.kernel.syntax import Anon, AppS, BinderTerm, FieldAccess, Ident, Pos, Syntax


class AppElaboration(InstanceSynthesis):
    def resolve_ident(self, stx: Ident) -> tuple[Expr, Syntax | None]:
        """A local variable or a constant; or (e, field) for ``x.f`` on a local ``x``."""
        decl = self.lctx.find_by_name(stx.name)
        if decl is not None and stx.levels is None:
            return decl.fvar, None
        info = self.env.find(stx.name if stx.name != "sorry" else "sorryAx")
        if info is not None:
            if stx.levels is not None:
                if len(stx.levels) != len(info.level_params):
                    raise self.error(
                        f"'{stx.name}' expects {len(info.level_params)} universe levels, got {len(stx.levels)}",
                        stx.pos,
                    )
                levels = tuple(self.elab_level(level, stx.pos) for level in stx.levels)
            else:
                levels = tuple(self.new_level_mvar() for _ in info.level_params)
            return Const(info.name, levels), None
        if "." in stx.name:
            # `x.f.g` on a local variable `x`: field notation
            head, *fields = stx.name.split(".")
            decl = self.lctx.find_by_name(head)
            if decl is not None:
                e: Expr = decl.fvar
                for field in fields[:-1]:
                    e = self.elab_field(Elaborated(e, pos=stx.pos), field, stx.pos, None)
                return e, FieldAccess(Elaborated(e, pos=stx.pos), fields[-1], pos=stx.pos)
        raise self.error(f"unknown identifier '{stx.name}'", stx.pos)

    def elab_app(self, stx: Ident | AppS, expected: Expr | None) -> Expr:
        fn_stx: Syntax = stx.fn if isinstance(stx, AppS) else stx
        args = list(stx.args) if isinstance(stx, AppS) else []
        explicit = isinstance(fn_stx, Ident) and fn_stx.explicit
        if isinstance(fn_stx, Ident):
            fn, field = self.resolve_ident(fn_stx)
            if field is not None:
                assert isinstance(field, FieldAccess)
                if not args:
                    return self.elab_field(field.term, field.field, field.pos, expected)
                fn = self.elab_field(field.term, field.field, field.pos, None)
            if fn_stx.name == "sorry" and not args:
                target = expected if expected is not None else self.new_type_mvar(fn_stx.pos)
                level = self.sort_level_of(target, fn_stx.pos)
                return mk_app(Const("sorryAx", (level,)), target)
        else:
            fn = self.elab(fn_stx, None)
        return self.apply_args(fn, args, expected, explicit, stx.pos)

    def apply_args(
        self,
        fn: Expr,
        args: list[tuple[str | None, Syntax]],
        expected: Expr | None,
        explicit: bool,
        pos: Pos,
    ) -> Expr:
        """Insert implicit arguments, then elaborate the explicit ones.

        Explicit arguments get placeholder metavariables first; the expected type is unified with
        the result type (unless its head is a metavariable, as for recursors), then arguments are
        elaborated — for a recursor, the major premise and indices first (they fix the motive's
        arguments), and ``fun``/``⟨⟩`` arguments after the others, when their types are known."""
        fn_type = self.infer(fn)
        positional = [a for name, a in args if name is None]
        named = {name: a for name, a in args if name is not None}
        todo: list[tuple[MVar, Syntax]] = []
        out = fn
        rec_info = self._recursor(fn)
        while True:
            if not positional and not named and (explicit or not self._next_is_implicit(fn_type)):
                break
            t = fn_type if isinstance(fn_type, Pi) else self.whnf(fn_type)
            if not isinstance(t, Pi) and todo:
                self._elab_todo(todo, rec_info, out)
                todo = []
                t = self.whnf(fn_type)
            if not isinstance(t, Pi):
                if positional:
                    raise self.error(
                        f"function expected: {self.show(out)} has type {self.show(t)} and cannot take "
                        f"another argument",
                        positional[0].pos,
                    )
                if named:
                    raise self.error(f"invalid named argument '{next(iter(named))}'", pos)
                break
            if t.name in named:
                stx = named.pop(t.name)
                m = self.new_mvar(t.type, pos=stx.pos)
                todo.append((m, stx))
                arg: Expr = m
            elif explicit or t.bi is BinderInfo.DEFAULT:
                if not positional:
                    if named:
                        raise self.error(
                            f"missing explicit argument '{t.name}' before named argument '{next(iter(named))}'",
                            pos,
                        )
                    break
                stx = positional.pop(0)
                m = self.new_mvar(t.type, pos=stx.pos)
                todo.append((m, stx))
                arg = m
            elif t.bi is BinderInfo.INST_IMPLICIT:
                arg = self.new_mvar(t.type, MVarKind.SYNTHETIC, pos=pos)
                self.pending_instances.append((arg, pos))
            else:
                arg = self.new_mvar(t.type, pos=pos)
            out = App(out, arg)
            fn_type = instantiate1(t.body, arg)
        if expected is not None and todo and self._propagates(fn_type, todo):
            self.is_def_eq(fn_type, expected)  # first-order propagation; may fail harmlessly
        self._elab_todo(todo, rec_info, out, expected, fn_type)
        self.synthesize_pending(ready_only=True)
        out = self.instantiate(out)
        return self.ensure_has_type(out, expected, pos)

    def _propagates(self, result_type: Expr, todo: list[tuple[MVar, Syntax]]) -> bool:
        """Unify the expected type with the result type before elaborating the explicit arguments?

        Not when the result is still a function, when it is ``?motive args`` (an eliminator: the
        motive is determined by its targets), or when it depends on explicit arguments (their
        elaboration decides it; a first-order guess could be wrong and would stick)."""
        result_type = self.instantiate(result_type)
        if isinstance(result_type, Pi):
            return False
        head, args = get_app_fn_args(result_type)
        if isinstance(head, MVar) and args:
            return False
        placeholders = {m for m, _ in todo}
        return not any(m in placeholders for m in self.mctx.unassigned_mvars(result_type))

    def _recursor(self, fn: Expr) -> RecursorInfo | None:
        info = self.env.find(fn.name) if isinstance(fn, Const) else None
        return info if isinstance(info, RecursorInfo) else None

    def _elab_todo(
        self,
        todo: list[tuple[MVar, Syntax]],
        rec_info: RecursorInfo | None,
        app: Expr,
        expected: Expr | None = None,
        result_type: Expr | None = None,
    ) -> None:
        later: list[tuple[MVar, Syntax]] = []
        motive_var: MVar | None = None
        targets: list[MVar] = []
        if rec_info is not None:
            _, app_args = get_app_fn_args(app)
            target_ids = {a.id for a in app_args[rec_info.major_index - rec_info.num_indices:] if isinstance(a, MVar)}
            if len(app_args) > rec_info.num_params:
                motive_arg = app_args[rec_info.num_params]
                motive_var = motive_arg if isinstance(motive_arg, MVar) else None
            targets = [m for m, _ in todo if m.id in target_ids]
        first = sorted(todo, key=lambda item: 0 if item[0] in targets else 1 if item[0] is motive_var else 2)
        # motive given neither explicitly nor by unification: abstract the targets in the expected type
        if (
            rec_info is not None
            and motive_var is not None
            and expected is not None
            and result_type is not None
            and not any(m is motive_var for m, _ in todo)
        ):
            for m, stx in [item for item in first if item[0] in targets]:
                self._elab_arg(m, stx)
            first = [item for item in first if item[0] not in targets]
            self._infer_motive(app, rec_info, motive_var, expected)
        self._elab_in_order(first + later)

    def _elab_in_order(self, items: list[tuple[MVar, Syntax]]) -> None:
        """Elaborate arguments left to right, postponing those whose expected type is not known
        well enough yet: a ``fun``/``⟨⟩`` against a type with unassigned metavariables, or any
        argument expected to have type ``?m args`` (it would fix ``?m`` by a first-order guess).
        Postponed arguments are retried after each round; the rest are forced in order."""
        pending = list(items)
        while pending:
            postponed: list[tuple[MVar, Syntax]] = []
            for m, stx in pending:
                if self._should_postpone(m, stx):
                    postponed.append((m, stx))
                else:
                    self._elab_arg(m, stx)
            if len(postponed) == len(pending):
                for m, stx in postponed:
                    self._elab_arg(m, stx)
                return
            pending = postponed

    def _should_postpone(self, m: MVar, stx: Syntax) -> bool:
        expected = self.instantiate(self.mctx.decl(m).type)
        if not expected.has_mvar:
            return False
        if isinstance(stx, (BinderTerm, Anon)):
            return True
        head, args = get_app_fn_args(expected)
        return isinstance(head, MVar) and bool(args)

    def _elab_arg(self, m: MVar, stx: Syntax) -> None:
        m_type = self.instantiate(self.mctx.decl(m).type)
        value = self.elab(stx, m_type)
        if not self.assign_arg(m, value):
            actual = self.infer(value)
            raise self.error(
                f"argument {self.show(value)} has type {self.show(actual)} but is expected to have "
                f"type {self.show(self.instantiate(m_type))}",
                stx.pos,
            )

    def _infer_motive(self, app: Expr, rec_info: RecursorInfo, motive: MVar, expected: Expr) -> None:
        """Eliminator elaboration: ``motive := fun indices major => expected[targets := vars]``."""
        if self.mctx.is_assigned(motive):
            return
        _, app_args = get_app_fn_args(self.instantiate(app))
        start = rec_info.major_index - rec_info.num_indices
        targets = app_args[start : rec_info.major_index + 1]
        if len(targets) != rec_info.num_indices + 1 or any(t.has_mvar for t in targets):
            return
        motive_type = self.whnf(self.mctx.decl(motive).type)
        body = self.instantiate(expected)
        binders: list[tuple[str, Expr]] = []
        t = motive_type
        for _ in targets:
            if not isinstance(t, Pi):
                return
            binders.append((t.name, t.type))
            t = t.body
        abstracted = kabstract(body, targets)
        value = abstracted
        for name, ty in reversed(binders):
            value = Lam(name, ty, value)
        try:
            self.tc.assign(motive, self.instantiate(value))
        except UnifyError:
            return

    def _next_is_implicit(self, fn_type: Expr) -> bool:
        t = fn_type if isinstance(fn_type, Pi) else self.whnf(fn_type)
        return isinstance(t, Pi) and t.bi is not BinderInfo.DEFAULT

    def assign_arg(self, m: MVar, value: Expr) -> bool:
        if self.mctx.is_assigned(m):
            return self.is_def_eq(m, value)
        try:
            m_type = self.mctx.decl(m).type
            if not self.is_def_eq(self.infer(value), m_type):
                self.synthesize_pending()
                if not self.is_def_eq(self.infer(value), m_type):
                    return False
            self.tc.assign(m, self.instantiate(value))
            return True
        except (UnifyError, KernelError):
            return False

    def elab_field(self, term: Syntax, field: str, pos: Pos, expected: Expr | None) -> Expr:
        """Field notation ``e.f`` (defined in :mod:`elab`)."""
        raise NotImplementedError


