"""Kernel expressions: rebuild invariant, hash-consing, de Bruijn operations, deep terms.

The de Bruijn operations are compared with naive reference implementations written here
(plain structural recursion, no caching, no shortcuts), so the kernel's cached/shortcut versions
must agree with the textbook definitions.
"""

from __future__ import annotations

import gc
import importlib
import pickle
import pkgutil
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import tactic_mesh.kernel
from tactic_mesh.kernel import expr as E
from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.deep import run_deep
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
    MVar,
    NatLit,
    Pi,
    Sort,
    abstract,
    has_loose_bvar,
    instantiate,
    instantiate_rev,
    lift_loose_bvars,
    lower_loose_bvars,
    subterms,
)

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# ---------------------------------------------------------------------------------------------
# generators: one entry per node class (the meta-tests below check the table is complete)
# ---------------------------------------------------------------------------------------------

LEVELS = [lv.ZERO, lv.ONE, lv.LParam("u"), lv.LMax(lv.LParam("u"), lv.ONE), lv.LMVar(10_001)]
names = st.sampled_from(["x", "y", "a", "_", "h"])
binder_infos = st.sampled_from(list(BinderInfo))
levels = st.sampled_from(LEVELS)
# identifiers far away from the process-wide fresh_id counter
ids = st.integers(900_000, 900_004)

Sub = st.SearchStrategy[Expr]

# class → (strategy of sub-terms → strategy of nodes of that class)
GEN: dict[type[Expr], Callable[[Sub], Sub]] = {
    BVar: lambda sub: st.integers(0, 4).map(BVar),
    FVar: lambda sub: ids.map(FVar),
    MVar: lambda sub: ids.map(MVar),
    Sort: lambda sub: levels.map(Sort),
    Const: lambda sub: st.builds(
        Const, st.sampled_from(["Nat", "f", "g", "List"]), st.lists(levels, max_size=2).map(tuple)
    ),
    NatLit: lambda sub: st.one_of(st.integers(0, 10), st.integers(0, 2**80)).map(NatLit),
    App: lambda sub: st.builds(App, sub, sub),
    Lam: lambda sub: st.builds(Lam, names, sub, sub, binder_infos),
    Pi: lambda sub: st.builds(Pi, names, sub, sub, binder_infos),
    Let: lambda sub: st.builds(Let, names, sub, sub, sub),
}
LEAF_CLASSES = (BVar, FVar, MVar, Sort, Const, NatLit)
COMPOSITE = tuple(c for c in GEN if c not in LEAF_CLASSES)
LEAVES = st.one_of(*(GEN[c](st.nothing()) for c in LEAF_CLASSES))
# bounded-size terms mixing every class of the table
terms = st.recursive(LEAVES, lambda sub: st.one_of(*(GEN[c](sub) for c in COMPOSITE)), max_leaves=12)
small_terms = st.recursive(LEAVES, lambda sub: st.one_of(*(GEN[c](sub) for c in COMPOSITE)), max_leaves=4)


def _all_subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out.add(sub)
        out |= _all_subclasses(sub)
    return out


def test_generator_covers_every_node_class() -> None:
    # load every kernel module so that any Expr subclass defined anywhere in the kernel is seen
    for mod in pkgutil.iter_modules(tactic_mesh.kernel.__path__):
        importlib.import_module(f"tactic_mesh.kernel.{mod.name}")
    # node classes are the leaves of the hierarchy (Expr and Binding only serve as bases)
    concrete = {c for c in _all_subclasses(Expr) if not c.__subclasses__()}
    required = concrete | set(E.NODE_CLASSES)
    missing = sorted(c.__name__ for c in required - set(GEN))
    assert not missing, f"expression generator does not cover: {missing}"
    assert set(E.NODE_CLASSES) == concrete, "NODE_CLASSES and the Expr subclasses disagree"
    # the mixed generator is assembled from the whole table
    assert set(LEAF_CLASSES) | set(COMPOSITE) == set(GEN)


def test_abstract_bases_cannot_be_built_directly() -> None:
    with pytest.raises((TypeError, NotImplementedError, AttributeError)):
        Binding("x", Const("Nat"), BVar(0), BinderInfo.DEFAULT)  # type: ignore[abstract]


# ---------------------------------------------------------------------------------------------
# rebuild invariant
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", E.NODE_CLASSES, ids=lambda c: c.__name__)
@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_rebuild_invariant_per_class(cls: type[Expr], data: st.DataObject) -> None:
    e = data.draw(GEN[cls](small_terms))
    assert type(e) is cls
    assert type(e)(*e.args()) is e
    assert e.with_children(e.children()) is e


