"""Inductive types: checking a declaration and generating its recursor and iota rules.

Supported: one inductive family per declaration, with uniform parameters and indices, reflexive
(function-typed) recursive fields.  Checked: the type is a telescope ending in a sort; every
constructor is well-typed, takes exactly the parameters, returns the family applied to the
parameters; strict positivity; field universes fit the family's universe (unless it is ``Prop``).

The recursor ``I.rec`` eliminates into ``Sort u`` (large elimination) unless the family may live in
``Prop`` and is not a syntactic subsingleton — then only into ``Prop``.  Subsingletons are: no
constructor, or one constructor each of whose fields is a proof or appears among the indices of
the constructor's result (``Eq``, ``And``, ``True``, ``False``).  Mutual and nested inductives are
not supported and are rejected as non-positive.
"""

from __future__ import annotations

from collections.abc import Sequence

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.environment import (
    ConstantInfo,
    ConstructorInfo,
    Environment,
    InductiveDecl,
    InductiveInfo,
    RecRule,
    RecursorInfo,
    Unsafe,
)
from tactic_mesh.kernel.errors import KernelError
from tactic_mesh.kernel.expr import (
    PROP,
    BinderInfo,
    Const,
    Expr,
    FVar,
    Pi,
    Sort,
    collect_consts,
    get_app_fn_args,
    instantiate1,
    mk_apps,
    mk_lambda,
    mk_pi,
)
from tactic_mesh.kernel.level import Level
from tactic_mesh.kernel.printer import print_expr
from tactic_mesh.kernel.typechecker import TypeChecker, _check_closed, _check_header, is_prop_sort

Binder = tuple[str, FVar, Expr, BinderInfo]


class _Ctor:
    def __init__(self, name: str, fields: list[Binder], result_indices: list[Expr]) -> None:
        self.name = name
        self.fields = fields
        self.result_indices = result_indices
        self.recursive: list[int] = []  # positions of recursive fields
        # per recursive field: (field, its Π-binders ys, the indices of its result type)
        self.ih_recursors: list[tuple[FVar, list[Binder], list[Expr]]] = []


def _mentions(e: Expr, name: str) -> bool:
    return name in collect_consts(e)


def _fresh_level_name(taken: Sequence[str]) -> str:
    if "u" not in taken:
        return "u"
    i = 1
    while f"u_{i}" in taken:
        i += 1
    return f"u_{i}"


def check_inductive(env: Environment, decl: InductiveDecl) -> Environment:
    name = decl.name
    tc0 = _check_header(env, name, decl.level_params, decl.type)
    ctor_names = [c for c, _ in decl.constructors]
    for cname in ctor_names:
        if cname in env or cname in (name, name + ".rec") or ctor_names.count(cname) > 1:
            raise KernelError(f"constructor '{cname}' has already been declared")
    if name + ".rec" in env:
        raise KernelError(f"'{name}.rec' has already been declared")

    # -- the family's telescope ------------------------------------------------------------
    binders, t = tc0.telescope(decl.type)
    if not isinstance(t, Sort):
        raise KernelError(f"inductive '{name}': its type must end in a sort, found {print_expr(t, env)}")
    if decl.num_params > len(binders) or decl.num_params < 0:
        raise KernelError(
            f"inductive '{name}': {decl.num_params} parameters declared but the type has only "
            f"{len(binders)} binders"
        )
    result_level = t.level
    is_prop = lv.normalize(result_level) is lv.ZERO
    params = binders[: decl.num_params]
    index_binders = binders[decl.num_params :]
    level_args = tuple(lv.LParam(p) for p in decl.level_params)
    ind_const = Const(name, level_args)

    # -- constructors, checked in an environment that already knows the family ------------
    num_indices = len(index_binders)
    provisional = InductiveInfo(name, decl.level_params, decl.type, decl.num_params, num_indices,
                                tuple(ctor_names), False, is_prop)
    env1 = Unsafe.add_checked(env, (provisional,))
    tc = TypeChecker(env1, level_params=decl.level_params)
    tc.lctx.update(tc0.lctx)
    ctors: list[_Ctor] = []
    for cname, ctype in decl.constructors:
        ctors.append(
            _check_constructor(tc, name, ind_const, cname, ctype, params, num_indices, result_level, is_prop)
        )

    is_recursive = any(c.recursive for c in ctors)
    large_elim = _allows_large_elim(tc, result_level, ctors)
    k = is_prop and len(ctors) == 1 and not ctors[0].fields

    ind_info = InductiveInfo(name, decl.level_params, decl.type, decl.num_params, num_indices,
                             tuple(ctor_names), is_recursive, is_prop)
    ctor_infos: list[ConstantInfo] = []
    for i, ((cname, ctype), ctor) in enumerate(zip(decl.constructors, ctors, strict=True)):
        ctor_infos.append(
            ConstructorInfo(cname, decl.level_params, ctype, name, i, decl.num_params, len(ctor.fields))
        )
    rec_info = _make_recursor(tc, decl, ind_const, params, index_binders, ctors, large_elim, k)
    out = Unsafe.add_checked(env, (ind_info, *ctor_infos, rec_info))
    # defence in depth: the generated recursor type must itself be well-typed
    check = TypeChecker(out, level_params=rec_info.level_params)
    check.ensure_sort(check.infer(rec_info.type))
    return out


