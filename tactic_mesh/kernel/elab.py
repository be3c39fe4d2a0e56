"""The term elaborator: surface syntax to kernel expressions with metavariables.

Bidirectional: terms are elaborated against an expected type when one is known.  Applications
insert implicit arguments as natural metavariables and instance arguments as synthetic ones
solved by instance search; the expected type of an application is unified with its result type
before its explicit arguments are elaborated (so ``⟨a, b⟩`` and ``fun x => …`` arguments see
their types).  Notation goes through classes: ``+ * ◇ ≤ < ++`` are ``Add.add Mul.mul Magma.op
LE.le LT.lt Append.append``.

Nothing here is trusted: every declaration built from the output is re-checked by the kernel.
"""

from __future__ import annotations

from collections.abc import Sequence

from tactic_mesh.kernel.elab_app import AppElaboration
from tactic_mesh.kernel.elab_core import Elaborated, structures
from tactic_mesh.kernel.environment import Environment, InductiveInfo
from tactic_mesh.kernel.expr import (
    PROP,
    App,
    BinderInfo,
    Const,
    Expr,
    FVar,
    Lam,
    Let,
    NatLit,
    Pi,
    Sort,
    abstract,
    const_name,
    get_app_fn_args,
    instantiate1,
    lift_loose_bvars,
    mk_app,
    mk_apps,
    mk_lambda,
    mk_pi,
    replace,
)
from tactic_mesh.kernel.local_context import LocalContext
from tactic_mesh.kernel.mctx import MVarKind
from tactic_mesh.kernel.syntax import (
    Anon,
    AppS,
    Arrow,
    Ascribe,
    Binder,
    BinderTerm,
    BinOp,
    ByBlock,
    FieldAccess,
    Hole,
    Ident,
    LetS,
    ListLit,
    NotS,
    Num,
    Pos,
    Proj,
    SortS,
    Syntax,
)

BINARY_CLASS_OPS: dict[str, tuple[str, str]] = {
    "+": ("Add", "Add.add"),
    "*": ("Mul", "Mul.mul"),
    "◇": ("Magma", "Magma.op"),
    "++": ("Append", "Append.append"),
    "-": ("Sub", "Sub.sub"),
    "/": ("Div", "Div.div"),
    "%": ("Mod", "Mod.mod"),
    "^": ("Pow", "Pow.pow"),
}
RELATION_OPS: dict[str, tuple[str, str, bool]] = {
    "≤": ("LE", "LE.le", False),
    "<": ("LT", "LT.lt", False),
    "≥": ("LE", "LE.le", True),
    ">": ("LT", "LT.lt", True),
}
LOGIC_OPS = {"∧": "And", "∨": "Or", "↔": "Iff"}
ARROW_NAME = "a"


