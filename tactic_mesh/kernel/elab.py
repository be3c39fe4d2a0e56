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

import attrs

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.environment import Environment, InductiveInfo, RecursorInfo
from tactic_mesh.kernel.errors import ElabError, KernelError, KernelLimitError, Location, UnifyError
from tactic_mesh.kernel.expr import (
    PROP,
    App,
    BinderInfo,
    Const,
    Expr,
    FVar,
    Lam,
    Let,
    MVar,
    NatLit,
    Pi,
    Sort,
    abstract,
    get_app_fn_args,
    instantiate1,
    instantiate_level_params,
    lift_loose_bvars,
    mk_app,
    mk_apps,
    mk_lambda,
    mk_pi,
)
from tactic_mesh.kernel.level import Level
from tactic_mesh.kernel.local_context import LocalContext, LocalDecl
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.printer import Printer
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
    LevelS,
    ListLit,
    NotS,
    Num,
    Pos,
    Proj,
    SortS,
    Syntax,
)
from tactic_mesh.kernel.unify import MetaChecker

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
NOWHERE = Pos(0, 0)
MAX_INSTANCE_DEPTH = 16

# elaboration metadata kept in the environment's (untrusted) extensions
EXT_CLASSES = "classes"  # frozenset of class names
EXT_INSTANCES = "instances"  # tuple of (instance constant, class name), newest last
EXT_STRUCTURES = "structures"  # dict: name → (constructor, field names)
EXT_ATTRIBUTES = "attributes"  # dict: attribute → tuple of constant names


@attrs.frozen
class Elaborated(Syntax):
    """Internal syntax node wrapping an already elaborated expression."""

    expr: Expr


def classes(env: Environment) -> frozenset[str]:
    value = env.extension(EXT_CLASSES, frozenset())
    assert isinstance(value, frozenset)
    return value


def instances(env: Environment) -> tuple[tuple[str, str], ...]:
    value = env.extension(EXT_INSTANCES, ())
    assert isinstance(value, tuple)
    return value


def structures(env: Environment) -> dict[str, tuple[str, tuple[str, ...]]]:
    value = env.extension(EXT_STRUCTURES, {})
    assert isinstance(value, dict)
    return value


