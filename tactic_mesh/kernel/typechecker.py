"""The trusted type checker: ``infer``, ``check``, ``whnf``, ``is_def_eq``, and ``add_decl``.

This module is the only trusted component of tactic-mesh (the de Bruijn criterion).  It knows
nothing of tactics, search or metavariable assignment: the elaborator's checker
(:mod:`tactic_mesh.kernel.meta`) subclasses it and overrides the ``_mvar_*`` hooks, but a
declaration only enters an environment through :func:`add_decl`, which uses this class with
those hooks rejecting every metavariable.

Reduction: beta, delta (lazy, by definition height), iota (generated recursor rules, K-like
reduction for ``Eq``-like types), zeta, and ``Nat`` literals with arithmetic on Python ints for
``Nat.add sub mul div mod pow beq ble`` and ``succ``.  Definitional equality adds eta for
functions and proof irrelevance.
"""

from __future__ import annotations

from collections.abc import Sequence

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import (
    ConstantInfo,
    ConstructorInfo,
    DefinitionInfo,
    Environment,
    InductiveInfo,
    RecursorInfo,
    Reducibility,
)
from tactic_mesh.kernel.errors import KernelError
from tactic_mesh.kernel.expr import (
    HAS_LMVAR,
    HAS_MVAR,
    PROP,
    App,
    BinderInfo,
    Binding,
    BVar,
    Const,
    Expr,
    FVar,
    Lam,
    Let,
    MVar,
    NatLit,
    Pi,
    Sort,
    fresh_id,
    get_app_fn_args,
    instantiate1,
    instantiate_level_params,
    instantiate_rev,
    lift_loose_bvars,
    mk_app,
    mk_apps,
    mk_lambda,
    mk_pi,
    subterms,
)
from tactic_mesh.kernel.level import Level
from tactic_mesh.kernel.local_context import LocalContext, LocalDecl
from tactic_mesh.kernel.natlit import NAT_BINOPS, nat_binop, trusted_nat_op, trusted_nat_type

_VOLATILE = HAS_MVAR | HAS_LMVAR
NAT = Const("Nat")
NAT_ZERO = Const("Nat.zero")
NAT_SUCC = Const("Nat.succ")
BOOL_TRUE = Const("Bool.true")
BOOL_FALSE = Const("Bool.false")


def is_prop_sort(e: Expr) -> bool:
    """Is ``e`` the sort of propositions (``Sort l`` with ``l`` equivalent to 0, e.g. ``max 0 0``)?"""
    return e is PROP or (isinstance(e, Sort) and lv.is_equiv(e.level, lv.ZERO))