class Elaborator(AppElaboration):
    """Surface syntax to kernel terms: the term forms (binders, notation, structures)."""

    # -- entry points ------------------------------------------------------------------------

    def elab_type(self, stx: Syntax) -> Expr:
        e = self.elab(stx, None)
        self.sort_level_of(e, stx.pos)
        return e

    def elab(self, stx: Syntax, expected: Expr | None) -> Expr:
        if expected is not None:
            expected = self.instantiate(expected)
            implicit = self._implicit_lambda(stx, expected)
            if implicit is not None:
                return implicit
        return self._elab(stx, expected)

    def _implicit_lambda(self, stx: Syntax, expected: Expr) -> Expr | None:
        """Against ``∀ {x : A}, B`` a term that does not bind ``x`` itself is elaborated under an
        introduced ``fun {x : A} =>`` (Lean's implicit lambda)."""
        if isinstance(stx, (Hole, Elaborated)) or (isinstance(stx, Ident) and stx.explicit):
            return None
        if isinstance(stx, AppS) and isinstance(stx.fn, Ident) and stx.fn.explicit:
            return None
        if isinstance(stx, BinderTerm) and stx.kind == "fun" and stx.binders and stx.binders[0].bi != "default":
            return None
        t = self.whnf(expected)
        if not _is_implicit_pi(t):
            return None
        saved = self.lctx
        xs: list[tuple[str, FVar, Expr, BinderInfo]] = []
        while isinstance(t, Pi) and _is_implicit_pi(t):
            x = self.push_local(t.name, t.type, bi=t.bi)
            xs.append((t.name, x, t.type, t.bi))
            t = self.whnf(instantiate1(t.body, x))
        body = self.elab(stx, t)
        out = self.close(Lam, xs, body)
        self.lctx = saved
        return out

    def _elab(self, stx: Syntax, expected: Expr | None) -> Expr:
        if isinstance(stx, Elaborated):
            return self.ensure_has_type(stx.expr, expected, stx.pos)
        if isinstance(stx, (Ident, AppS)):
            return self.elab_app(stx, expected)
        if isinstance(stx, Num):
            return self.ensure_has_type(NatLit(stx.value), expected, stx.pos)
        if isinstance(stx, Hole):
            return self.elab_hole(stx, expected)
        if isinstance(stx, SortS):
            return self.ensure_has_type(Sort(self.elab_level(stx.level, stx.pos)), expected, stx.pos)
        if isinstance(stx, BinderTerm):
            if stx.kind == "forall":
                return self.ensure_has_type(self.elab_forall(stx), expected, stx.pos)
            if stx.kind == "exists":
                return self.ensure_has_type(self.elab_exists(stx.binders, stx.body, stx.pos), expected, stx.pos)
            return self.elab_fun(stx, expected)
        if isinstance(stx, Arrow):
            dom = self.elab_type(stx.dom)
            cod = self.instantiate(self.elab_type(stx.cod))
            arrow = Pi(ARROW_NAME, self.instantiate(dom), lift_loose_bvars(cod, 1))
            return self.ensure_has_type(arrow, expected, stx.pos)
        if isinstance(stx, LetS):
            return self.elab_let(stx, expected)
        if isinstance(stx, BinOp):
            return self.elab_binop(stx, expected)
        if isinstance(stx, NotS):
            arg = self.elab(stx.arg, PROP)
            return self.ensure_has_type(App(Const("Not"), arg), expected, stx.pos)
        if isinstance(stx, Anon):
            return self.elab_anon(stx, expected)
        if isinstance(stx, ListLit):
            return self.elab(_list_syntax(stx), expected)
        if isinstance(stx, Ascribe):
            ty = self.elab_type(stx.type)
            e = self.elab(stx.term, ty)
            return self.ensure_has_type(e, expected, stx.pos)
        if isinstance(stx, Proj):
            return self.elab_proj(stx, expected)
        if isinstance(stx, FieldAccess):
            return self.elab_field(stx.term, stx.field, stx.pos, expected)
        if isinstance(stx, ByBlock):
            raise self.error("tactic proofs (`by`) are not available in term mode; write a term", stx.pos)
        raise self.error(f"cannot elaborate {type(stx).__name__}", stx.pos)

    # -- holes -------------------------------------------------------------------------------

    def elab_hole(self, stx: Hole, expected: Expr | None) -> Expr:
        if expected is None:
            expected = self.new_type_mvar(stx.pos)
        if stx.name is None:
            return self.new_mvar(expected, pos=stx.pos)
        if stx.name == "_":  # `?_`: a fresh new goal each time
            return self.new_mvar(expected, MVarKind.SYNTHETIC_OPAQUE, "", stx.pos)
        found = self.named_holes.get(stx.name)
        if found is not None:
            return self.ensure_has_type(found, expected, stx.pos)
        m = self.new_mvar(expected, MVarKind.SYNTHETIC_OPAQUE, stx.name, stx.pos)
        self.named_holes[stx.name] = m
        return m

    # -- binders -----------------------------------------------------------------------------

    def binder_info(self, binder: Binder) -> BinderInfo:
        return {
            "default": BinderInfo.DEFAULT,
            "implicit": BinderInfo.IMPLICIT,
            "strict": BinderInfo.STRICT_IMPLICIT,
            "inst": BinderInfo.INST_IMPLICIT,
        }[binder.bi]

    def elab_binders(
        self, binders: Sequence[Binder], expected_domains: list[Expr] | None = None
    ) -> list[tuple[str, FVar, Expr, BinderInfo]]:
        out: list[tuple[str, FVar, Expr, BinderInfo]] = []
        for binder in binders:
            bi = self.binder_info(binder)
            for name in binder.names:
                if binder.type is not None:
                    ty = self.elab_type(binder.type)
                elif expected_domains:
                    ty = expected_domains.pop(0)
                else:
                    ty = self.new_type_mvar(binder.pos)
                x = self.push_local(name, ty, bi=bi)
                out.append((name, x, ty, bi))
        return out

    def close(self, kind: type[Pi] | type[Lam], xs: list[tuple[str, FVar, Expr, BinderInfo]], body: Expr) -> Expr:
        """Abstract the locals ``xs`` (Π or λ).  Holes of ``body`` whose context contains some of
        them are first re-expressed over the locals (``?m`` becomes ``?n x``), so that solving
        them later puts the solution under the binders (Lean's elimMVarDeps)."""
        body = self._elim_mvar_deps([x for _, x, _, _ in xs], self.instantiate(body))
        xs = [(n, x, self._elim_mvar_deps([y for _, y, _, _ in xs[:i]], self.instantiate(t)), bi)
              for i, (n, x, t, bi) in enumerate(xs)]
        return mk_pi(xs, body) if kind is Pi else mk_lambda(xs, body)

    def _elim_mvar_deps(self, fvars: list[FVar], e: Expr) -> Expr:
        if not fvars or not e.has_mvar:
            return e
        replacements: dict[Expr, Expr] = {}
        for m in self.mctx.unassigned_mvars(e):
            decl = self.mctx.decl(m)
            deps = [x for x in fvars if x in decl.lctx]
            if not deps or self.mctx.is_assigned(m):
                continue
            outer = LocalContext([d for d in decl.lctx if d.fvar not in deps])
            binders = [(d.user_name, d.fvar, self.instantiate(d.type), d.bi) for d in decl.lctx if d.fvar in deps]
            fn_type = mk_pi(binders, self.instantiate(decl.type))
            mctx, n = self.mctx.declare(fn_type, outer, decl.kind, decl.user_name)
            if decl.kind is MVarKind.NATURAL:
                mctx = mctx.assign(m, mk_apps(n, deps))
            else:  # a goal: solved later by its own assignment, read through the delayed one
                mctx = mctx.assign_delayed(n, deps, m)
            self.tc._set_mctx(mctx)
            replacements[m] = mk_apps(n, deps)
        if not replacements:
            return e
        def fn(sub: Expr, off: int) -> Expr | None:
            if not sub.has_mvar:
                return sub
            return replacements.get(sub)

        return replace(e, fn)

    def elab_forall(self, stx: BinderTerm) -> Expr:
        saved = self.lctx
        xs = self.elab_binders(stx.binders)
        body = self.elab_type(stx.body)
        out = self.close(Pi, xs, body)
        self.lctx = saved
        return out

    def elab_exists(self, binders: Sequence[Binder], body: Syntax, pos: Pos) -> Expr:
        saved = self.lctx
        xs = self.elab_binders(binders)
        out = self.elab(body, PROP)
        for name, x, ty, _ in reversed(xs):
            level = self.sort_level_of(ty, pos)
            lam = self.close(Lam, [(name, x, ty, BinderInfo.DEFAULT)], out)
            out = mk_app(Const("Exists", (level,)), self.instantiate(ty), lam)
        self.lctx = saved
        return out

    def elab_fun(self, stx: BinderTerm, expected: Expr | None) -> Expr:
        saved = self.lctx
        xs: list[tuple[str, FVar, Expr, BinderInfo]] = []
        exp = expected
        for binder in stx.binders:
            bi = self.binder_info(binder)
            for name in binder.names:
                exp_pi = self.whnf(exp) if exp is not None else None
                if binder.type is not None:
                    ty = self.elab_type(binder.type)
                    if isinstance(exp_pi, Pi) and not self.is_def_eq(ty, exp_pi.type):
                        raise self.error(
                            f"binder '{name}' has type {self.show(ty)} but {self.show(exp_pi.type)} "
                            f"is expected",
                            binder.type.pos if binder.type.pos.line else stx.pos,
                        )
                elif isinstance(exp_pi, Pi):
                    ty = exp_pi.type
                else:
                    ty = self.new_type_mvar(binder.pos if binder.pos.line else stx.pos)
                if isinstance(exp_pi, Pi) and binder.bi == "default":
                    bi = exp_pi.bi if exp_pi.bi is not BinderInfo.DEFAULT else bi
                x = self.push_local(name, ty, bi=bi)
                xs.append((name, x, ty, bi))
                exp = instantiate1(exp_pi.body, x) if isinstance(exp_pi, Pi) else None
        body = self.elab(stx.body, exp)
        out = self.close(Lam, xs, body)
        self.lctx = saved
        return self.ensure_has_type(out, expected, stx.pos)

    def elab_let(self, stx: LetS, expected: Expr | None) -> Expr:
        ty = self.elab_type(stx.type) if stx.type is not None else None
        value = self.elab(stx.value, ty)
        if ty is None:
            ty = self.infer(value)
        saved = self.lctx
        x = self.push_local(stx.name, ty, value)
        body = self.elab(stx.body, expected)
        body = self.instantiate(body)
        self.lctx = saved
        return Let(stx.name, self.instantiate(ty), self.instantiate(value), abstract(body, [x]))

    # -- operators ---------------------------------------------------------------------------

    def elab_binop(self, stx: BinOp, expected: Expr | None) -> Expr:
        op = stx.op
        if op in LOGIC_OPS:
            lhs = self.elab(stx.lhs, PROP)
            rhs = self.elab(stx.rhs, PROP)
            return self.ensure_has_type(mk_app(Const(LOGIC_OPS[op]), lhs, rhs), expected, stx.pos)
        if op in ("=", "≠"):
            lhs, rhs, ty = self.elab_operands(stx, None)
            level = self.sort_level_of(ty, stx.pos)
            head = Const("Eq", (level,)) if op == "=" else Const("Ne", (level,))
            return self.ensure_has_type(mk_app(head, ty, lhs, rhs), expected, stx.pos)
        if op in RELATION_OPS:
            cls, fn, swap = RELATION_OPS[op]
            lhs, rhs, ty = self.elab_operands(stx, None)
            if swap:
                lhs, rhs = rhs, lhs
            out = self.class_op(cls, fn, ty, [lhs, rhs], stx.pos)
            return self.ensure_has_type(out, expected, stx.pos)
        if op in BINARY_CLASS_OPS:
            cls, fn = BINARY_CLASS_OPS[op]
            exp = expected if expected is not None and not isinstance(self.whnf(expected), Sort) else None
            lhs, rhs, ty = self.elab_operands(stx, exp)
            out = self.class_op(cls, fn, ty, [lhs, rhs], stx.pos)
            return self.ensure_has_type(out, expected, stx.pos)
        raise self.error(f"unknown operator {op}", stx.pos)  # pragma: no cover

    def elab_operands(self, stx: BinOp, expected: Expr | None) -> tuple[Expr, Expr, Expr]:
        # a numeral on the left takes its type from the right operand when that one is known
        if isinstance(stx.lhs, Num) and not isinstance(stx.rhs, Num) and expected is None:
            rhs = self.elab(stx.rhs, None)
            ty = self.infer(rhs)
            lhs = self.elab(stx.lhs, ty)
            return lhs, rhs, ty
        lhs = self.elab(stx.lhs, expected)
        ty = self.infer(lhs)
        rhs = self.elab(stx.rhs, ty)
        return lhs, rhs, self.instantiate(ty)

    def class_op(self, cls: str, fn: str, ty: Expr, args: list[Expr], pos: Pos) -> Expr:
        info = self.env.find(fn)
        if info is None:
            raise self.error(f"notation needs '{fn}', which is not declared", pos)
        self.sort_level_of(ty, pos)  # the carrier must be a type
        # the class' universe parameter is the one of its carrier: Sort (u+1) = Type u
        levels = tuple(self.new_level_mvar() for _ in info.level_params)
        head = Const(fn, levels)
        inst = self.new_mvar(mk_app(Const(cls, levels), ty), MVarKind.SYNTHETIC, pos=pos)
        self.pending_instances.append((inst, pos))
        out = mk_apps(head, [ty, inst, *args])
        # make the universe agree with the carrier
        fn_type = self.infer(Const(fn, levels))
        if isinstance(fn_type, Pi) and not self.is_def_eq(fn_type.type, self.infer(ty)):
            raise self.error(f"'{fn}' cannot be used at type {self.show(ty)}", pos)
        self.synthesize_pending(ready_only=True)
        return self.instantiate(out)

    # -- anonymous constructors, lists, projections ------------------------------------------

    def structure_of(self, type_: Expr, pos: Pos, what: str) -> tuple[InductiveInfo, Const, list[Expr]]:
        t = self.whnf(type_)
        head, args = get_app_fn_args(t)
        info = self.env.find(head.name) if isinstance(head, Const) else None
        if not isinstance(info, InductiveInfo) or not isinstance(head, Const):
            raise self.error(f"{what}: the type {self.show(t)} is not an inductive type", pos)
        return info, head, args

    def elab_anon(self, stx: Anon, expected: Expr | None) -> Expr:
        if expected is None:
            raise self.error("anonymous constructor ⟨…⟩: the expected type is not known", stx.pos)
        info, _, _ = self.structure_of(expected, stx.pos, "anonymous constructor ⟨…⟩")
        if len(info.constructors) != 1:
            raise self.error(
                f"anonymous constructor ⟨…⟩: '{info.name}' has {len(info.constructors)} constructors, "
                f"expected exactly one",
                stx.pos,
            )
        ctor = info.constructors[0]
        ctor_info = self.env.find(ctor)
        assert ctor_info is not None
        explicit = _explicit_arity(ctor_info.type, info.num_params)
        items = list(stx.items)
        if len(items) > explicit and explicit > 0:
            items = [*items[: explicit - 1], Anon(tuple(items[explicit - 1 :]), pos=items[explicit - 1].pos)]
        if len(items) != explicit:
            raise self.error(
                f"anonymous constructor ⟨…⟩ for '{info.name}' needs {explicit} components, got {len(items)}",
                stx.pos,
            )
        return self.elab_app(AppS(Ident(ctor, pos=stx.pos), tuple((None, i) for i in items), pos=stx.pos), expected)

    def elab_proj(self, stx: Proj, expected: Expr | None) -> Expr:
        e = self.elab(stx.term, None)
        info, _, _ = self.structure_of(self.infer(e), stx.pos, f"projection .{stx.index}")
        fields = structures(self.env).get(info.name)
        if fields is None:
            raise self.error(f"projection .{stx.index}: '{info.name}' is not a structure", stx.pos)
        if not 1 <= stx.index <= len(fields[1]):
            raise self.error(
                f"projection .{stx.index}: '{info.name}' has {len(fields[1])} fields", stx.pos
            )
        return self.elab_field(Elaborated(e, pos=stx.pos), fields[1][stx.index - 1], stx.pos, expected)

    def elab_field(self, term: Syntax, field: str, pos: Pos, expected: Expr | None) -> Expr:
        e = term.expr if isinstance(term, Elaborated) else self.elab(term, None)
        ty = self.whnf(self.infer(e))
        head = get_app_fn_args(ty)[0]
        if not isinstance(head, Const):
            raise self.error(f"invalid field notation .{field}: the type {self.show(ty)} is not a named type", pos)
        fn_name = f"{head.name}.{field}"
        info = self.env.find(fn_name)
        if info is None:
            raise self.error(f"invalid field notation: unknown constant '{fn_name}'", pos)
        # pass e as the first explicit argument whose type is headed by the structure
        t = info.type
        while isinstance(t, Pi):
            if t.bi is BinderInfo.DEFAULT and const_name(t.type) == head.name:
                return self.elab_app(
                    AppS(Ident(fn_name, pos=pos), ((t.name, Elaborated(e, pos=pos)),), pos=pos), expected
                )
            t = t.body
        raise self.error(f"invalid field notation: '{fn_name}' takes no explicit argument of type {head.name}", pos)


