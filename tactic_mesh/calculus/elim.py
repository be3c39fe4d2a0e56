"""``cases h`` / ``induction h`` on hypotheses of inductive families (indexed or not), as Lean's.

For ``h : I ps is`` in the main goal ``G`` (after whnf: ``n ≤ m`` is ``Nat.le n m``) the program is
one ``refine`` of the recursor with an explicit motive::

    @I.rec.{l, us} ps (fun is' (h' : I ps is') => ∀ ds', G[is := is', h := h']) ?c₁ … ?cₖ is h ds

* the indices ``is`` must be distinct local variables (not let-variables) that do not occur in the
  parameters ``ps`` — otherwise the tactic is rejected (there is no automatic ``generalize``);
  families without indices (``Nat``, ``Or``, ``And``) go through the same path, so their dependent
  hypotheses are reverted too;
* ``ds`` are the hypotheses that depend on the indices or on ``h`` (transitively), in context order:
  they are *reverted* into the motive, so in each new goal they speak about the constructor's
  indices (after ``cases h`` with ``h : a = b``, a hypothesis ``hb : b = 0`` becomes ``hb : a = 0``);
* for ``h : x = t`` where ``t`` is not a variable but ``x`` is (and does not occur in ``t``), the
  major premise is ``Eq.symm h : t = x`` and ``x`` is the index: ``x := t`` everywhere; ``h`` itself
  is reverted only when the goal or another reverted hypothesis mentions it;
* ``cases`` uses ``I.rec`` too (the kernel generates no ``casesOn``): the induction hypotheses are
  dropped by wrapping each minor premise, ``(fun c₁ … cₖ => @I.rec … (fun fs ihs => cᵢ fs) …) ?c₁ … ?cₖ``;
* ``induction`` keeps them.  Prop-valued families that are not subsingletons (``Nat.le``, ``Or``)
  eliminate only into ``Prop``: another goal is rejected.

New goals, one per constructor in constructor order, are named holes ``?refl``, ``?step`` … (the
constructor's short name; the goal's user name is that tag):

* a constructor without fields: the reverted hypotheses are introduced again with their original
  names (``fun ds' => ?refl``); the goal is ``G`` with the constructor's indices substituted;
* a constructor with fields: the goal is left as ``∀ fields (ihs), ∀ ds', G'`` — the user introduces
  them (``intro m h ih hb``); ``cases`` has no ``ihs``.

Not done (no ``clear`` operation exists): the old ``h``, the old indices and the old reverted
hypotheses stay in the new goals' contexts; the re-introduced hypotheses shadow them by name.
Rejected with an :class:`ElimError` (no location; the caller adds it): unknown hypothesis, a
hypothesis not of an inductive type, indices that are not distinct variables or occur in the
parameters, a reverted let-variable, a parameter that mentions a reverted hypothesis, holes
(metavariables) in the goal or the hypotheses involved, hypotheses shadowed by a later one with the
same name or with names that cannot be written back, and large elimination out of a ``Prop``
family.
"""

from __future__ import annotations

import re

import attrs

from tactic_mesh.calculus.combinators import refine
from tactic_mesh.calculus.goals import goal_elaborator
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Term
from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.environment import ConstructorInfo, InductiveInfo, RecursorInfo
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import (
    App,
    BinderInfo,
    Const,
    Expr,
    FVar,
    MVar,
    Pi,
    Sort,
    beta,
    collect_fvars,
    fresh_id,
    get_app_fn_args,
    has_loose_bvar,
    instantiate1,
    instantiate_level_params,
    lower_loose_bvars,
    mk_app,
    mk_apps,
    mk_lambda,
    mk_pi,
    replace,
)
from tactic_mesh.kernel.local_context import LocalContext, LocalDecl
from tactic_mesh.kernel.mctx import MetavarContext
from tactic_mesh.kernel.printer import KEYWORDS, P_ATOM, Printer