class TypeChecker:
    """Type inference, reduction and conversion in an environment and a local context."""

    def __init__(
        self,
        env: Environment,
        lctx: LocalContext | None = None,
        level_params: Sequence[str] | None = None,
    ) -> None:
        self.env = env
        self.lctx: dict[FVar, LocalDecl] = {d.fvar: d for d in (lctx or LocalContext())}
        # None: any universe parameter is accepted (used outside declarations)
        self.level_params = None if level_params is None else frozenset(level_params)
        # caches for terms without metavariables: valid whatever gets assigned later
        self._infer_cache: dict[Expr, Expr] = {}
        self._infer_only_cache: dict[Expr, Expr] = {}
        self._whnf_cache: dict[Expr, Expr] = {}
        self._whnf_core_cache: dict[Expr, Expr] = {}
        self._eq_cache: set[tuple[Expr, Expr]] = set()
        # the same for terms with metavariables: cleared whenever the assignment changes
        self._v_infer_cache: dict[Expr, Expr] = {}
        self._v_infer_only_cache: dict[Expr, Expr] = {}
        self._v_whnf_cache: dict[Expr, Expr] = {}
        self._v_whnf_core_cache: dict[Expr, Expr] = {}
        self._v_eq_cache: set[tuple[Expr, Expr]] = set()
        self._nat_ext = self._nat_extension_enabled()
        # False: unfold only reducible (``abbrev``) definitions — a restriction tactics use for
        # matching (Lean's `instances`/`reducible` transparency); the kernel always unfolds all
        self.unfold_all = True

    # -- hooks overridden by the elaborator's checker ---------------------------------------

    def _mvar_type(self, mvar: MVar) -> Expr:
        raise KernelError(f"unexpected metavariable ?m{mvar.id} in a kernel term")

    def _mvar_value(self, mvar: MVar) -> Expr | None:
        return None

    def _mvar_def_eq(self, a: Expr, b: Expr) -> bool | None:
        """Decide ``a =?= b`` where one side has a metavariable head; None: not decided here."""
        return None

    def _level_def_eq(self, a: Level, b: Level) -> bool:
        return lv.is_equiv(a, b)

    def _check_level(self, level: Level) -> None:
        if lv.has_mvar(level):
            raise KernelError(f"unexpected universe metavariable in level {level}")
        if self.level_params is not None:
            for p in lv.params_of(level):
                if p not in self.level_params:
                    raise KernelError(f"undeclared universe parameter '{p}'")

    # -- local context ---------------------------------------------------------------------

    def push_local(
        self, name: str, type: Expr, value: Expr | None = None, bi: BinderInfo = BinderInfo.DEFAULT
    ) -> FVar:
        fvar = FVar(fresh_id())
        self.lctx[fvar] = LocalDecl(fvar, name, type, value, bi)
        return fvar

    def telescope(
        self, t: Expr, limit: int | None = None, bi: BinderInfo | None = None
    ) -> tuple[list[tuple[str, FVar, Expr, BinderInfo]], Expr]:
        """Open up to ``limit`` Π-binders of ``t`` (up to whnf) as new locals; return the binders
        (name, variable, type, binder info — ``bi`` overrides the latter) and the rest."""
        binders: list[tuple[str, FVar, Expr, BinderInfo]] = []
        while limit is None or len(binders) < limit:
            w = self.whnf(t)
            if not isinstance(w, Pi):
                return binders, w
            info = w.bi if bi is None else bi
            x = self.push_local(w.name, w.type, bi=info)
            binders.append((w.name, x, w.type, info))
            t = instantiate1(w.body, x)
        return binders, t

    def local_decl(self, fvar: FVar) -> LocalDecl:
        decl = self.lctx.get(fvar)
        if decl is None:
            raise KernelError(f"unknown free variable #{fvar.id} (out of scope)")
        return decl

    # -- constants -------------------------------------------------------------------------

    def constant(self, name: str) -> ConstantInfo:
        info = self.env.find(name)
        if info is None:
            raise KernelError(f"unknown constant '{name}'")
        return info

    def instantiate_type_levels(self, info: ConstantInfo, levels: Sequence[Level]) -> Expr:
        if len(levels) != len(info.level_params):
            raise KernelError(
                f"constant '{info.name}' expects {len(info.level_params)} universe levels, "
                f"got {len(levels)}"
            )
        return instantiate_level_params(info.type, info.level_params, levels)

    # -- inference -------------------------------------------------------------------------

    def infer(self, e: Expr, infer_only: bool = False) -> Expr:
        if e.flags & _VOLATILE:
            cache = self._v_infer_only_cache if infer_only else self._v_infer_cache
        else:
            cache = self._infer_only_cache if infer_only else self._infer_cache
        hit = cache.get(e)
        if hit is not None:
            return hit
        out = self._infer(e, infer_only)
        cache[e] = out
        return out

    def _infer(self, e: Expr, infer_only: bool) -> Expr:
        if isinstance(e, BVar):
            raise KernelError(f"loose bound variable #{e.idx}")
        if isinstance(e, FVar):
            return self.local_decl(e).type
        if isinstance(e, MVar):
            return self._mvar_type(e)
        if isinstance(e, Sort):
            if not infer_only:
                self._check_level(e.level)
            return Sort(lv.LSucc(e.level))
        if isinstance(e, Const):
            info = self.constant(e.name)
            if not infer_only:
                for level in e.levels:
                    self._check_level(level)
            return self.instantiate_type_levels(info, e.levels)
        if isinstance(e, App):
            return self._infer_app(e, infer_only)
        if isinstance(e, Lam):
            return self._infer_lambda(e, infer_only)
        if isinstance(e, Pi):
            return self._infer_pi(e, infer_only)
        if isinstance(e, Let):
            return self._infer_let(e, infer_only)
        if isinstance(e, NatLit):
            if not self._nat_ext:
                raise KernelError("natural number literal used but 'Nat' is not declared")
            return NAT
        raise KernelError(f"not an expression: {e!r}")  # pragma: no cover

    def _infer_app(self, e: Expr, infer_only: bool) -> Expr:
        fn, args = get_app_fn_args(e)
        fn_type = self.infer(fn, infer_only)
        pending: list[Expr] = []  # arguments not yet substituted into fn_type
        for i, arg in enumerate(args):
            if not isinstance(fn_type, Pi):
                fn_type = self.ensure_pi(_instantiate_pending(fn_type, pending), e, i)
                pending = []
            if not infer_only:
                arg_type = self.infer(arg)
                expected = _instantiate_pending(fn_type.type, pending)
                if not self.is_def_eq(arg_type, expected):
                    raise KernelError(
                        f"application type mismatch: argument {i + 1} has type {_show(arg_type)} "
                        f"but is expected to have type {_show(expected)}"
                    )
            pending.append(arg)
            fn_type = fn_type.body
        return _instantiate_pending(fn_type, pending)

    def _infer_lambda(self, e: Lam, infer_only: bool) -> Expr:
        fvars: list[FVar] = []
        binders: list[tuple[str, Expr, BinderInfo]] = []
        cur: Expr = e
        while isinstance(cur, Lam) and (cur is e or cur.loose):
            # a closed inner abstraction is inferred on its own (and cached): long telescopes
            # of independent binders stay linear
            dom = _instantiate_fvars(cur.type, fvars)
            if not infer_only:
                self.ensure_sort(self.infer(dom), dom)
            fvars.append(self.push_local(cur.name, dom, bi=cur.bi))
            binders.append((cur.name, dom, cur.bi))
            cur = cur.body
        body = _instantiate_fvars(cur, fvars)
        out = self.infer(body, infer_only)
        return _close_pi(fvars, binders, out)

    def _infer_pi(self, e: Pi, infer_only: bool) -> Expr:
        fvars: list[FVar] = []
        levels: list[Level] = []
        cur: Expr = e
        while isinstance(cur, Pi) and (cur is e or cur.loose):
            dom = _instantiate_fvars(cur.type, fvars)
            levels.append(self.ensure_sort(self.infer(dom, infer_only), dom).level)
            fvars.append(self.push_local(cur.name, dom, bi=cur.bi))
            cur = cur.body
        body = _instantiate_fvars(cur, fvars)
        out = self.ensure_sort(self.infer(body, infer_only), body).level
        for level in reversed(levels):
            out = lv.mk_imax(level, out)
        return Sort(out)

    def _infer_let(self, e: Let, infer_only: bool) -> Expr:
        if not infer_only:
            self.ensure_sort(self.infer(e.type), e.type)
            value_type = self.infer(e.value)
            if not self.is_def_eq(value_type, e.type):
                raise KernelError(
                    f"let-value of '{e.name}' has type {_show(value_type)}, expected {_show(e.type)}"
                )
        x = self.push_local(e.name, e.type, e.value)
        return self.infer(instantiate1(e.body, x), infer_only)

    def check(self, e: Expr, expected: Expr) -> None:
        actual = self.infer(e)
        if not self.is_def_eq(actual, expected):
            raise KernelError(f"type mismatch: term has type {_show(actual)}, expected {_show(expected)}")

    def ensure_sort(self, e: Expr, term: Expr | None = None) -> Sort:
        if isinstance(e, Sort):
            return e
        reduced = self.whnf(e)
        if isinstance(reduced, Sort):
            return reduced
        raise KernelError(f"type expected, got a term of type {_show(e)}")

    def ensure_pi(self, e: Expr, app: Expr | None = None, arg_index: int = 0) -> Pi:
        if isinstance(e, Pi):
            return e
        reduced = self.whnf(e)
        if isinstance(reduced, Pi):
            return reduced
        raise KernelError(f"function expected: argument {arg_index + 1} applied to a term of type {_show(e)}")

    # -- reduction -------------------------------------------------------------------------

    def whnf_core(self, e: Expr) -> Expr:
        """Weak head normal form without delta (beta, iota, zeta, assigned metavariables)."""
        if isinstance(e, (Sort, Pi, Lam, NatLit, Const, BVar)):
            return e
        cache = self._v_whnf_core_cache if e.flags & _VOLATILE else self._whnf_core_cache
        hit = cache.get(e)
        if hit is not None:
            return hit
        out = self._whnf_core(e)
        cache[e] = out
        return out

    def _whnf_core(self, e: Expr) -> Expr:
        while True:
            if isinstance(e, FVar):
                decl = self.lctx.get(e)
                if decl is not None and decl.value is not None:
                    e = decl.value
                    continue
                return e
            if isinstance(e, MVar):
                value = self._mvar_value(e)
                if value is None:
                    return e
                e = value
                continue
            if isinstance(e, Let):
                e = instantiate1(e.body, e.value)
                continue
            if isinstance(e, App):
                fn, args = get_app_fn_args(e)
                head = self.whnf_core(fn)
                if isinstance(head, Lam):
                    i = 0
                    body: Expr = head
                    while isinstance(body, Lam) and i < len(args):
                        body = body.body
                        i += 1
                    e = mk_apps(_instantiate_pending(body, args[:i]), args[i:])
                    continue
                if isinstance(head, Const):
                    reduced = self._reduce_recursor(head, args)
                    if reduced is not None:
                        e = reduced
                        continue
                return e if head is fn else mk_apps(head, args)
            return e

    def _reduce_recursor(self, head: Const, args: list[Expr]) -> Expr | None:
        info = self.env.find(head.name)
        if not isinstance(info, RecursorInfo):
            return None
        major_idx = info.major_index
        if len(args) <= major_idx:
            return None
        major = self.whnf(args[major_idx])
        if isinstance(major, NatLit):
            major = NAT_ZERO if major.value == 0 else App(NAT_SUCC, NatLit(major.value - 1))
        ctor_head, ctor_args = get_app_fn_args(major)
        rule = None
        if isinstance(ctor_head, Const):
            rule = info.rule_for(ctor_head.name)
        if rule is None and info.k:
            k_major = self._k_major(info, args, major)
            if k_major is None:
                return None
            ctor_head, ctor_args = get_app_fn_args(k_major)
            assert isinstance(ctor_head, Const)
            rule = info.rule_for(ctor_head.name)
        if rule is None or len(ctor_args) != info.num_params + rule.num_fields:
            return None
        rhs = instantiate_level_params(rule.rhs, info.level_params, head.levels)
        prefix = args[: info.num_params + info.num_motives + info.num_minors]
        fields = ctor_args[info.num_params :]
        rest = args[major_idx + 1 :]
        return mk_apps(mk_apps(mk_apps(rhs, prefix), fields), rest)

    def _k_major(self, info: RecursorInfo, args: list[Expr], major: Expr) -> Expr | None:
        """K-like reduction: replace the major premise by the unique constructor when types agree."""
        major_type = self.whnf(self.infer(major, infer_only=True))
        ind_head, ind_args = get_app_fn_args(major_type)
        if not isinstance(ind_head, Const) or ind_head.name != info.induct:
            return None
        ctor_name = info.rules[0].constructor
        candidate = mk_apps(Const(ctor_name, ind_head.levels), ind_args[: info.num_params])
        candidate_type = self.infer(candidate, infer_only=True)
        if not self.is_def_eq(major_type, candidate_type):
            return None
        return candidate

    def whnf(self, e: Expr) -> Expr:
        if isinstance(e, (Sort, Pi, Lam, NatLit)):
            return e
        cache = self._v_whnf_cache if e.flags & _VOLATILE else self._whnf_cache
        hit = cache.get(e)
        if hit is not None:
            return hit
        cur = e
        while True:
            cur = self.whnf_core(cur)
            reduced = self._reduce_nat(cur)
            if reduced is not None:
                cur = reduced
                continue
            unfolded = self.unfold_definition(cur)
            if unfolded is None:
                break
            cur = unfolded
        cache[e] = cur
        return cur

    def _nat_extension_enabled(self) -> bool:
        return trusted_nat_type(self.env)

    def _as_nat_lit(self, e: Expr) -> int | None:
        e = self.whnf(e)
        if isinstance(e, NatLit):
            return e.value
        if e is NAT_ZERO:
            return 0
        return None

    def _reduce_nat(self, e: Expr) -> Expr | None:
        if not self._nat_ext or not isinstance(e, App):
            return None
        fn, args = get_app_fn_args(e)
        if not isinstance(fn, Const):
            return None
        if fn is NAT_SUCC and len(args) == 1:
            n = self._as_nat_lit(args[0])
            return None if n is None else NatLit(n + 1)
        if len(args) == 2 and fn.name in NAT_BINOPS and trusted_nat_op(self.env, fn.name):
            a = self._as_nat_lit(args[0])
            if a is None:
                return None
            b = self._as_nat_lit(args[1])
            if b is None:
                return None
            result = nat_binop(fn.name, a, b)
            if isinstance(result, bool):
                return BOOL_TRUE if result else BOOL_FALSE
            return NatLit(result)
        return None

    def unfold_definition(self, e: Expr) -> Expr | None:
        fn, args = get_app_fn_args(e)
        if not isinstance(fn, Const):
            return None
        info = self.env.find(fn.name)
        if not isinstance(info, DefinitionInfo) or len(fn.levels) != len(info.level_params):
            return None
        if not self.unfold_all and info.reducibility is not Reducibility.ABBREV:
            return None
        value = instantiate_level_params(info.value, info.level_params, fn.levels)
        return mk_apps(value, args)

    def _height(self, e: Expr) -> int:
        fn = e
        while isinstance(fn, App):
            fn = fn.fn
        if isinstance(fn, Const):
            info = self.env.find(fn.name)
            if isinstance(info, DefinitionInfo):
                if info.reducibility is Reducibility.ABBREV:
                    return 1 << 30
                if info.reducibility is Reducibility.IRREDUCIBLE:
                    return 0
                return info.height
        return -1

    # -- definitional equality -------------------------------------------------------------

    def is_def_eq(self, a: Expr, b: Expr) -> bool:
        if a is b:
            return True
        key = (a, b)
        cache = self._v_eq_cache if (a.flags | b.flags) & _VOLATILE else self._eq_cache
        if key in cache:
            return True
        result = self._is_def_eq(a, b)
        if result:
            cache.add(key)
        return result

    def _is_def_eq(self, a: Expr, b: Expr) -> bool:
        quick = self._quick_def_eq(a, b)
        if quick is not None:
            return quick
        decided = self._mvar_def_eq(a, b)
        if decided is not None:
            return decided
        a1, b1 = self.whnf_core(a), self.whnf_core(b)
        if a1 is not a or b1 is not b:
            if a1 is b1:
                return True
            quick = self._quick_def_eq(a1, b1)
            if quick is not None:
                return quick
            decided = self._mvar_def_eq(a1, b1)
            if decided is not None:
                return decided
        if self._proof_irrelevant(a1, b1):
            return True
        a2, b2, decided_lazy = self._lazy_delta(a1, b1)
        if decided_lazy is not None:
            return decided_lazy
        return self._def_eq_whnf(a2, b2)

    def _quick_def_eq(self, a: Expr, b: Expr) -> bool | None:
        if a is b:
            return True
        if isinstance(a, Sort) and isinstance(b, Sort):
            return self._level_def_eq(a.level, b.level)
        if isinstance(a, Binding) and type(a) is type(b):
            assert isinstance(b, Binding)
            return self._binding_def_eq(a, b)
        if isinstance(a, NatLit) and isinstance(b, NatLit):
            return a.value == b.value
        return None

    def _binding_def_eq(self, a: Binding, b: Binding) -> bool:
        fvars: list[FVar] = []
        kind = type(a)
        while isinstance(a, kind) and isinstance(b, kind):
            dom_a = _instantiate_fvars(a.type, fvars)
            if a.type is not b.type:
                dom_b = _instantiate_fvars(b.type, fvars)
                if not self.is_def_eq(dom_a, dom_b):
                    return False
            fvars.append(self.push_local(a.name, dom_a, bi=a.bi))
            a, b = a.body, b.body  # type: ignore[assignment]
        return self.is_def_eq(_instantiate_fvars(a, fvars), _instantiate_fvars(b, fvars))

    def _proof_irrelevant(self, a: Expr, b: Expr) -> bool:
        try:
            ta = self.infer(a, infer_only=True)
            if not self._is_prop(ta):
                return False
            tb = self.infer(b, infer_only=True)
        except KernelError:
            return False
        return self.is_def_eq(ta, tb)

    def _is_prop(self, type_: Expr) -> bool:
        if isinstance(type_, (Sort, Lam)):
            return False
        sort = self.whnf(self.infer(type_, infer_only=True))
        return is_prop_sort(sort)

    def _lazy_delta(self, a: Expr, b: Expr) -> tuple[Expr, Expr, bool | None]:
        while True:
            na = self._reduce_nat(a)
            nb = self._reduce_nat(b)
            if na is not None or nb is not None:
                return self.whnf(a), self.whnf(b), self.is_def_eq(self.whnf(a), self.whnf(b))
            ha, hb = self._height(a), self._height(b)
            if ha < 0 and hb < 0:
                return a, b, None
            if ha >= 0 and hb >= 0 and _same_head_const(a, b):
                # same definition on both sides: try the arguments before unfolding
                if self._args_def_eq(a, b):
                    return a, b, True
            unfold_a = ha >= hb
            unfold_b = hb >= ha
            if unfold_a:
                unfolded = self.unfold_definition(a)
                if unfolded is None:
                    return a, b, None
                a = self.whnf_core(unfolded)
            if unfold_b:
                unfolded = self.unfold_definition(b)
                if unfolded is None:
                    return a, b, None
                b = self.whnf_core(unfolded)
            quick = self._quick_def_eq(a, b)
            if quick is not None:
                return a, b, quick
            decided = self._mvar_def_eq(a, b)
            if decided is not None:
                return a, b, decided

    def _args_def_eq(self, a: Expr, b: Expr) -> bool:
        fa, xs = get_app_fn_args(a)
        fb, ys = get_app_fn_args(b)
        if len(xs) != len(ys):
            return False
        if isinstance(fa, Const) and isinstance(fb, Const):
            if fa.name != fb.name or len(fa.levels) != len(fb.levels):
                return False
            if not all(self._level_def_eq(x, y) for x, y in zip(fa.levels, fb.levels, strict=True)):
                return False
        elif not self.is_def_eq(fa, fb):
            return False
        return all(self.is_def_eq(x, y) for x, y in zip(xs, ys, strict=True))

    def _def_eq_whnf(self, a: Expr, b: Expr) -> bool:
        quick = self._quick_def_eq(a, b)
        if quick is not None:
            return quick
        if isinstance(a, Const) and isinstance(b, Const):
            return (
                a.name == b.name
                and len(a.levels) == len(b.levels)
                and all(self._level_def_eq(x, y) for x, y in zip(a.levels, b.levels, strict=True))
            )
        if isinstance(a, FVar) and isinstance(b, FVar):
            return a is b
        if isinstance(a, App) and isinstance(b, App) and self._args_def_eq(a, b):
            return True
        if self._eta(a, b) or self._eta(b, a):
            return True
        if self._nat_lit_def_eq(a, b) or self._nat_lit_def_eq(b, a):
            return True
        if self._struct_eta(a, b) or self._struct_eta(b, a):
            return True
        decided = self._mvar_def_eq(a, b)
        return bool(decided)

    def _structure_ctor(self, e: Expr) -> tuple[ConstructorInfo, InductiveInfo, Const, list[Expr]] | None:
        """``e`` as a full application of the constructor of a structure-like type
        (one constructor, no indices, not recursive)."""
        head, args = get_app_fn_args(e)
        if not isinstance(head, Const):
            return None
        ctor = self.env.find(head.name)
        if not isinstance(ctor, ConstructorInfo) or len(args) != ctor.num_params + ctor.num_fields:
            return None
        ind = self.env.find(ctor.induct)
        if not isinstance(ind, InductiveInfo) or len(ind.constructors) != 1 or ind.num_indices or ind.is_recursive:
            return None
        return ctor, ind, head, args

    def _struct_eta(self, ctor_app: Expr, other: Expr) -> bool:
        """Eta for structures: ``S.mk a₁ … aₙ ≡ x`` when each ``aᵢ ≡ (the i-th projection of x)``,
        the projection being ``S.rec (fun _ => Tᵢ) (fun f₁ … fₙ => fᵢ) x``."""
        found = self._structure_ctor(ctor_app)
        if found is None or self._structure_ctor(other) is not None:
            return False
        ctor, ind, head, args = found
        rec = self.env.find(ind.name + ".rec")
        if not isinstance(rec, RecursorInfo):
            return False
        params = args[: ctor.num_params]
        other_type = self.whnf(self.infer(other, infer_only=True))
        if not self.is_def_eq(other_type, mk_apps(Const(ind.name, head.levels), params)):
            return False
        # the constructor's field telescope, instantiated with the parameters
        t = instantiate_level_params(ctor.type, ctor.level_params, head.levels)
        for p in params:
            t = self.whnf(t)
            assert isinstance(t, Pi)
            t = instantiate1(t.body, p)
        # the fields as local variables (for the minor premises `fun f₁ … fₙ => fᵢ`)
        fields, _ = self.telescope(t, ctor.num_fields)
        if len(fields) != ctor.num_fields:
            return False
        major_type = mk_apps(Const(ind.name, head.levels), params)
        projections: list[Expr] = []
        for i in range(ctor.num_fields):
            self_t = self.whnf(t)
            assert isinstance(self_t, Pi)
            field_type = self_t.type
            sort = self.ensure_sort(self.infer(field_type, infer_only=True))
            if rec.large_elim:
                levels: tuple[Level, ...] = (sort.level, *head.levels)
            elif sort.level is lv.ZERO or lv.is_equiv(sort.level, lv.ZERO):
                levels = head.levels
            else:
                return False
            minor = mk_lambda(fields, fields[i][1])
            motive = Lam("_", major_type, lift_loose_bvars(field_type, 1))
            proj = mk_apps(Const(rec.name, levels), [*params, motive, minor, other])
            projections.append(proj)
            if not self.is_def_eq(args[ctor.num_params + i], proj):
                return False
            t = instantiate1(self_t.body, proj)
        return True

    def _eta(self, lam: Expr, other: Expr) -> bool:
        if not isinstance(lam, Lam) or isinstance(other, Lam):
            return False
        other_type = self.whnf(self.infer(other, infer_only=True))
        if not isinstance(other_type, Pi):
            return False
        expanded = Lam(lam.name, other_type.type, App(other, BVar(0)), lam.bi)
        # other was closed under this binder, so lift is not needed for its loose bvars (none)
        return self.is_def_eq(lam, expanded)

    def _nat_lit_def_eq(self, a: Expr, b: Expr) -> bool:
        if not self._nat_ext or not isinstance(a, NatLit):
            return False
        if a.value == 0:
            return b is NAT_ZERO
        fn, args = get_app_fn_args(b)
        if fn is NAT_SUCC and len(args) == 1:
            return self.is_def_eq(NatLit(a.value - 1), args[0])
        return False


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _instantiate_pending(body: Expr, args: Sequence[Expr]) -> Expr:
    """Substitute ``args`` (outermost first) for the loose variables of a telescope body."""
    return instantiate_rev(body, args)