class Elaborator:
    def __init__(
        self,
        env: Environment,
        filename: str = "<input>",
        level_params: Sequence[str] = (),
        auto_bound_levels: bool = True,
    ) -> None:
        self.env = env
        self.filename = filename
        self.level_params: list[str] = list(level_params)
        self.auto_bound_levels = auto_bound_levels
        self.lctx = LocalContext()
        self.tc = MetaChecker(env, MetavarContext())
        self.pending_instances: list[tuple[MVar, Pos]] = []
        self.hole_positions: dict[int, Pos] = {}
        self.named_holes: dict[str, MVar] = {}
        self.uses_sorry = False

    # -- utilities -------------------------------------------------------------------------

    @property
    def mctx(self) -> MetavarContext:
        return self.tc.mctx

    def error(self, message: str, pos: Pos) -> ElabError:
        return ElabError(message, Location(self.filename, pos.line, pos.col) if pos.line else None)

    def instantiate(self, e: Expr) -> Expr:
        return self.tc.mctx.instantiate(e)

    def show(self, e: Expr) -> str:
        names = {d.fvar: d.user_name for d in self.lctx}
        holes = {m.id: name for name, m in self.named_holes.items()}
        printer = Printer(self.env, names, mvar_names=holes)
        try:
            return printer.print(self.instantiate(e))
        except Exception:  # pragma: no cover - printing must not hide the real error
            return repr(e)

    def push_local(self, name: str, type_: Expr, value: Expr | None = None,
                   bi: BinderInfo = BinderInfo.DEFAULT) -> FVar:
        self.lctx, fvar = self.lctx.mk_local(name, type_, value, bi)
        self.tc.lctx[fvar] = self.lctx.find(fvar)  # type: ignore[assignment]
        return fvar

    def new_mvar(self, type_: Expr, kind: MVarKind = MVarKind.NATURAL, name: str = "",
                 pos: Pos | None = None) -> MVar:
        mctx, m = self.tc.mctx.declare(type_, self.lctx, kind, name)
        self.tc._set_mctx(mctx)
        if pos is not None:
            self.hole_positions[m.id] = pos
        return m

    def new_level_mvar(self) -> Level:
        mctx, u = self.tc.mctx.declare_level()
        self.tc._set_mctx(mctx)
        return u

    def new_type_mvar(self, pos: Pos | None = None) -> MVar:
        return self.new_mvar(Sort(self.new_level_mvar()), pos=pos)

    def whnf(self, e: Expr) -> Expr:
        return self.tc.whnf(self.instantiate(e))

    def infer(self, e: Expr) -> Expr:
        try:
            return self.instantiate(self.tc.infer(self.instantiate(e)))
        except KernelError as err:
            raise ElabError(err.message) from None

    def is_def_eq(self, a: Expr, b: Expr) -> bool:
        try:
            return self.tc.is_def_eq(self.instantiate(a), self.instantiate(b))
        except KernelLimitError as err:
            raise ElabError(err.message) from None
        except KernelError:
            return False

    def sort_level_of(self, type_: Expr, pos: Pos) -> Level:
        t = self.whnf(self.infer(type_))
        if isinstance(t, Sort):
            return t.level
        if isinstance(t, MVar):
            u = self.new_level_mvar()
            if self.is_def_eq(t, Sort(u)):
                return u
        raise self.error(f"type expected, but {self.show(type_)} has type {self.show(t)}", pos)

    def ensure_has_type(self, e: Expr, expected: Expr | None, pos: Pos) -> Expr:
        if expected is None:
            return e
        actual = self.infer(e)
        if self.is_def_eq(actual, expected):
            return e
        self.synthesize_pending()
        if self.is_def_eq(actual, expected):
            return e
        raise self.error(
            f"type mismatch: {self.show(e)} has type {self.show(actual)} "
            f"but is expected to have type {self.show(expected)}",
            pos,
        )

    # -- levels ------------------------------------------------------------------------------

    def elab_level(self, stx: LevelS, pos: Pos) -> Level:
        if stx.kind == "num":
            return lv.level_of_int(int(stx.value))
        if stx.kind == "name":
            name = str(stx.value)
            if name == "_":
                return self.new_level_mvar()
            if name not in self.level_params:
                if not self.auto_bound_levels:
                    raise self.error(f"unknown universe level '{name}'", pos)
                self.level_params.append(name)
            return lv.LParam(name)
        if stx.kind == "succ":
            return lv.level_of_int(int(stx.value), self.elab_level(stx.args[0], pos))
        if stx.kind == "max":
            return lv.LMax(self.elab_level(stx.args[0], pos), self.elab_level(stx.args[1], pos))
        if stx.kind == "imax":
            return lv.LIMax(self.elab_level(stx.args[0], pos), self.elab_level(stx.args[1], pos))
        raise self.error(f"bad universe level {stx!r}", pos)  # pragma: no cover

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
        body = self.instantiate(body)
        xs = [(n, x, self.instantiate(t), bi) for n, x, t, bi in xs]
        return mk_pi(xs, body) if kind is Pi else mk_lambda(xs, body)

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
        level = self.sort_level_of(ty, pos)
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
        del level
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
            if t.bi is BinderInfo.DEFAULT and _head_name(t.type) == head.name:
                return self.elab_app(
                    AppS(Ident(fn_name, pos=pos), ((t.name, Elaborated(e, pos=pos)),), pos=pos), expected
                )
            t = t.body
        raise self.error(f"invalid field notation: '{fn_name}' takes no explicit argument of type {head.name}", pos)

    # -- applications ------------------------------------------------------------------------

    def resolve_ident(self, stx: Ident) -> tuple[Expr, Syntax | None]:
        """A local variable or a constant; or (e, field) for ``x.f`` on a local ``x``."""
        decl = self.lctx.find_by_name(stx.name)
        if decl is not None and stx.levels is None:
            return decl.fvar, None
        if stx.name == "sorry":
            self.uses_sorry = True
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
        abstracted = _kabstract_many(body, targets)
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

    # -- instances ---------------------------------------------------------------------------

    def synthesize_pending(self, ready_only: bool = False) -> None:
        progress = True
        while progress:
            progress = False
            remaining: list[tuple[MVar, Pos]] = []
            for m, pos in self.pending_instances:
                if self.mctx.is_assigned(m):
                    value = self.instantiate(m)
                    remaining_check = self.check_instance_value(m, value, pos)
                    del remaining_check
                    continue
                goal = self.instantiate(self.mctx.decl(m).type)
                if goal.has_mvar:
                    remaining.append((m, pos))
                    continue
                found = self.synth_instance(goal, MAX_INSTANCE_DEPTH)
                if found is None:
                    raise self.error(f"failed to synthesize instance {self.show(goal)}", pos)
                self.tc.assign(m, found)
                progress = True
            self.pending_instances = remaining
        if not ready_only:
            for a, b in self.tc.solve_postponed_levels():
                if not (lv.has_mvar(a) or lv.has_mvar(b)):
                    raise self.error(f"universe level mismatch: {a} ≠ {b}", NOWHERE)
            for m, pos in self.pending_instances:
                goal = self.instantiate(self.mctx.decl(m).type)
                raise self.error(
                    f"typeclass instance problem is stuck: {self.show(goal)} (add a type ascription)", pos
                )

    def check_instance_value(self, m: MVar, value: Expr, pos: Pos) -> bool:
        return True

    def synth_instance(self, goal: Expr, depth: int) -> Expr | None:
        if depth <= 0:
            return None
        goal = self.instantiate(goal)
        cls = _head_name(self.whnf(goal) if _head_name(goal) not in classes(self.env) else goal)
        candidates: list[Expr] = []
        for decl in reversed(self.lctx):
            if _head_name(self.instantiate(decl.type)) == cls:
                candidates.append(decl.fvar)
        for inst_name, inst_cls in reversed(instances(self.env)):
            if inst_cls == cls:
                info = self.env.find(inst_name)
                if info is not None:
                    candidates.append(Const(inst_name, tuple(self.new_level_mvar() for _ in info.level_params)))
        for cand in candidates:
            saved = self.tc.mctx
            result = self._try_instance(cand, goal, depth)
            if result is not None:
                return result
            self.tc._restore(saved)
        return None

    def _try_instance(self, cand: Expr, goal: Expr, depth: int) -> Expr | None:
        t = self.infer(cand)
        value = cand
        subgoals: list[MVar] = []
        while True:
            t = t if isinstance(t, Pi) else self.whnf(t)
            if not isinstance(t, Pi):
                break
            m = self.new_mvar(t.type, MVarKind.NATURAL)
            if t.bi is BinderInfo.INST_IMPLICIT:
                subgoals.append(m)
            value = App(value, m)
            t = instantiate1(t.body, m)
        if not self.is_def_eq(t, goal):
            return None
        for sub in subgoals:
            sub_goal = self.instantiate(self.mctx.decl(sub).type)
            found = self.synth_instance(sub_goal, depth - 1)
            if found is None or not self.is_def_eq(sub, found):
                return None
        value = self.instantiate(value)
        return None if value.has_mvar else value


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _is_implicit_pi(t: Expr) -> bool:
    return isinstance(t, Pi) and t.bi is not BinderInfo.DEFAULT


def _head_name(e: Expr) -> str | None:
    head = get_app_fn_args(e)[0]
    return head.name if isinstance(head, Const) else None


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


def _kabstract_many(e: Expr, targets: Sequence[Expr]) -> Expr:
    """Replace occurrences of ``targets`` (outermost first) by bound variables, like ``abstract``."""
    from tactic_mesh.kernel.expr import BVar, replace

    n = len(targets)
    position = {t: i for i, t in enumerate(targets)}

    def fn(sub: Expr, off: int) -> Expr | None:
        i = position.get(sub)
        if i is not None:
            return BVar(off + n - 1 - i)
        return None

    return replace(e, fn)


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


__all__ = [
    "EXT_ATTRIBUTES",
    "EXT_CLASSES",
    "EXT_INSTANCES",
    "EXT_STRUCTURES",
    "Elaborated",
    "Elaborator",
    "Let",
    "LocalDecl",
    "elaborate_closed",
    "instantiate_level_params",
]