Binder = tuple[str, FVar, Expr, BinderInfo]

# what the parser reads back as one identifier (IDENT of syntax.lark) and as a named hole (HOLE)
_IDENT = re.compile(
    r"[A-Za-z_α-κμ-ωΑ-Ωℕ][A-Za-z0-9_'₀-₉α-κμ-ωΑ-Ω]*(\.[A-Za-z_α-κμ-ωΑ-Ω][A-Za-z0-9_'₀-₉α-κμ-ωΑ-Ω]*)*"
)
_HOLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_'₀-₉]*")


class ElimError(TacticMeshError):
    """``cases``/``induction`` cannot be applied (the message has no location)."""


@attrs.frozen
class ElimPlan:
    """What :func:`elim_program` refines, and what it expects to come out."""

    text: str  # the surface term given to ``refine``
    recursor: str
    tags: tuple[str, ...]  # the new goals' user names, in constructor order ("" when untaggable)
    reverted: tuple[str, ...]  # hypotheses generalised into the motive, in context order
    indices: tuple[str, ...]  # the index variables abstracted by the motive
    symmetric: bool  # h : x = t handled as Eq.symm h : t = x


def elim_program(tactic: str, var: str, state: ProofState) -> Term:
    """The core program of ``cases var`` / ``induction var`` (``tactic``) on the main goal of
    ``state``: one ``refine`` of the recursor with the motive abstracting the indices, ``var`` and
    the hypotheses that depend on them (see the module docstring).  Raises :class:`ElimError`."""
    return refine(plan_elim(tactic, var, state).text)