def _check_constructor(
    tc: TypeChecker,
    ind_name: str,
    ind_const: Const,
    cname: str,
    ctype: Expr,
    params: list[Binder],
    num_indices: int,
    result_level: Level,
    is_prop: bool,
) -> _Ctor:
    _check_closed(ctype, f"the type of constructor '{cname}'")
    try:
        tc.ensure_sort(tc.infer(ctype), ctype)
    except KernelError as err:
        raise KernelError(f"constructor '{cname}': {err.message}") from None
    t = ctype
    for pname, pvar, ptype, _ in params:
        t = tc.whnf(t)
        if not isinstance(t, Pi):
            raise KernelError(f"constructor '{cname}' must take the parameter '{pname}' of '{ind_name}'")
        if not tc.is_def_eq(t.type, ptype):
            raise KernelError(
                f"constructor '{cname}': parameter '{pname}' has a type different from the inductive's"
            )
        t = instantiate1(t.body, pvar)
    fields: list[Binder] = []
    recursive: list[int] = []
    while True:
        t = tc.whnf(t)
        if not isinstance(t, Pi):
            break
        dom = t.type
        if _check_positivity(tc, ind_name, cname, dom, params, len(fields)):
            recursive.append(len(fields))
        field_sort = tc.ensure_sort(tc.infer(dom), dom).level
        if not is_prop and not lv.is_leq(field_sort, result_level):
            raise KernelError(
                f"universe level of field {len(fields) + 1} of constructor '{cname}' is too big: "
                f"Sort {field_sort} does not fit in Sort {result_level}"
            )
        x = tc.push_local(t.name, dom, bi=t.bi)
        fields.append((t.name, x, dom, t.bi))
        t = instantiate1(t.body, x)
    head, args = get_app_fn_args(t)
    if head is not ind_const:
        raise KernelError(f"constructor '{cname}' must return '{ind_name}' (with its universe parameters)")
    if len(args) != len(params) + num_indices:
        raise KernelError(f"constructor '{cname}' returns '{ind_name}' with the wrong number of arguments")
    for (pname, pvar, _, _), arg in zip(params, args, strict=False):
        if arg is not pvar:
            raise KernelError(
                f"constructor '{cname}': parameter '{pname}' must be passed unchanged in the result type"
            )
    indices = args[len(params) :]
    for idx in indices:
        if _mentions(idx, ind_name):
            raise KernelError(f"constructor '{cname}': an index of the result mentions '{ind_name}'")
    ctor = _Ctor(cname, fields, indices)
    ctor.recursive = recursive
    return ctor


def _check_positivity(
    tc: TypeChecker, ind_name: str, cname: str, dom: Expr, params: list[Binder], field_no: int
) -> bool:
    """Return True for a (valid) recursive field; raise on a non-positive occurrence."""
    t = tc.whnf(dom)
    if not _mentions(t, ind_name):
        return False
    while isinstance(t, Pi):
        if _mentions(t.type, ind_name):
            raise KernelError(
                f"non-positive occurrence of '{ind_name}' in field {field_no + 1} of constructor '{cname}'"
            )
        x = tc.push_local(t.name, t.type, bi=t.bi)
        t = tc.whnf(instantiate1(t.body, x))
    head, args = get_app_fn_args(t)
    if not (isinstance(head, Const) and head.name == ind_name):
        raise KernelError(
            f"non-positive occurrence of '{ind_name}' in field {field_no + 1} of constructor '{cname}' "
            f"(nested and mutual inductives are not supported)"
        )
    for (_, pvar, _, _), arg in zip(params, args, strict=False):
        if arg is not pvar:
            raise KernelError(f"constructor '{cname}': recursive occurrence with different parameters")
    for arg in args[len(params) :]:
        if _mentions(arg, ind_name):
            raise KernelError(
                f"non-positive occurrence of '{ind_name}' in an index of field {field_no + 1} of '{cname}'"
            )
    return True


def _allows_large_elim(tc: TypeChecker, result_level: Level, ctors: list[_Ctor]) -> bool:
    if lv.is_never_zero(lv.normalize(result_level)):
        return True
    if len(ctors) > 1:
        return False
    if not ctors:
        return True
    ctor = ctors[0]
    for _, x, dom, _ in ctor.fields:
        if is_prop_sort(tc.whnf(tc.infer(dom))):
            continue
        if any(idx is x for idx in ctor.result_indices):
            continue
        return False
    return True


