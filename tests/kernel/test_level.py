"""Universe levels: the decision procedure for ``≤`` is checked against brute-force evaluation.

A level denotes a function from assignments (parameter ↦ natural number) to naturals, with
``imax a b = 0`` when ``b = 0`` and ``max a b`` otherwise.  ``is_leq a b`` must hold exactly when
``a ≤ b`` under *every* assignment (sound and complete).  Brute force over a finite box suffices:
compressing the gaps between the values of an assignment to at most ``S + 1`` (``S`` = number of
``succ`` nodes of both sides) preserves every comparison ``p + k ≤ q + k'`` and ``p + k ≤ c``
(``k, k', c ≤ S``) and every ``p = 0``, so a counterexample exists iff one exists with values in
``[0, |params| · (S + 1)]``.
"""

from __future__ import annotations

import contextlib
import itertools
import pickle
import sys
from collections.abc import Callable, Iterator

from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.level import (
    ONE,
    ZERO,
    Level,
    LIMax,
    LMax,
    LParam,
    LSucc,
    is_equiv,
    is_leq,
    is_never_zero,
    level_of_int,
    mk_imax,
    mk_max,
    normalize,
    substitute,
)

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

U, V, W = LParam("u"), LParam("v"), LParam("w")

# ---------------------------------------------------------------------------------------------
# reference semantics
# ---------------------------------------------------------------------------------------------


def compile_level(level: Level) -> Callable[[dict[str, int]], int]:
    """The meaning of a level as a Python function of an assignment."""
    if level is ZERO:
        return lambda s: 0
    if isinstance(level, LParam):
        name = level.name
        return lambda s: s[name]
    if isinstance(level, LSucc):
        f = compile_level(level.of)
        return lambda s: f(s) + 1
    if isinstance(level, LMax):
        f, g = compile_level(level.lhs), compile_level(level.rhs)
        return lambda s: max(f(s), g(s))
    if isinstance(level, LIMax):
        f, g = compile_level(level.lhs), compile_level(level.rhs)

        def imax(s: dict[str, int]) -> int:
            r = g(s)
            return 0 if r == 0 else max(f(s), r)

        return imax
    raise AssertionError(f"unexpected level {level!r}")


def evaluate(level: Level, assignment: dict[str, int]) -> int:
    return compile_level(level)(assignment)


def succ_count(level: Level) -> int:
    if isinstance(level, LSucc):
        return 1 + succ_count(level.of)
    if isinstance(level, (LMax, LIMax)):
        return succ_count(level.lhs) + succ_count(level.rhs)
    return 0


def params(*levels: Level) -> list[str]:
    return sorted({p for level in levels for p in lv.params_of(level)})


def assignments(*levels: Level) -> list[dict[str, int]]:
    """A box of assignments large enough to contain a counterexample if there is one."""
    names = params(*levels)
    bound = len(names) * (sum(succ_count(level) for level in levels) + 1)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(range(bound + 1), repeat=len(names))]


def brute_leq(a: Level, b: Level) -> bool:
    fa, fb = compile_level(a), compile_level(b)
    return all(fa(s) <= fb(s) for s in assignments(a, b))


def brute_equiv(a: Level, b: Level) -> bool:
    fa, fb = compile_level(a), compile_level(b)
    return all(fa(s) == fb(s) for s in assignments(a, b))


# ---------------------------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------------------------


def level_strategy(names: tuple[str, ...] = ("u", "v"), max_leaves: int = 6) -> st.SearchStrategy[Level]:
    leaves = st.one_of(
        st.just(ZERO),
        st.sampled_from([LParam(n) for n in names]),
        st.integers(1, 2).map(level_of_int),
    )
    return st.recursive(
        leaves,
        lambda sub: st.one_of(
            sub.map(LSucc),
            st.builds(LMax, sub, sub),
            st.builds(LIMax, sub, sub),
        ),
        max_leaves=max_leaves,
    )


@contextlib.contextmanager
def bounded_recursion(extra: int = 250) -> Iterator[None]:
    """Make a runaway recursion fail fast (legitimate level algorithms recurse a few dozen deep)."""
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + extra)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def small(*levels: Level) -> bool:
    """Keep the brute-force box small (at most ~150 assignments)."""
    return len(assignments(*levels)) <= 150


levels2 = level_strategy()
levels3 = level_strategy(("u", "v", "w"), max_leaves=5)