def plan_elim(tactic: str, var: str, state: ProofState) -> ElimPlan:
    if tactic not in ("cases", "induction"):
        raise ElimError(f"elim: unknown tactic '{tactic}' (expected cases or induction)")
    goals = state.focus_goals()
    if not goals:
        raise ElimError(f"{tactic}: no goals")
    goal = goals[0]
    mctx = state.metavar_graph
    gdecl = mctx.decl(goal)
    lctx = gdecl.lctx
    hyp = lctx.find_by_name(var)
    if hyp is None:
        raise ElimError(f"{tactic}: unknown hypothesis '{var}'")
    checker = goal_elaborator(state, goal).tc
    show = _Shower(state, lctx)
    hyp_type = mctx.instantiate(hyp.type)
    ty = checker.whnf(hyp_type)
    head, args = get_app_fn_args(ty)
    info = state.environment.find(head.name) if isinstance(head, Const) else None
    if not isinstance(head, Const) or not isinstance(info, InductiveInfo):
        raise ElimError(f"{tactic}: '{var}' is not of an inductive type: {var} : {show(hyp_type)}")
    rec = state.environment.find(info.name + ".rec")
    if not isinstance(rec, RecursorInfo):
        raise ElimError(f"{tactic}: '{info.name}' has no recursor")
    if len(args) != info.num_params + info.num_indices:
        raise ElimError(f"{tactic}: '{var}' : {show(hyp_type)} is not a fully applied '{info.name}'")
    params = list(args[: info.num_params])
    indices = list(args[info.num_params :])
    major: Expr = hyp.fvar
    major_fvar: FVar | None = hyp.fvar
    symmetric = False
    problem = _index_problem(indices, params, lctx)
    if problem is not None:
        sym = _symmetric_eq(head, params, indices, lctx)
        if sym is None:
            raise ElimError(
                f"{tactic}: in {var} : {show(hyp_type)}, {problem.render(show)}; the indices of "
                f"'{info.name}' must be distinct local variables that do not occur in its parameters"
                + (" (for an equation, one side must be such a variable)" if info.name == "Eq" else "")
            )
        params, indices = sym
        major = mk_app(Const("Eq.symm", head.levels), params[0], indices[0], params[1], hyp.fvar)
        major_fvar = None
        symmetric = True
    index_fvars = [i for i in indices if isinstance(i, FVar)]
    target = mctx.instantiate(gdecl.type)

    # -- the hypotheses to revert -----------------------------------------------------------
    reverted = _dependents(lctx, mctx, index_fvars, hyp.fvar if major_fvar is not None else None, tactic)
    if symmetric and hyp in reverted:
        needed = any(hyp.fvar in collect_fvars(mctx.instantiate(d.type)) for d in reverted if d is not hyp)
        if not needed and hyp.fvar not in collect_fvars(target):
            reverted.remove(hyp)
    reverted_set = {d.fvar for d in reverted}
    for p in params:
        bad = reverted_set & collect_fvars(p)
        if bad:
            names = ", ".join(sorted(d.user_name for d in reverted if d.fvar in bad))
            raise ElimError(f"{tactic}: the parameter {show(p)} of '{info.name}' depends on {names}, "
                            f"which depend(s) on the indices of {var}")
    for i in index_fvars:
        if reverted_set & collect_fvars(mctx.instantiate(_decl(lctx, i).type)):
            raise ElimError(f"{tactic}: the type of the index {_decl(lctx, i).user_name} depends on a hypothesis that "
                            f"depends on the indices of {var}")
    for e in [target, *params, *(mctx.instantiate(d.type) for d in reverted),
              *(mctx.instantiate(_decl(lctx, i).type) for i in index_fvars)]:
        if e.has_mvar or e.has_level_mvar:
            raise ElimError(f"{tactic}: the goal or a hypothesis involved has unsolved holes: {show(e)}")

    # -- the motive ----------------------------------------------------------------------------
    dep_binders: list[Binder] = [(d.user_name, d.fvar, mctx.instantiate(d.type), BinderInfo.DEFAULT)
                                 for d in reverted]
    body = mk_pi(dep_binders, target)
    body_sort = checker.whnf(checker.infer(body))
    if not isinstance(body_sort, Sort):
        raise ElimError(f"{tactic}: the goal is not a type")  # pragma: no cover - goals are types
    level = lv.normalize(mctx.instantiate_level(body_sort.level))
    if not rec.large_elim and level is not lv.ZERO:
        raise ElimError(f"{tactic}: '{info.name}' eliminates only into Prop, but the goal {show(target)} is not a "
                        f"proposition")
    index_binders: list[Binder] = [
        (_decl(lctx, i).user_name, i, mctx.instantiate(_decl(lctx, i).type), BinderInfo.DEFAULT) for i in index_fvars
    ]
    major_type = mk_apps(head, [*params, *index_fvars])
    h_fvar = major_fvar if major_fvar is not None else FVar(fresh_id())
    h_name = var if major_fvar is not None else "h"
    motive = mk_lambda([*index_binders, (h_name, h_fvar, major_type, BinderInfo.DEFAULT)], body)

    # -- the minor premises --------------------------------------------------------------------
    rec_levels = (level, *head.levels) if rec.large_elim else head.levels
    rec_const = Const(rec.name, rec_levels)
    minor_types = _minor_types(rec, rec_levels, params)
    minors: list[_Minor] = []
    for ctor_name, raw in zip(info.constructors, minor_types, strict=True):
        ctor = state.environment.find(ctor_name)
        assert isinstance(ctor, ConstructorInfo)
        minors.append(_minor(ctor, raw, motive, len(reverted), tactic == "cases"))
    adapt = tactic == "cases" and any(m.num_ihs for m in minors)

    # -- the text --------------------------------------------------------------------------------
    printer = _TextPrinter(state, lctx, tactic)
    trailing = [printer.atom(i) for i in index_fvars] + [printer.atom(major)] + [printer.atom(d.fvar) for d in reverted]
    holes = [printer.hole_text(m) for m in minors]
    if not adapt:
        head_text = printer.text(mk_apps(rec_const, [*params, motive]))
        text = " ".join([head_text, *holes, *trailing])
    else:
        # (fun cs xs => @I.rec ps motive (adapted cs) is major ds) ?c₁ … ?cₖ xs, where xs are the
        # indices, h and ds in context order: the function mentions none of them free, so the
        # binders of the goals' types (the types of cs) keep their names when printed
        cs = [(m.tag or "c", FVar(fresh_id()), m.goal_type, BinderInfo.DEFAULT) for m in minors]
        adapters = [m.adapter(c[1]) for m, c in zip(minors, cs, strict=True)]
        applied = mk_apps(rec_const, [*params, motive, *adapters, *index_fvars, major, *(d.fvar for d in reverted)])
        moved = {*index_fvars, hyp.fvar, *(d.fvar for d in reverted)}
        xs = [d for d in lctx if d.fvar in moved]
        x_binders = [(d.user_name, d.fvar, mctx.instantiate(d.type), BinderInfo.DEFAULT) for d in xs]
        fn = mk_lambda([*cs, *x_binders], applied)
        text = " ".join([f"({printer.text(fn)})", *holes, *(printer.atom(d.fvar) for d in xs)])
    return ElimPlan(
        text=text,
        recursor=rec.name,
        tags=tuple(m.tag for m in minors),
        reverted=tuple(d.user_name for d in reverted),
        indices=tuple(_decl(lctx, i).user_name for i in index_fvars),
        symmetric=symmetric,
    )


