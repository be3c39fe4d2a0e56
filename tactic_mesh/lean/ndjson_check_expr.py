"""Translating an export's Lean expressions into kernel expressions (for ``ndjson_check``).

Two stages.  **Stage 1** (``ExprTranslator.expr``) is context-free and memoised by expression id:
``bvar sort const app lam forallE letE`` map one to one (``letE``'s ``nondep`` flag is dropped),
``natVal`` becomes ``NatLit``, ``mdata`` is stripped, a ``strVal`` is expanded as Lean's kernel
expands it (``String.mk`` — or ``String.ofList`` where ``String`` is byte-based — of
``List.cons.{0} Char (Char.ofNat c) … (List.nil.{0} Char)``), and ``proj S i e`` becomes a
*placeholder* application ``⟨proj S i⟩ e'`` that no kernel term may contain.

**Stage 2** (``ProjectionResolver.resolve``) replaces each placeholder, inside the binders it sits
under, by ``S..proj.i p₁ … pₙ e'``: the parameters ``pₖ`` are read off the weak head normal form
of the type of ``e'`` (which must be ``S p₁ … pₙ``, as Lean's kernel requires of a projection),
and ``S..proj.i`` is a definition generated from ``S.rec`` and admitted by the kernel
(``projection_definition``):

    S..proj.i : {params} → (self : S params) → Tᵢ[S..proj.j params self / fⱼ]
              := fun {params} self => S.rec (motive := fun self => Tᵢ[…]) (fun f₀ … fₙ => fᵢ) self

so ``S..proj.i ps (S.mk ps' as)`` reduces to ``aᵢ`` by iota, exactly as Lean's projection does,
and dependent fields are typed by substituting the earlier projections (Lean's ``infer_proj``).
The names contain an empty component (``..``), which ``ndjson.name_to_str`` never produces, so
they cannot clash with an exported constant.

Nothing here is trusted: a wrong translation only produces a term the kernel then checks.
"""

from __future__ import annotations

from collections.abc import Sequence

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.environment import (
    ConstructorInfo,
    DefinitionDecl,
    Environment,
    InductiveInfo,
    RecursorInfo,
    Reducibility,
)
from tactic_mesh.kernel.errors import KernelError, TacticMeshError
from tactic_mesh.kernel.expr import (
    App,
    BinderInfo,
    Binding,
    BVar,
    Const,
    Expr,
    FVar,
    Lam,
    Let,
    NatLit,
    Pi,
    Sort,
    abstract,
    get_app_fn_args,
    has_loose_bvar,
    instantiate1,
    instantiate_rev,
    lower_loose_bvars,
    mk_apps,
    mk_lambda,
    mk_pi,
)
from tactic_mesh.kernel.typechecker import TypeChecker, is_prop_sort
from tactic_mesh.lean.ndjson import (
    Export,
    ExprApp,
    ExprBVar,
    ExprConst,
    ExprForall,
    ExprLam,
    ExprLet,
    ExprMData,
    ExprNatLit,
    ExprProj,
    ExprSort,
    ExprStrLit,
)

# flags of translated expressions (per expression id)
HAS_PROJ = 1
HAS_NAT_LIT = 2
HAS_STR_LIT = 4

_PLACEHOLDER = "\u27e8proj\u27e9"  # ⟨proj⟩: the prefix of placeholder constants (never a kernel name)


class Rejected(TacticMeshError):
    """The declaration being translated is wrong (Lean's kernel rejects it too)."""


class Declined(TacticMeshError):
    """The declaration uses something this kernel cannot express; ``feature`` names it."""

    def __init__(self, feature: str, message: str) -> None:
        super().__init__(message)
        self.feature = feature


def projection_name(struct: str, idx: int) -> str:
    """The generated projection definition for field ``idx`` (0-based, as in ``proj``) of ``struct``."""
    return f"{struct}..proj.{idx}"


def is_placeholder(name: str) -> bool:
    return name.startswith(_PLACEHOLDER)