def equivalent_variant(level: Level) -> st.SearchStrategy[Level]:
    """Semantics-preserving rewrites of ``level`` (to get pairs that really are equivalent)."""
    options = [
        st.just(level),
        st.just(LMax(level, level)),
        st.just(LMax(level, ZERO)),
        st.just(LMax(ZERO, level)),
        st.just(normalize(level)),
        st.just(LMax(level, LIMax(level, level))),  # imax a a = a
        st.just(LIMax(ZERO, level)),  # imax 0 a = a
    ]
    if isinstance(level, LMax):
        options.append(st.just(LMax(level.rhs, level.lhs)))
        if isinstance(level.lhs, LMax):
            options.append(st.just(LMax(level.lhs.lhs, LMax(level.lhs.rhs, level.rhs))))
    if isinstance(level, LSucc) and isinstance(level.of, LMax):
        options.append(st.just(LMax(LSucc(level.of.lhs), LSucc(level.of.rhs))))
    if isinstance(level, LIMax) and is_never_zero(level.rhs):
        options.append(st.just(LMax(level.lhs, level.rhs)))
    return st.one_of(options)


# ---------------------------------------------------------------------------------------------
# is_leq: exact decision procedure
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(levels2, levels2)
def test_is_leq_agrees_with_brute_force(a: Level, b: Level) -> None:
    assume(small(a, b))
    assert is_leq(a, b) == brute_leq(a, b), (str(a), str(b))


@settings(SETTINGS, max_examples=150)
@given(levels3, levels3)
def test_is_leq_agrees_with_brute_force_three_params(a: Level, b: Level) -> None:
    assume(small(a, b))
    assert is_leq(a, b) == brute_leq(a, b), (str(a), str(b))


@SETTINGS
@given(levels2)
def test_is_leq_against_its_own_bounds(a: Level) -> None:
    # a ≤ max a b, a ≤ a+1, 0 ≤ a, and (unless a is 0 everywhere) a+1 ≰ a
    assert is_leq(a, a)
    assert is_leq(ZERO, a)
    assert is_leq(a, LSucc(a))
    assert is_leq(a, LMax(a, U))
    assert is_leq(a, LMax(V, a))
    assert not is_leq(LSucc(a), a)


@settings(SETTINGS, phases=[Phase.generate], report_multiple_bugs=False)
@given(levels2, levels2)
def test_imax_is_below_max(a: Level, b: Level) -> None:
    # imax a b ≤ max a b and imax a b ≤ b ⊔ a  hold under every assignment
    assume(small(a, b))
    with bounded_recursion():
        assert is_leq(LIMax(a, b), LMax(a, b))
        assert is_leq(LIMax(a, b), LMax(b, a))


def test_is_leq_known_cases() -> None:
    # imax with a zero right-hand side is zero; with a successor it is max
    assert is_equiv(LIMax(U, ZERO), ZERO)
    assert is_equiv(LIMax(U, LSucc(V)), LMax(U, LSucc(V)))
    # imax u v ≤ max u v, but not conversely (v = 0, u = 1)
    assert is_leq(LIMax(U, V), LMax(U, V))
    assert not is_leq(LMax(U, V), LIMax(U, V))
    # imax u u = u
    assert is_equiv(LIMax(U, U), U)
    # max u v ≤ max (imax u v) u
    assert is_leq(LMax(U, V), LMax(LIMax(U, V), U))
    # incomparable parameters
    assert not is_leq(U, V)
    assert not is_leq(V, U)
    # constants
    assert is_leq(ONE, LSucc(U))
    assert not is_leq(ONE, U)
    assert is_leq(level_of_int(2), LMax(U, level_of_int(2)))
    assert not is_leq(level_of_int(3), LMax(U, level_of_int(2)))
    # max u+1 v ≤ max u v + 1
    assert is_leq(LMax(LSucc(U), V), LSucc(LMax(U, V)))
    assert not is_leq(LSucc(LMax(U, V)), LMax(LSucc(U), V))


def test_is_leq_nested_imax_terminates() -> None:
    # imax u (imax v u) ≤ max u v holds everywhere; the case split on `v` (the first parameter of
    # the inner imax) turns it into `v+1`, finds `v` again and never reaches `u`
    with bounded_recursion():
        assert is_leq(LIMax(U, LIMax(V, U)), LMax(U, V))
        assert is_leq(LIMax(U, LIMax(LSucc(V), W)), LMax(U, LMax(LSucc(V), W)))