# ---------------------------------------------------------------------------------------------
# indices and dependencies
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class _Problem:
    what: str
    expr: Expr

    def render(self, show: _Shower) -> str:
        return self.what.format(show(self.expr))


def _index_problem(indices: list[Expr], params: list[Expr], lctx: LocalContext) -> _Problem | None:
    seen: set[FVar] = set()
    param_fvars: set[FVar] = set()
    for p in params:
        param_fvars |= collect_fvars(p)
    for idx in indices:
        if not isinstance(idx, FVar) or idx not in lctx:
            return _Problem("the index {} is not a local variable", idx)
        if _decl(lctx, idx).value is not None:
            return _Problem("the index {} is a let-variable", idx)
        if idx in seen:
            return _Problem("the index {} occurs twice", idx)
        if idx in param_fvars:
            return _Problem("the index {} occurs in the parameters", idx)
        seen.add(idx)
    return None


def _symmetric_eq(
    head: Const, params: list[Expr], indices: list[Expr], lctx: LocalContext
) -> tuple[list[Expr], list[Expr]] | None:
    """``h : x = t`` with a variable ``x`` not occurring in ``α`` or ``t``: parameters ``[α, t]``
    and index ``[x]`` (the major premise becomes ``Eq.symm h : t = x``)."""
    if head.name != "Eq" or len(params) != 2 or len(indices) != 1:
        return None
    alpha, lhs = params
    rhs = indices[0]
    if not isinstance(lhs, FVar) or lhs not in lctx or _decl(lctx, lhs).value is not None:
        return None
    if lhs in collect_fvars(alpha) or lhs in collect_fvars(rhs):
        return None
    return [alpha, rhs], [lhs]


def _dependents(
    lctx: LocalContext, mctx: MetavarContext, index_fvars: list[FVar], major: FVar | None, tactic: str
) -> list[LocalDecl]:
    """Hypotheses whose type (or value) mentions an index, the major premise or an earlier such
    hypothesis — in context order, without the indices and the major premise themselves."""
    roots: set[FVar] = set(index_fvars) | ({major} if major is not None else set())
    tainted = set(roots)
    out: list[LocalDecl] = []
    for d in lctx:
        if d.fvar in roots:
            continue
        mentioned = collect_fvars(mctx.instantiate(d.type))
        if d.value is not None:
            mentioned |= collect_fvars(mctx.instantiate(d.value))
        if mentioned & tainted:
            if d.value is not None:
                raise ElimError(f"{tactic}: cannot generalise the let-variable '{d.user_name}', which depends on "
                                f"the indices")
            tainted.add(d.fvar)
            out.append(d)
    return out