def _is_implicit_pi(t: Expr) -> bool:
    return isinstance(t, Pi) and t.bi is not BinderInfo.DEFAULT

def _explicit_arity(ctor_type: Expr, num_params: int) -> int:
    t = ctor_type
    n = 0
    i = 0
    while isinstance(t, Pi):
        if i >= num_params and t.bi is BinderInfo.DEFAULT:
            n += 1
        i += 1
        t = t.body
    return n

def _list_syntax(stx: ListLit) -> Syntax:
    out: Syntax = Ident("List.nil", pos=stx.pos)
    for item in reversed(stx.items):
        out = AppS(Ident("List.cons", pos=item.pos), ((None, item), (None, out)), pos=item.pos)
    return out

def elaborate_closed(
    env: Environment, stx: Syntax, expected: Expr | None = None, filename: str = "<term>"
) -> tuple[Expr, Expr]:
    """Elaborate a closed term; returns (term, type) with every hole solved."""
    el = Elaborator(env, filename)
    e = el.elab(stx, expected)
    el.synthesize_pending()
    e = el.instantiate(e)
    ty = el.instantiate(el.infer(e))
    for what, x in (("term", e), ("type", ty)):
        if x.has_mvar or x.has_level_mvar:
            raise el.error(f"could not determine every part of the {what} (unsolved metavariables)", stx.pos)
    return e, ty