# ---------------------------------------------------------------------------------------------
# is_equiv: an equivalence relation that matches the semantics
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(levels2, levels2)
def test_is_equiv_agrees_with_brute_force(a: Level, b: Level) -> None:
    assume(small(a, b))
    assert is_equiv(a, b) == brute_equiv(a, b), (str(a), str(b))


@SETTINGS
@given(st.data())
def test_is_equiv_is_an_equivalence(data: st.DataObject) -> None:
    a = data.draw(levels2, label="a")
    b = data.draw(equivalent_variant(a), label="b")
    c = data.draw(equivalent_variant(b), label="c")
    assume(small(a, b, c))
    # the variants really are equivalent (checked independently)
    assert brute_equiv(a, b) and brute_equiv(b, c)
    assert is_equiv(a, a)
    assert is_equiv(a, b) and is_equiv(b, a)
    assert is_equiv(b, c) and is_equiv(c, b)
    assert is_equiv(a, c)


@SETTINGS
@given(levels2, levels2, levels2)
def test_is_equiv_symmetric_and_transitive_on_arbitrary_triples(a: Level, b: Level, c: Level) -> None:
    assume(small(a, b, c))
    assert is_equiv(a, b) == is_equiv(b, a)
    if is_equiv(a, b) and is_equiv(b, c):
        assert is_equiv(a, c)
    if is_leq(a, b) and is_leq(b, c):
        assert is_leq(a, c)


# ---------------------------------------------------------------------------------------------
# normalize, smart constructors, substitution
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(levels2)
def test_normalize_preserves_meaning(a: Level) -> None:
    assume(small(a))
    n = normalize(a)
    fa, fn = compile_level(a), compile_level(n)
    for s in assignments(a):
        assert fa(s) == fn(s), (str(a), str(n), s)
    assert is_equiv(a, n)
    assert normalize(n) is n  # idempotent


@SETTINGS
@given(
    level_strategy(max_leaves=5).filter(lambda x: "imax" not in str(x)),
    level_strategy(max_leaves=5).filter(lambda x: "imax" not in str(x)),
)
def test_normalize_is_canonical_without_imax(a: Level, b: Level) -> None:
    assume(small(a, b))
    assert (normalize(a) is normalize(b)) == brute_equiv(a, b), (str(a), str(b))


@SETTINGS
@given(levels2, levels2)
def test_smart_constructors_preserve_meaning(a: Level, b: Level) -> None:
    assume(small(a, b))
    m, i = mk_max(a, b), mk_imax(a, b)
    fa, fb, fm, fi = compile_level(a), compile_level(b), compile_level(m), compile_level(i)
    for s in assignments(a, b):
        assert fm(s) == max(fa(s), fb(s))
        assert fi(s) == (0 if fb(s) == 0 else max(fa(s), fb(s)))


@SETTINGS
@given(levels2)
def test_is_never_zero_is_sound(a: Level) -> None:
    assume(small(a))
    if is_never_zero(a):
        f = compile_level(a)
        assert all(f(s) > 0 for s in assignments(a))


@SETTINGS
@given(levels2, levels2)
def test_substitute_is_composition(a: Level, m: Level) -> None:
    assume(small(a, m))
    sub = substitute(a, {"u": m})
    fa, fm, fs = compile_level(a), compile_level(m), compile_level(sub)
    for s in assignments(a, m, U):
        inner = {**s, "u": fm(s)}
        assert fs(s) == fa(inner)


# ---------------------------------------------------------------------------------------------
# hash-consing and the rebuild invariant
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(levels3)
def test_levels_are_hash_consed_and_rebuild(a: Level) -> None:
    def rebuild(level: Level) -> Level:
        args = tuple(rebuild(x) if isinstance(x, Level) else x for x in level.args())
        return type(level)(*args)

    assert rebuild(a) is a
    assert type(a)(*a.args()) is a
    assert pickle.loads(pickle.dumps(a)) is a
    assert (a == rebuild(a)) and hash(a) == hash(rebuild(a))


def test_level_constants() -> None:
    assert LSucc(ZERO) is ONE
    assert level_of_int(3) is LSucc(LSucc(LSucc(ZERO)))
    assert LMax(U, V) is not LMax(V, U)
    assert LMax(U, V) is not LIMax(U, V)
    assert lv.to_offset(level_of_int(2, U)) == (U, 2)
    assert str(LMax(LSucc(U), V)) == "max (u+1) v"