def _instantiate_fvars(e: Expr, fvars: Sequence[FVar]) -> Expr:
    return _instantiate_pending(e, fvars)


def _close_pi(fvars: Sequence[FVar], binders: Sequence[tuple[str, Expr, BinderInfo]], body: Expr) -> Expr:
    return mk_pi([(n, x, t, bi) for x, (n, t, bi) in zip(fvars, binders, strict=True)], body)


def _same_head_const(a: Expr, b: Expr) -> bool:
    fa, fb = a, b
    while isinstance(fa, App):
        fa = fa.fn
    while isinstance(fb, App):
        fb = fb.fn
    return isinstance(fa, Const) and isinstance(fb, Const) and fa.name == fb.name


def _show(e: Expr) -> str:
    from tactic_mesh.kernel.printer import print_expr

    try:
        return print_expr(e)
    except Exception:  # printing must never hide the real error
        return repr(e)


# ---------------------------------------------------------------------------------------------
# Admitting declarations
# ---------------------------------------------------------------------------------------------


def _check_closed(e: Expr, what: str) -> None:
    if e.loose:
        raise KernelError(f"{what} has a loose bound variable")
    if e.has_fvar:
        raise KernelError(f"{what} mentions a free variable")
    if e.has_mvar:
        raise KernelError(f"{what} contains an unassigned metavariable (an open hole)")
    if e.has_level_mvar:
        raise KernelError(f"{what} contains a universe metavariable")