class ExprTranslator:
    """Stage 1: export expressions → kernel expressions, memoised by id (shared by all declarations)."""

    def __init__(self, export: Export) -> None:
        self.export = export
        self.cache: dict[int, Expr] = {}
        self.flags: dict[int, int] = {}
        self.placeholders: dict[str, tuple[str, int]] = {}  # placeholder constant name -> (S, idx)
        self.proj_nodes: set[Expr] = set()  # kernel nodes that contain a placeholder
        self._strings: dict[str, Expr] = {}

    def name(self, name_id: int) -> str:
        return self.export.name_str(name_id)

    def level(self, level_id: int) -> lv.Level:
        return self.export.level(level_id)

    def expr(self, root: int, env: Environment) -> Expr:
        """The kernel form of expression ``root`` (placeholders for projections: see stage 2)."""
        cache = self.cache
        hit = cache.get(root)
        if hit is not None:
            return hit
        exprs = self.export.exprs
        stack = [root]
        while stack:
            eid = stack[-1]
            if eid in cache:
                stack.pop()
                continue
            record = exprs.get(eid)
            if record is None:
                raise Rejected(f"expression {eid} is not defined")
            deps = _children(record)
            missing = [d for d in deps if d not in cache]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            out, flags = self._build(record, env)
            for d in deps:
                flags |= self.flags[d]
            if flags & HAS_PROJ:
                self.proj_nodes.add(out)
            cache[eid] = out
            self.flags[eid] = flags
        return cache[root]

    def _build(self, record: object, env: Environment) -> tuple[Expr, int]:
        c = self.cache
        if isinstance(record, ExprBVar):
            return BVar(record.idx), 0
        if isinstance(record, ExprSort):
            return Sort(self.level(record.level)), 0
        if isinstance(record, ExprConst):
            return Const(self.name(record.name), tuple(self.level(u) for u in record.levels)), 0
        if isinstance(record, ExprApp):
            return App(c[record.fn], c[record.arg]), 0
        if isinstance(record, ExprLam):
            return Lam(self.name(record.name), c[record.type], c[record.body], record.binder_info), 0
        if isinstance(record, ExprForall):
            return Pi(self.name(record.name), c[record.type], c[record.body], record.binder_info), 0
        if isinstance(record, ExprLet):
            return Let(self.name(record.name), c[record.type], c[record.value], c[record.body]), 0
        if isinstance(record, ExprNatLit):
            return NatLit(record.value), HAS_NAT_LIT
        if isinstance(record, ExprStrLit):
            return self.string(record.value, env), HAS_STR_LIT | HAS_NAT_LIT
        if isinstance(record, ExprMData):
            return c[record.expr], 0
        if isinstance(record, ExprProj):
            struct = self.name(record.type_name)
            key = f"{_PLACEHOLDER}{record.idx}:{struct}"
            self.placeholders[key] = (struct, record.idx)
            return App(Const(key), c[record.struct]), HAS_PROJ
        raise Rejected(f"unknown expression record {type(record).__name__}")  # pragma: no cover

    def string(self, value: str, env: Environment) -> Expr:
        """A string literal as Lean's kernel unfolds it (``String.mk`` of the list of its characters)."""
        hit = self._strings.get(value)
        if hit is not None:
            return hit
        head = string_constructor(env)
        for needed in ("Char", "Char.ofNat", "List.nil", "List.cons"):
            if needed not in env:
                raise Rejected(f"a string literal needs the constant '{needed}', which is not declared")
        char = Const("Char")
        of_nat = Const("Char.ofNat")
        cons = App(Const("List.cons", (lv.ZERO,)), char)
        out: Expr = App(Const("List.nil", (lv.ZERO,)), char)
        for ch in reversed(value):
            out = App(App(cons, App(of_nat, NatLit(ord(ch)))), out)
        result = App(Const(head), out)
        self._strings[value] = result
        return result


