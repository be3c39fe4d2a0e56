"""Metavariable context (declare/assign/instantiate, delayed assignments, dependency graph) and the
unifier (Miller patterns, first-order approximation, occurs/scope checks, opaque goals, rollback)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.environment import AxiomDecl, Environment
from tactic_mesh.kernel.errors import UnifyError
from tactic_mesh.kernel.expr import (
    App,
    BVar,
    Const,
    Expr,
    FVar,
    Lam,
    MVar,
    NatLit,
    Pi,
    Sort,
    collect_mvars,
    mk_app,
)
from tactic_mesh.kernel.local_context import LocalContext
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.typechecker import TypeChecker
from tactic_mesh.kernel.unify import MetaChecker

SETTINGS = settings(
    derandomize=True, database=None, max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

NAT = Const("Nat")
NAT2 = Pi("a", NAT, Pi("b", NAT, NAT))
ENV: Environment = add_decl(prelude(), AxiomDecl("g", (), NAT2))
G = Const("g")
SUCC = Const("Nat.succ")
L1 = lv.ONE


def lt(a: Expr, b: Expr) -> Expr:
    return mk_app(Const("LT.lt", (lv.ZERO,)), NAT, Const("instLTNat"), a, b)


def eq(a: Expr, b: Expr) -> Expr:
    return mk_app(Const("Eq", (L1,)), NAT, a, b)


# ---------------------------------------------------------------------------------------------
# metavariable context
# ---------------------------------------------------------------------------------------------


def test_declare_assign_instantiate_is_persistent() -> None:
    m0 = MetavarContext()
    m1, a = m0.declare(NAT, user_name="a")
    m2, b = m1.declare(NAT)
    assert a is not b and a.id not in m0.decls
    assert m1.decl(a).user_name == "a" and m1.decl(a).kind is MVarKind.NATURAL
    term = mk_app(G, a, App(SUCC, b))
    m3 = m2.assign(a, NatLit(1))
    m4 = m3.assign(b, App(SUCC, a))  # values may mention assigned metavariables
    assert m4.instantiate(term) is mk_app(G, NatLit(1), App(SUCC, App(SUCC, NatLit(1))))
    # older contexts are untouched
    assert m2.instantiate(term) is term
    assert m3.instantiate(term) is mk_app(G, NatLit(1), App(SUCC, b))
    assert not m2.is_assigned(a) and m3.is_assigned(a)
    assert m4.unassigned_mvars(term) == [] and m3.unassigned_mvars(term) == [b]
    with pytest.raises(UnifyError, match="already assigned"):
        m4.assign(a, NatLit(2))
    with pytest.raises(UnifyError, match="unknown metavariable"):
        m4.decl(MVar(123_456_789))


def test_instantiate_beta_reduces_assigned_heads() -> None:
    m, f = MetavarContext().declare(Pi("a", NAT, NAT))
    m = m.assign(f, Lam("x", NAT, mk_app(G, BVar(0), BVar(0))))
    assert m.instantiate(App(f, NatLit(4))) is mk_app(G, NatLit(4), NatLit(4))


def test_assign_checks() -> None:
    lctx, x = LocalContext().mk_local("x", NAT)
    m, outer = MetavarContext().declare(NAT)  # empty local context
    m, inner = m.declare(NAT, lctx)  # sees x
    with pytest.raises(UnifyError, match="cyclic"):
        m.assign(outer, App(SUCC, outer))
    m_chain = m.assign(inner, App(SUCC, outer))
    with pytest.raises(UnifyError, match="cyclic"):  # ?outer := succ ?inner = succ (succ ?outer)
        m_chain.assign(outer, App(SUCC, inner))
    with pytest.raises(UnifyError, match="out-of-scope"):
        m.assign(outer, x)
    with pytest.raises(UnifyError, match="out-of-scope"):  # ?inner lives in a larger context
        m.assign(outer, App(SUCC, inner))
    with pytest.raises(UnifyError, match="loose bound variable"):
        m.assign(outer, BVar(0))
    assert m.assign(inner, x).instantiate(inner) is x
    assert m.assign(inner, outer).instantiate(inner) is outer


def test_delayed_assignment() -> None:
    lctx, x = LocalContext().mk_local("x", NAT)
    m, pending = MetavarContext().declare(NAT, lctx)  # ?p lives under x
    m, d = m.declare(Pi("x", NAT, NAT))  # ?d : Nat → Nat, outside
    m = m.assign_delayed(d, [x], pending)
    assert m.is_assigned(d)
    app = App(d, NatLit(5))
    # not yet complete: stays as it is, and the open hole reported is the pending one
    assert m.instantiate(app) is app
    assert m.unassigned_mvars(app) == [pending]
    m2 = m.assign(pending, mk_app(G, x, NatLit(1)))
    assert m2.instantiate(app) is mk_app(G, NatLit(5), NatLit(1))
    assert m2.unassigned_mvars(app) == []
    # a pending value that still has holes does not fire
    m3, hole = m.declare(NAT, lctx)
    m3 = m3.assign(pending, mk_app(G, x, hole))
    assert m3.instantiate(app) is app
    assert m3.unassigned_mvars(app) == [hole]


def test_dependency_graph_and_shared_mvars() -> None:
    m, n = MetavarContext().declare(NAT, user_name="n")
    m, g1 = m.declare(lt(n, NatLit(5)), kind=MVarKind.SYNTHETIC_OPAQUE)
    m, g2 = m.declare(eq(n, NatLit(3)), kind=MVarKind.SYNTHETIC_OPAQUE)
    m, g3 = m.declare(eq(NatLit(1), NatLit(1)), kind=MVarKind.SYNTHETIC_OPAQUE)
    assert m.dependency_graph([g1, g2, g3]) == {g1.id: {n.id}, g2.id: {n.id}, g3.id: set()}
    assert m.shared_mvars([g1, g2, g3]) == {n.id}
    assert m.shared_mvars([g1, g3]) == set()
    # a goal mentioned by another goal is shared between them
    m, g4 = m.declare(mk_app(Const("Eq", (lv.ZERO,)), lt(n, NatLit(5)), g1, g1), kind=MVarKind.SYNTHETIC_OPAQUE)
    assert g1.id in m.dependency_graph([g4])[g4.id]
    assert g1.id in m.shared_mvars([g1, g4])
    # assigning the shared metavariable decouples the goals
    m2 = m.assign(n, NatLit(3))
    assert m2.dependency_graph([g1, g2]) == {g1.id: set(), g2.id: set()}
    assert m2.shared_mvars([g1, g2]) == set()
    # dependencies through an assignment chain: ?n := ?k leaves ?k as the shared one
    m3, k = m.declare(NAT)
    m3 = m3.assign(n, App(SUCC, k))
    assert m3.shared_mvars([g1, g2]) == {k.id}


def test_level_mvars() -> None:
    m, u = MetavarContext().declare_level()
    m2 = m.assign_level(u, lv.LSucc(lv.ZERO))
    assert m2.instantiate(Sort(u)) is Sort(L1)
    assert m2.instantiate(Const("List", (u,))) is Const("List", (L1,))
    with pytest.raises(UnifyError, match="cyclic"):
        m.assign_level(u, lv.LSucc(u))
    tc = MetaChecker(ENV, m)
    assert tc.is_def_eq(Sort(lv.LSucc(u)), Sort(lv.level_of_int(2)))
    assert tc.mctx.instantiate_level(u) is L1


# ---------------------------------------------------------------------------------------------
# unifier
# ---------------------------------------------------------------------------------------------


def test_pattern_unification() -> None:
    lctx, x = LocalContext().mk_local("x", NAT)
    lctx, y = lctx.mk_local("y", NAT)
    m, f = MetavarContext().declare(Pi("a", NAT, NAT))
    tc = MetaChecker(ENV, m, lctx)
    assert tc.unify(App(f, x), mk_app(G, x, x))
    assert tc.mctx.instantiate(f) is Lam("x", NAT, mk_app(G, BVar(0), BVar(0)))
    # two arguments, swapped in the body
    m, f2 = MetavarContext().declare(NAT2)
    tc = MetaChecker(ENV, m, lctx)
    assert tc.unify(mk_app(f2, x, y), mk_app(G, y, NatLit(7)))
    assert tc.mctx.instantiate(f2) is Lam("x", NAT, Lam("y", NAT, mk_app(G, BVar(0), NatLit(7))))
    # the solution is well-typed and makes both sides equal
    value = tc.mctx.instantiate(f2)
    assert TypeChecker(ENV).infer(value) is Pi("x", NAT, Pi("y", NAT, NAT))
    # a variable of the metavariable's own context may stay free in the solution
    m, f3 = MetavarContext().declare(Pi("a", NAT, NAT), LocalContext().add(lctx.find(y)))  # type: ignore[arg-type]
    tc = MetaChecker(ENV, m, lctx)
    assert tc.unify(App(f3, x), mk_app(G, x, y))
    assert tc.mctx.instantiate(f3) is Lam("x", NAT, mk_app(G, BVar(0), y))


def test_first_order_approximation() -> None:
    m, f = MetavarContext().declare(Pi("a", NAT, NAT))
    tc = MetaChecker(ENV, m)
    assert tc.unify(App(f, NatLit(3)), mk_app(G, NatLit(2), NatLit(3)))
    assert tc.mctx.instantiate(f) is App(G, NatLit(2))
    # non-distinct variables are not a pattern: ?h x x =?= g x x by first-order approximation
    lctx, x = LocalContext().mk_local("x", NAT)
    m, h = MetavarContext().declare(NAT2)
    tc = MetaChecker(ENV, m, lctx)
    assert tc.unify(mk_app(h, x, x), mk_app(G, x, x))
    assert tc.mctx.instantiate(h) is G
    # both the head and an argument are metavariables
    m, k = MetavarContext().declare(Pi("a", NAT, NAT))
    m, a = m.declare(NAT)
    tc = MetaChecker(ENV, m)
    assert tc.unify(App(k, a), App(SUCC, NatLit(4)))
    assert tc.mctx.instantiate(App(k, a)) is App(SUCC, NatLit(4))


def test_occurs_check_failure_leaves_context_unchanged() -> None:
    m, a = MetavarContext().declare(NAT)
    tc = MetaChecker(ENV, m)
    assert not tc.unify(a, App(SUCC, a))
    assert not tc.unify(App(SUCC, a), a)
    assert tc.mctx is m


def test_scope_check_failure() -> None:
    lctx, x = LocalContext().mk_local("x", NAT)
    lctx, y = lctx.mk_local("y", NAT)
    m, a = MetavarContext().declare(NAT)  # cannot see x or y
    tc = MetaChecker(ENV, m, lctx)
    assert not tc.unify(a, x)
    assert tc.mctx is m
    # ?f x =?= g x y: y is neither a pattern argument nor in ?f's context
    m, f = MetavarContext().declare(Pi("a", NAT, NAT))
    tc = MetaChecker(ENV, m, lctx)
    assert not tc.unify(App(f, x), mk_app(G, x, y))
    assert tc.mctx is m


def test_synthetic_opaque_is_never_assigned() -> None:
    m, goal = MetavarContext().declare(NAT, kind=MVarKind.SYNTHETIC_OPAQUE)
    tc = MetaChecker(ENV, m)
    assert not tc.unify(goal, NatLit(3))
    assert not tc.unify(NatLit(3), goal)
    assert tc.unify(goal, goal)
    assert tc.mctx is m
    # a natural metavariable is assigned the goal instead
    m2, n = m.declare(NAT)
    tc = MetaChecker(ENV, m2)
    assert tc.unify(goal, n)
    assert tc.mctx.instantiate(n) is goal and not tc.mctx.is_assigned(goal)
    # synthetic (not opaque) metavariables may be assigned
    m3, s = m.declare(NAT, kind=MVarKind.SYNTHETIC)
    tc = MetaChecker(ENV, m3)
    assert tc.unify(s, NatLit(3)) and tc.mctx.instantiate(s) is NatLit(3)


def test_failed_unification_leaves_context_unchanged() -> None:
    def pair(u: Expr, v: Expr) -> Expr:
        return mk_app(Const("Prod.mk", (lv.ZERO, lv.ZERO)), NAT, NAT, u, v)

    m, a = MetavarContext().declare(NAT)
    tc = MetaChecker(ENV, m)
    # the first component assigns ?a := 1 before the second one fails
    assert not tc.unify(pair(a, a), pair(NatLit(1), NatLit(2)))
    assert tc.mctx is m and not tc.mctx.assignments
    assert tc.unify(pair(a, a), pair(NatLit(1), NatLit(1)))
    assert tc.mctx.instantiate(a) is NatLit(1)


def test_unification_respects_types() -> None:
    m, b = MetavarContext().declare(Const("Bool"))
    tc = MetaChecker(ENV, m)
    assert not tc.unify(b, NatLit(1))  # ill-typed assignment refused
    assert tc.mctx is m
    assert tc.unify(b, Const("Bool.true"))


def test_unification_up_to_reduction() -> None:
    m, a = MetavarContext().declare(NAT)
    tc = MetaChecker(ENV, m)
    # Nat.succ ?a =?= 5 through the literal ↔ succ rule
    assert tc.unify(App(SUCC, a), NatLit(5))
    assert tc.mctx.instantiate(a) is NatLit(4)
    m, a = MetavarContext().declare(NAT)
    tc = MetaChecker(ENV, m)
    # beta on the other side
    assert tc.unify(a, App(Lam("x", NAT, App(SUCC, BVar(0))), NatLit(1)))
    assert TypeChecker(ENV).whnf(tc.mctx.instantiate(a)) is NatLit(2)


# ---------------------------------------------------------------------------------------------
# property: first-order unification recovers a term from a pattern with holes
# ---------------------------------------------------------------------------------------------

LIST_NAT = App(Const("List", (lv.ZERO,)), NAT)
PROD = mk_app(Const("Prod", (lv.ZERO, lv.ZERO)), NAT, LIST_NAT)


def _build(data: st.DataObject, mctx: list[MetavarContext], ty: str, depth: int) -> tuple[Expr, Expr, Expr | None]:
    """(term, pattern with holes, term perturbed outside the holes or None)."""
    type_expr = {"nat": NAT, "list": LIST_NAT, "prod": PROD}[ty]
    if depth > 0 and data.draw(st.integers(0, 4)) == 0:
        t, _, _ = _build(data, [MetavarContext()], ty, depth - 1)
        new, hole = mctx[0].declare(type_expr)
        mctx[0] = new
        return t, hole, None
    if ty == "nat":
        if depth <= 0 or data.draw(st.booleans()):
            k = data.draw(st.integers(0, 9))
            return NatLit(k), NatLit(k), NatLit(k + 1)
        # g : Nat → Nat → Nat is an axiom, so nothing reduces and solutions are syntactic
        a = _build(data, mctx, "nat", depth - 1)
        b = _build(data, mctx, "nat", depth - 1)
        perturbed = mk_app(G, a[2], b[0]) if a[2] is not None else (mk_app(G, a[0], b[2]) if b[2] is not None else None)
        return mk_app(G, a[0], b[0]), mk_app(G, a[1], b[1]), perturbed
    if ty == "list":
        if depth <= 0 or data.draw(st.booleans()):
            nil = App(Const("List.nil", (lv.ZERO,)), NAT)
            return nil, nil, None
        h = _build(data, mctx, "nat", depth - 1)
        tl = _build(data, mctx, "list", depth - 1)
        cons = mk_app(Const("List.cons", (lv.ZERO,)), NAT)
        perturbed = None
        if h[2] is not None:
            perturbed = mk_app(cons, h[2], tl[0])
        elif tl[2] is not None:
            perturbed = mk_app(cons, h[0], tl[2])
        return mk_app(cons, h[0], tl[0]), mk_app(cons, h[1], tl[1]), perturbed
    a = _build(data, mctx, "nat", depth - 1)
    b = _build(data, mctx, "list", depth - 1)
    mk = mk_app(Const("Prod.mk", (lv.ZERO, lv.ZERO)), NAT, LIST_NAT)
    perturbed = mk_app(mk, a[2], b[0]) if a[2] is not None else (mk_app(mk, a[0], b[2]) if b[2] is not None else None)
    return mk_app(mk, a[0], b[0]), mk_app(mk, a[1], b[1]), perturbed


@SETTINGS
@given(st.data(), st.sampled_from(["nat", "list", "prod"]), st.booleans())
def test_first_order_unification_property(data: st.DataObject, ty: str, flip: bool) -> None:
    box = [MetavarContext()]
    term, pattern, perturbed = _build(data, box, ty, 4)
    start = box[0]
    holes = collect_mvars(pattern)
    event(f"holes={min(len(holes), 3)} perturbed={perturbed is not None}")
    tc = MetaChecker(ENV, start)
    ok = tc.unify(term, pattern) if flip else tc.unify(pattern, term)
    assert ok
    assert tc.mctx.instantiate(pattern) is term
    assert all(tc.mctx.is_assigned(h) for h in holes)
    if perturbed is not None:
        tc2 = MetaChecker(ENV, start)
        assert not (tc2.unify(perturbed, pattern) if flip else tc2.unify(pattern, perturbed))
        assert tc2.mctx is start


def test_fvars_are_only_equal_to_themselves() -> None:
    tc = MetaChecker(ENV, MetavarContext())
    x = tc.push_local("x", NAT)
    y = tc.push_local("y", NAT)
    assert tc.unify(x, x) and not tc.unify(x, y)
    assert isinstance(x, FVar)