@SETTINGS
@given(terms)
def test_rebuild_invariant_on_every_subterm(e: Expr) -> None:
    for s in subterms(e):
        assert type(s)(*s.args()) is s
        assert s.with_children(s.children()) is s
        assert pickle.loads(pickle.dumps(s)) is s


def test_expressions_are_immutable() -> None:
    e = App(Const("f"), NatLit(1))
    with pytest.raises(AttributeError):
        e.fn = Const("g")  # type: ignore[misc]
    with pytest.raises(ValueError):
        BVar(-1)
    with pytest.raises(ValueError):
        NatLit(-3)


# ---------------------------------------------------------------------------------------------
# hash-consing
# ---------------------------------------------------------------------------------------------

Recipe = tuple


def recipe_of(e: Expr) -> Recipe:
    """A plain-data description of ``e`` (no Expr objects inside)."""
    return (type(e).__name__, *(recipe_of(a) if isinstance(a, Expr) else a for a in e.args()))


def build(r: Recipe) -> Expr:
    cls = getattr(E, r[0])
    return cls(
        *(
            build(a) if isinstance(a, tuple) and a and isinstance(a[0], str) and a[0] in _CLASS_NAMES else a
            for a in r[1:]
        )
    )


_CLASS_NAMES = {c.__name__ for c in E.NODE_CLASSES}


@SETTINGS
@given(terms, terms)
def test_structurally_equal_builds_are_identical(a: Expr, b: Expr) -> None:
    ra, rb = recipe_of(a), recipe_of(b)
    assert build(ra) is a
    assert build(ra) is build(ra)
    # identity coincides with structural equality (levels and binder infos are interned too)
    assert (a is b) == (ra == rb)


def test_hash_consing_distinguishes_node_kinds() -> None:
    nat = Const("Nat")
    assert BVar(1) is not NatLit(1)
    assert FVar(900_010) is not MVar(900_010)
    assert Lam("x", nat, BVar(0)) is not Pi("x", nat, BVar(0))
    assert Lam("x", nat, BVar(0)) is not Lam("y", nat, BVar(0))
    assert Lam("x", nat, BVar(0)) is not Lam("x", nat, BVar(0), BinderInfo.IMPLICIT)
    assert Const("List", (lv.ZERO,)) is not Const("List", (lv.ONE,))
    assert Const("List", (lv.ZERO,)) is Const("List", [lv.ZERO])  # type: ignore[arg-type]
    assert Sort(lv.LSucc(lv.ZERO)) is E.TYPE


def test_hash_consing_survives_garbage_collection() -> None:
    r = recipe_of(Lam("x", Const("Nat"), App(Const("f"), App(BVar(0), NatLit(123_456_789_123)))))
    e = build(r)
    del e
    gc.collect()
    again = build(r)
    assert recipe_of(again) == r
    assert build(r) is again
    assert type(again)(*again.args()) is again


# ---------------------------------------------------------------------------------------------
# reference de Bruijn operations
# ---------------------------------------------------------------------------------------------


def ref_loose(e: Expr, depth: int = 0) -> set[int]:
    """Loose bound variable indices of ``e`` (relative to its root)."""
    if isinstance(e, BVar):
        return {e.idx - depth} if e.idx >= depth else set()
    if isinstance(e, App):
        return ref_loose(e.fn, depth) | ref_loose(e.arg, depth)
    if isinstance(e, Binding):
        return ref_loose(e.type, depth) | ref_loose(e.body, depth + 1)
    if isinstance(e, Let):
        return ref_loose(e.type, depth) | ref_loose(e.value, depth) | ref_loose(e.body, depth + 1)
    return set()


def ref_map(e: Expr, on_var: object, depth: int = 0) -> Expr:
    """Rebuild ``e`` replacing every BVar/FVar/MVar leaf by ``on_var(leaf, depth)``."""
    if isinstance(e, (BVar, FVar, MVar)):
        return on_var(e, depth)  # type: ignore[operator]
    if isinstance(e, App):
        return App(ref_map(e.fn, on_var, depth), ref_map(e.arg, on_var, depth))
    if isinstance(e, Binding):
        return type(e)(e.name, ref_map(e.type, on_var, depth), ref_map(e.body, on_var, depth + 1), e.bi)
    if isinstance(e, Let):
        return Let(
            e.name, ref_map(e.type, on_var, depth), ref_map(e.value, on_var, depth), ref_map(e.body, on_var, depth + 1)
        )
    return e