def string_constructor(env: Environment) -> str:
    """``String.mk`` when it is ``String``'s constructor (``String`` as a ``List Char``), else
    ``String.ofList`` when declared (byte-based ``String``); rejected when neither is."""
    if isinstance(env.find("String.mk"), ConstructorInfo):
        return "String.mk"
    if env.find("String.ofList") is not None:
        return "String.ofList"
    raise Rejected("a string literal needs the constant 'String.mk' (String's constructor), which is not declared")


def _children(record: object) -> tuple[int, ...]:
    if isinstance(record, ExprApp):
        return (record.fn, record.arg)
    if isinstance(record, ExprLam | ExprForall):
        return (record.type, record.body)
    if isinstance(record, ExprLet):
        return (record.type, record.value, record.body)
    if isinstance(record, ExprMData):
        return (record.expr,)
    if isinstance(record, ExprProj):
        return (record.struct,)
    return ()


# ---------------------------------------------------------------------------------------------
# Stage 2: projections
# ---------------------------------------------------------------------------------------------


class Projections:
    """The generated projection definitions of one check, admitted by the kernel on first use."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, int], str | Exception] = {}
        self.generated: list[str] = []  # in admission order

    def get(self, env: Environment, struct: str, idx: int) -> tuple[Environment, str]:
        """The name of the projection of field ``idx`` of ``struct`` and the environment that has it
        (the given one, or that extended with it and with the projections it depends on)."""
        known = self.made.get((struct, idx))
        if isinstance(known, str):
            return env, known
        if known is not None:
            raise known
        try:
            env, name = self._make(env, struct, idx)
        except (Rejected, Declined) as err:
            self.made[(struct, idx)] = err
            raise
        self.made[(struct, idx)] = name
        return env, name

    def _make(self, env: Environment, struct: str, idx: int) -> tuple[Environment, str]:
        ind, ctor, rec = structure_like(env, struct)
        if idx >= ctor.num_fields:
            raise Rejected(f"invalid projection: '{struct}' has {ctor.num_fields} field(s), not a field {idx}")
        tc = TypeChecker(env, level_params=ind.level_params)
        levels = tuple(lv.LParam(u) for u in ind.level_params)
        t = ctor.type
        params: list[tuple[str, FVar, Expr, BinderInfo]] = []
        for _ in range(ind.num_params):
            t = tc.whnf(t)
            if not isinstance(t, Pi):
                raise Rejected(f"invalid projection: the constructor of '{struct}' lacks its parameters")
            x = tc.push_local(t.name, t.type)
            params.append((t.name, x, t.type, BinderInfo.IMPLICIT))
            t = instantiate1(t.body, x)
        param_vars = [p[1] for p in params]
        self_type = mk_apps(Const(struct, levels), param_vars)
        self_var = tc.push_local("self", self_type)
        fields, _ = tc.telescope(t, ctor.num_fields)
        # the field's type, earlier fields it depends on replaced by their projections
        u = t
        for j in range(idx):
            u = tc.whnf(u)
            assert isinstance(u, Pi)
            if has_loose_bvar(u.body, 0):
                env, earlier = self.get(env, struct, j)
                tc.env = env
                u = instantiate1(u.body, mk_apps(Const(earlier, levels), [*param_vars, self_var]))
            else:
                u = lower_loose_bvars(u.body, 1, 0)
        u = tc.whnf(u)
        assert isinstance(u, Pi)
        field_type = u.type
        sort = tc.ensure_sort(tc.infer(field_type, infer_only=True))
        rec_levels: tuple[lv.Level, ...]
        if rec.large_elim:
            rec_levels = (sort.level, *levels)
        elif is_prop_sort(sort):
            rec_levels = levels
        else:
            raise Rejected(
                f"invalid projection: '{struct}' is a proposition and its field {idx} is not a proof "
                f"(a proof eliminates only into Prop)"
            )
        motive = Lam("self", self_type, abstract(field_type, [self_var]))
        minor = mk_lambda(fields, fields[idx][1])
        body = mk_apps(Const(rec.name, rec_levels), [*param_vars, motive, minor, self_var])
        binders = [*params, ("self", self_var, self_type, BinderInfo.DEFAULT)]
        name = projection_name(struct, idx)
        decl = DefinitionDecl(name, ind.level_params, mk_pi(binders, field_type), mk_lambda(binders, body),
                              Reducibility.ABBREV)
        try:
            env = add_decl(env, decl)
        except KernelError as err:  # the kernel refuses what we generated: the structure is unusable
            raise Declined("projection", f"cannot define the projection {idx} of '{struct}': {err.message}") from None
        self.generated.append(name)
        return env, name


def structure_like(env: Environment, struct: str) -> tuple[InductiveInfo, ConstructorInfo, RecursorInfo]:
    """``struct`` as a structure-like inductive (one constructor, no indices), with its recursor."""
    ind = env.find(struct)
    if not isinstance(ind, InductiveInfo):
        raise Rejected(f"invalid projection: '{struct}' is not an inductive type")
    if len(ind.constructors) != 1:
        raise Rejected(f"invalid projection: '{struct}' has {len(ind.constructors)} constructors, not one")
    if ind.num_indices:
        raise Declined("projection", f"projection of '{struct}', a structure-like type with indices")
    ctor = env.find(ind.constructors[0])
    rec = env.find(struct + ".rec")
    assert isinstance(ctor, ConstructorInfo) and isinstance(rec, RecursorInfo)
    return ind, ctor, rec


class ProjectionResolver:
    """Stage 2 for one declaration: replaces the placeholders of stage 1 under their binders."""

    def __init__(self, translator: ExprTranslator, projections: Projections, env: Environment) -> None:
        self.tr = translator
        self.projections = projections
        self.env = env  # grows with the projection definitions admitted on the way
        self.tc = TypeChecker(env)
        self._memo: dict[tuple[Expr, tuple[FVar, ...]], Expr] = {}

    def resolve(self, e: Expr, ctx: tuple[FVar, ...] = ()) -> Expr:
        if e not in self.tr.proj_nodes:
            return e
        key = (e, ctx)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        out: Expr
        if isinstance(e, App):
            fn = e.fn
            if isinstance(fn, Const) and is_placeholder(fn.name):
                struct, idx = self.tr.placeholders[fn.name]
                out = self._project(struct, idx, self.resolve(e.arg, ctx), ctx)
            else:
                out = App(self.resolve(fn, ctx), self.resolve(e.arg, ctx))
        elif isinstance(e, Binding):
            ty = self.resolve(e.type, ctx)
            x = self.tc.push_local(e.name, instantiate_rev(ty, ctx), bi=e.bi)
            out = type(e)(e.name, ty, self.resolve(e.body, (*ctx, x)), e.bi)
        elif isinstance(e, Let):
            ty = self.resolve(e.type, ctx)
            value = self.resolve(e.value, ctx)
            x = self.tc.push_local(e.name, instantiate_rev(ty, ctx), instantiate_rev(value, ctx))
            out = Let(e.name, ty, value, self.resolve(e.body, (*ctx, x)))
        else:  # pragma: no cover - leaves never hold a placeholder
            out = e
        self._memo[key] = out
        return out

    def _project(self, struct: str, idx: int, arg: Expr, ctx: Sequence[FVar]) -> Expr:
        closed = instantiate_rev(arg, ctx)
        try:
            arg_type = self.tc.whnf(self.tc.infer(closed, infer_only=True))
        except KernelError as err:
            raise Rejected(
                f"invalid projection {idx} of '{struct}': its argument does not type: {err.message}"
            ) from None
        head, args = get_app_fn_args(arg_type)
        if not isinstance(head, Const) or head.name != struct:
            raise Rejected(f"invalid projection {idx} of '{struct}': its argument is not of type '{struct} …'")
        ind, _, _ = structure_like(self.env, struct)
        if len(args) != ind.num_params:
            raise Rejected(f"invalid projection {idx} of '{struct}': its argument's type is not fully applied")
        env, name = self.projections.get(self.env, struct, idx)
        if env is not self.env:
            self.env = env
            self.tc.env = env
        params = [abstract(a, list(ctx)) for a in args]
        return mk_apps(Const(name, head.levels), [*params, arg])