def _decl(lctx: LocalContext, fvar: FVar) -> LocalDecl:
    d = lctx.find(fvar)
    assert d is not None
    return d


# ---------------------------------------------------------------------------------------------
# minor premises
# ---------------------------------------------------------------------------------------------


def _minor_types(rec: RecursorInfo, levels: tuple[lv.Level, ...], params: list[Expr]) -> list[tuple[Expr, FVar]]:
    """The minor premise types of ``@rec.{levels} params ?motive``, each with the free variable
    standing for the motive."""
    t = instantiate_level_params(rec.type, rec.level_params, levels)
    for p in params:
        assert isinstance(t, Pi)
        t = instantiate1(t.body, p)
    assert isinstance(t, Pi)
    motive_var = FVar(fresh_id())
    t = instantiate1(t.body, motive_var)
    out: list[tuple[Expr, FVar]] = []
    for _ in range(rec.num_minors):
        assert isinstance(t, Pi)
        out.append((t.type, motive_var))
        t = instantiate1(t.body, FVar(fresh_id()))
    return out


def _beta_motive(e: Expr, motive_var: FVar, motive: Expr) -> Expr:
    """Replace ``motive_var a…`` by the beta-reduced ``motive a…`` (``motive`` is closed)."""

    def fn(sub: Expr, off: int) -> Expr | None:
        if not sub.has_fvar:
            return sub
        if isinstance(sub, App):
            fn_, args = get_app_fn_args(sub)
            if fn_ is motive_var:
                args = [replace(a, fn, off) for a in args]
                return beta(motive, args)
        return None

    return replace(e, fn)




@attrs.frozen
class _Minor:
    tag: str
    num_fields: int
    num_ihs: int
    goal_type: Expr  # the new goal's type: without the ihs for `cases`
    value: Expr  # what fills the hole position: the placeholder, or `fun ds' => placeholder`
    placeholder: MVar
    field_binders: tuple[Binder, ...]
    ih_binders: tuple[Binder, ...]

    def adapter(self, c: FVar) -> Expr:
        """``fun fields ihs => c fields`` (the minor premise built from a goal without ihs)."""
        if not self.num_ihs:
            return c
        fields = list(self.field_binders)
        return mk_lambda([*fields, *self.ih_binders], mk_apps(c, [f[1] for f in fields]))


def _minor(ctor: ConstructorInfo, raw: tuple[Expr, FVar], motive: Expr, num_reverted: int, drop_ihs: bool) -> _Minor:
    minor_type, motive_var = raw
    n_binders = 0
    t = minor_type
    while isinstance(t, Pi):
        n_binders += 1
        t = t.body
    num_ihs = n_binders - ctor.num_fields
    full = _beta_motive(minor_type, motive_var, motive)
    fields: list[Binder] = []
    ihs: list[Binder] = []
    t = full
    for k in range(n_binders):
        assert isinstance(t, Pi)
        x = FVar(fresh_id())
        (fields if k < ctor.num_fields else ihs).append((t.name, x, t.type, t.bi))
        t = instantiate1(t.body, x)
    conclusion = t
    if drop_ihs and num_ihs:
        # the conclusion does not mention the ihs: rebuild the Π over the fields only
        tail = full
        for _ in range(ctor.num_fields):
            assert isinstance(tail, Pi)
            tail = tail.body
        rebuilt = tail
        for k in range(num_ihs):
            assert isinstance(rebuilt, Pi)
            rebuilt = rebuilt.body
            assert not has_loose_bvar(rebuilt, 0), k
            rebuilt = lower_loose_bvars(rebuilt, 1, 0)
        goal_type = _rebuild_pis(full, ctor.num_fields, rebuilt)
    else:
        goal_type = full
    short = ctor.name.rsplit(".", 1)[-1]
    tag = short if _HOLE_NAME.fullmatch(short) else ""
    placeholder = MVar(fresh_id())
    value: Expr = placeholder
    if ctor.num_fields == 0 and num_reverted:
        deps: list[Binder] = []
        t = conclusion
        for _ in range(num_reverted):
            assert isinstance(t, Pi)
            x = FVar(fresh_id())
            deps.append((t.name, x, t.type, BinderInfo.DEFAULT))
            t = instantiate1(t.body, x)
        value = mk_lambda(deps, placeholder)
    return _Minor(tag, ctor.num_fields, num_ihs, goal_type, value, placeholder, tuple(fields), tuple(ihs))