def ref_lift(e: Expr, shift: int, start: int = 0) -> Expr:
    return ref_map(e, lambda v, d: BVar(v.idx + shift) if isinstance(v, BVar) and v.idx >= start + d else v)


def ref_lower(e: Expr, shift: int, start: int) -> Expr:
    return ref_map(e, lambda v, d: BVar(v.idx - shift) if isinstance(v, BVar) and v.idx >= start + d else v)


def ref_instantiate(e: Expr, subst: list[Expr]) -> Expr:
    n = len(subst)

    def on_var(v: Expr, d: int) -> Expr:
        if not isinstance(v, BVar) or v.idx < d:
            return v
        if v.idx - d < n:
            return ref_lift(subst[v.idx - d], d)
        return BVar(v.idx - n)

    return ref_map(e, on_var)


def ref_abstract(e: Expr, xs: list[Expr]) -> Expr:
    n = len(xs)

    def on_var(v: Expr, d: int) -> Expr:
        if v in xs:
            return BVar(d + n - 1 - xs.index(v))
        return v

    return ref_map(e, on_var)


def ref_flags(e: Expr) -> int:
    if isinstance(e, FVar):
        return E.HAS_FVAR
    if isinstance(e, MVar):
        return E.HAS_MVAR
    if isinstance(e, (Sort, Const)):
        ls = [e.level] if isinstance(e, Sort) else list(e.levels)
        flags = 0
        for level in ls:
            if lv.has_mvar(level):
                flags |= E.HAS_LMVAR
            if list(lv.params_of(level)):
                flags |= E.HAS_LPARAM
        return flags
    out = 0
    for c in e.children():
        out |= ref_flags(c)
    return out


# ---------------------------------------------------------------------------------------------
# loose bound variables and cached flags
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(terms)
def test_loose_range_and_flags_match_reference(e: Expr) -> None:
    loose = ref_loose(e)
    assert e.loose == (max(loose) + 1 if loose else 0)
    for i in range(e.loose + 2):
        assert has_loose_bvar(e, i) == (i in loose), i
    assert e.flags == ref_flags(e)
    assert e.has_fvar == any(isinstance(s, FVar) for s in subterms(e))
    assert e.has_mvar == any(isinstance(s, MVar) for s in subterms(e))


def test_has_loose_bvar_under_binders() -> None:
    nat = Const("Nat")
    # fun x => #1 x : loose #0 (seen as #1 under the binder), not #1
    e = Lam("x", nat, App(BVar(1), BVar(0)))
    assert e.loose == 1
    assert has_loose_bvar(e, 0)
    assert not has_loose_bvar(e, 1)
    # a shared sub-term seen at two depths
    shared = App(BVar(0), BVar(2))
    e2 = App(shared, Lam("y", nat, shared))
    assert ref_loose(e2) == {0, 2, 1}
    assert [has_loose_bvar(e2, i) for i in range(4)] == [True, True, True, False]


# ---------------------------------------------------------------------------------------------
# instantiate / abstract / lift / lower
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(terms, st.lists(terms, min_size=1, max_size=3))
def test_instantiate_matches_reference(e: Expr, subst: list[Expr]) -> None:
    assert instantiate(e, subst) is ref_instantiate(e, subst)


@SETTINGS
@given(terms, st.integers(0, 3), st.integers(0, 3))
def test_lift_lower_match_reference_and_round_trip(e: Expr, shift: int, start: int) -> None:
    lifted = lift_loose_bvars(e, shift, start)
    assert lifted is ref_lift(e, shift, start)
    assert lower_loose_bvars(lifted, shift, start) is e
    # lifting moves loose variables >= start up by shift and leaves a gap
    loose = ref_loose(e)
    assert ref_loose(lifted) == {i for i in loose if i < start} | {i + shift for i in loose if i >= start}
    for i in range(start, start + shift):
        assert not has_loose_bvar(lifted, i)


@SETTINGS
@given(terms, st.integers(1, 2), st.integers(0, 2))
def test_lower_matches_reference(e: Expr, shift: int, start: int) -> None:
    # only lower when no loose variable falls into the removed range [start, start + shift)
    assume(not any(start <= i < start + shift for i in ref_loose(e)))
    assert lower_loose_bvars(e, shift, start) is ref_lower(e, shift, start)