def _check_header(env: Environment, name: str, level_params: Sequence[str], type_: Expr) -> TypeChecker:
    if name in env:
        raise KernelError(f"'{name}' has already been declared")
    if len(set(level_params)) != len(level_params):
        raise KernelError(f"duplicate universe parameter in declaration '{name}'")
    _check_closed(type_, f"the type of '{name}'")
    tc = TypeChecker(env, level_params=level_params)
    tc.ensure_sort(tc.infer(type_), type_)
    return tc


def definition_height(env: Environment, value: Expr) -> int:
    height = 0
    for sub in subterms(value):
        if isinstance(sub, Const):
            info = env.find(sub.name)
            if isinstance(info, DefinitionInfo):
                height = max(height, info.height)
    return height + 1


def check_expr(env: Environment, e: Expr, lctx: LocalContext | None = None) -> Expr:
    """Infer the type of a closed (or ``lctx``-closed) kernel term with every check on."""
    _check_closed_mvars(e)
    return run_deep(TypeChecker(env, lctx).infer, e)


def _check_closed_mvars(e: Expr) -> None:
    if e.has_mvar or e.has_level_mvar:
        raise KernelError("term contains an unassigned metavariable (an open hole)")


__all__ = [
    "TypeChecker",
    "check_expr",
    "definition_height",
    "mk_app",
]