def _make_recursor(
    tc: TypeChecker,
    decl: InductiveDecl,
    ind_const: Const,
    params: list[Binder],
    index_binders: list[Binder],
    ctors: list[_Ctor],
    large_elim: bool,
    k: bool,
) -> RecursorInfo:
    name = decl.name
    if large_elim:
        u = _fresh_level_name(decl.level_params)
        rec_levels: tuple[str, ...] = (u, *decl.level_params)
        motive_sort: Expr = Sort(lv.LParam(u))
    else:
        rec_levels = decl.level_params
        motive_sort = PROP
    rec_const = Const(name + ".rec", tuple(lv.LParam(p) for p in rec_levels))
    param_vars = [p[1] for p in params]
    implicit_params = [(n, x, t, BinderInfo.IMPLICIT) for n, x, t, _ in params]

    # motive : (indices) → (t : I params indices) → Sort u
    def fresh_indices() -> list[Binder]:
        return tc.telescope(_instantiate_telescope(decl.type, param_vars, tc), bi=BinderInfo.IMPLICIT)[0]

    motive_indices = fresh_indices()
    major_name = "t"
    motive_major_type = mk_apps(ind_const, param_vars + [b[1] for b in motive_indices])
    motive_major = tc.push_local(major_name, motive_major_type)
    motive_type = mk_pi(
        [(n, x, t, BinderInfo.DEFAULT) for n, x, t, _ in motive_indices]
        + [(major_name, motive_major, motive_major_type, BinderInfo.DEFAULT)],
        motive_sort,
    )
    motive = tc.push_local("motive", motive_type, bi=BinderInfo.IMPLICIT)
    motive_binder: Binder = ("motive", motive, motive_type, BinderInfo.IMPLICIT)

    # minor premises
    minors: list[Binder] = []
    for ctor in ctors:
        ihs: list[Binder] = []
        ih_recursors: list[tuple[FVar, list[Binder], list[Expr]]] = []
        for pos in ctor.recursive:
            fname, fvar, ftype, _ = ctor.fields[pos]
            ys, t = tc.telescope(ftype)
            _, rec_args = get_app_fn_args(t)
            rec_indices = rec_args[len(params) :]
            applied = mk_apps(fvar, [y[1] for y in ys])
            ih_type = mk_pi(ys, mk_apps(motive, [*rec_indices, applied]))
            ih = tc.push_local(f"{fname}_ih", ih_type)
            ihs.append((f"{fname}_ih", ih, ih_type, BinderInfo.DEFAULT))
            ih_recursors.append((fvar, ys, rec_indices))
        ctor_app = mk_apps(Const(ctor.name, ind_const.levels), param_vars + [f[1] for f in ctor.fields])
        minor_type = mk_pi(ctor.fields + ihs, mk_apps(motive, [*ctor.result_indices, ctor_app]))
        minor_name = ctor.name.rsplit(".", 1)[-1]
        minor = tc.push_local(minor_name, minor_type)
        minors.append((minor_name, minor, minor_type, BinderInfo.DEFAULT))
        ctor.ih_recursors = ih_recursors

    # indices and major premise of the recursor itself
    rec_indices_binders = fresh_indices()
    major_type = mk_apps(ind_const, param_vars + [b[1] for b in rec_indices_binders])
    major = tc.push_local(major_name, major_type)
    rec_type = mk_pi(
        [
            *implicit_params,
            motive_binder,
            *minors,
            *rec_indices_binders,
            (major_name, major, major_type, BinderInfo.DEFAULT),
        ],
        mk_apps(motive, [*(b[1] for b in rec_indices_binders), major]),
    )

    # iota rules: rec params motive minors (c params fields) ≡ minor fields (λ ys, rec … (b ys))
    prefix: list[Binder] = [*implicit_params, motive_binder, *minors]
    prefix_vars = [b[1] for b in prefix]
    rules: list[RecRule] = []
    for ctor, (_, minor_var, _, _) in zip(ctors, minors, strict=True):
        ih_values: list[Expr] = []
        for fvar, ys, rec_idx in ctor.ih_recursors:
            call = mk_apps(rec_const, [*prefix_vars, *rec_idx, mk_apps(fvar, [y[1] for y in ys])])
            ih_values.append(mk_lambda(ys, call))
        body = mk_apps(minor_var, [f[1] for f in ctor.fields] + ih_values)
        rhs = mk_lambda(prefix + ctor.fields, body)
        rules.append(RecRule(ctor.name, len(ctor.fields), rhs))

    return RecursorInfo(
        name + ".rec",
        rec_levels,
        rec_type,
        name,
        len(params),
        len(index_binders),
        1,
        len(ctors),
        tuple(rules),
        k,
        large_elim,
    )


def _instantiate_telescope(t: Expr, args: Sequence[Expr], tc: TypeChecker) -> Expr:
    for arg in args:
        t = tc.whnf(t)
        assert isinstance(t, Pi)
        t = instantiate1(t.body, arg)
    return t