def _rebuild_pis(outer: Expr, n: int, body: Expr) -> Expr:
    """``outer``'s first ``n`` Π binders around ``body`` (which lives under them)."""
    if n == 0:
        return body
    assert isinstance(outer, Pi)
    return Pi(outer.name, outer.type, _rebuild_pis(outer.body, n - 1, body), outer.bi)


# ---------------------------------------------------------------------------------------------
# printing back
# ---------------------------------------------------------------------------------------------


class _AtPrinter(Printer):
    """The explicit printer with ``@`` on local variables too (no implicit argument insertion)."""

    def _expr(self, e: Expr, names: list[str]) -> tuple[str, int]:
        if isinstance(e, FVar) and e in self.fvar_names:
            return "@" + self.fvar_names[e], P_ATOM
        return super()._expr(e, names)


class _TextPrinter:
    """Print pieces of the refine term so that they elaborate back in the goal's context: every
    local variable mentioned must be reachable by its name (not shadowed, a plain identifier);
    a piece's binders are renamed only when they would capture a local variable of that piece."""

    def __init__(self, state: ProofState, lctx: LocalContext, tactic: str) -> None:
        self.state = state
        self.lctx = lctx
        self.tactic = tactic
        self.holes: dict[int, str] = {}

    def _names(self, e: Expr) -> dict[FVar, str]:
        names: dict[FVar, str] = {}
        for x in collect_fvars(e):
            d = self.lctx.find(x)
            if d is None:
                raise ElimError(f"{self.tactic}: internal error: a variable escaped its scope")  # pragma: no cover
            if not _IDENT.fullmatch(d.user_name) or d.user_name in KEYWORDS:
                raise ElimError(f"{self.tactic}: the hypothesis '{d.user_name}' has a name that cannot be written "
                                f"back; rename it first")
            innermost = self.lctx.find_by_name(d.user_name)
            if innermost is None or innermost.fvar != x:
                raise ElimError(f"{self.tactic}: the hypothesis '{d.user_name}' is needed but shadowed by a later "
                                f"one with the same name")
            names[x] = d.user_name
        return names

    def text(self, e: Expr) -> str:
        printer = _AtPrinter(self.state.environment, self._names(e), mvar_names=self.holes, explicit=True)
        return printer.print(e)

    def atom(self, e: Expr) -> str:
        out = self.text(e)
        return out if isinstance(e, FVar) else f"({out})"

    def hole_text(self, minor: _Minor) -> str:
        """The hole (under ``fun ds' =>`` for a constructor without fields)."""
        self.holes[minor.placeholder.id] = minor.tag or "_"
        return f"({self.text(minor.value)})"


class _Shower:
    """Display printing for error messages."""

    def __init__(self, state: ProofState, lctx: LocalContext) -> None:
        self.printer = Printer(state.environment, {d.fvar: d.user_name for d in lctx}, display=True)
        self.mctx = state.metavar_graph

    def __call__(self, e: Expr) -> str:
        return self.printer.print(self.mctx.instantiate(e))


__all__ = ["ElimError", "ElimPlan", "elim_program", "plan_elim"]