fvar_lists = st.lists(st.integers(900_000, 900_006), min_size=1, max_size=3, unique=True).map(
    lambda xs: [FVar(x) for x in xs]
)


@SETTINGS
@given(terms, fvar_lists)
def test_abstract_matches_reference_and_instantiate_inverts_it(e: Expr, xs: list[Expr]) -> None:
    abstracted = abstract(e, xs)
    assert abstracted is ref_abstract(e, xs)
    if e.loose == 0:
        assert instantiate_rev(abstracted, xs) is e
        assert not any(x in subterms(abstracted) for x in xs)


@SETTINGS
@given(terms)
def test_instantiate_then_abstract_round_trip(e: Expr) -> None:
    n = max(e.loose, 1)
    xs: list[Expr] = [FVar(800_000 + i) for i in range(n)]  # fresh: the generator never uses these
    opened = instantiate_rev(e, xs)
    assert opened.loose == 0
    assert abstract(opened, xs) is e


def test_instantiate_lifts_substituted_terms_under_binders() -> None:
    nat = Const("Nat")
    # (fun y => #1 y)[#0 := #5]  =  fun y => #6 y
    body = Lam("y", nat, App(BVar(1), BVar(0)))
    assert instantiate(body, [BVar(5)]) is Lam("y", nat, App(BVar(6), BVar(0)))
    # higher loose variables drop by the number of substituted values
    assert instantiate(App(BVar(0), BVar(3)), [NatLit(1), NatLit(2)]) is App(NatLit(1), BVar(1))
    # instantiate_rev: the last element replaces #0
    assert instantiate_rev(App(BVar(1), BVar(0)), [NatLit(1), NatLit(2)]) is App(NatLit(1), NatLit(2))


def test_mk_pi_and_mk_lambda_close_over_fvars() -> None:
    nat = Const("Nat")
    x, y = FVar(900_101), FVar(900_102)
    body = App(App(Const("f"), x), y)
    pi = E.mk_pi([("x", x, nat, BinderInfo.DEFAULT), ("y", y, App(Const("P"), x), BinderInfo.IMPLICIT)], body)
    assert pi is Pi(
        "x", nat, Pi("y", App(Const("P"), BVar(0)), App(App(Const("f"), BVar(1)), BVar(0)), BinderInfo.IMPLICIT)
    )
    lam = E.mk_lambda([("x", x, nat, BinderInfo.DEFAULT)], body)
    assert lam is Lam("x", nat, App(App(Const("f"), BVar(0)), y))


def test_collect_mvars_in_order_of_first_occurrence() -> None:
    m1, m2 = MVar(900_201), MVar(900_202)
    e = App(App(Const("f"), m2), App(m1, m2))
    assert E.collect_mvars(e) == [m2, m1]
    assert E.collect_fvars(App(FVar(900_203), m1)) == {FVar(900_203)}
    assert E.collect_consts(e) == {"f"}


# ---------------------------------------------------------------------------------------------
# very deep terms
# ---------------------------------------------------------------------------------------------

DEPTH = 100_000


def _deep_work() -> None:
    nat = Const("Nat")
    c = Const("c")
    x = FVar(900_301)
    # App spine: #0 #0 #0 … (DEPTH applications)
    spine: Expr = BVar(0)
    for _ in range(DEPTH):
        spine = App(spine, BVar(0))
    assert spine.loose == 1
    out = instantiate(spine, [c])
    n = 0
    cur = out
    while isinstance(cur, App):
        assert cur.arg is c
        cur = cur.fn
        n += 1
    assert cur is c and n == DEPTH
    # Lam chain: fun x => fun x => … => #DEPTH #0  (one loose variable, seen through every binder)
    lam: Expr = App(BVar(DEPTH), BVar(0))
    for _ in range(DEPTH):
        lam = Lam("x", nat, lam)
    assert lam.loose == 1 and has_loose_bvar(lam, 0) and not has_loose_bvar(lam, 1)
    opened = instantiate(lam, [x])
    k = 0
    cur = opened
    while isinstance(cur, Lam):
        cur = cur.body
        k += 1
    assert k == DEPTH and cur is App(x, BVar(0))
    assert abstract(opened, [x]) is lam


def test_deep_app_and_lambda_chains() -> None:
    # the collector would repeatedly traverse the 10^5-node terms while they are built; pause it
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        run_deep(_deep_work)
    finally:
        if was_enabled:
            gc.enable()
