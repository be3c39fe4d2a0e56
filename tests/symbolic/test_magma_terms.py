"""Matching and unification of magma terms (constants are rigid, variables bind)."""

from __future__ import annotations

import random

from tactic_mesh.calculus.magma.equations import Term
from tactic_mesh.calculus.magma.terms import at, match, rename, replace, resolve, subterms, unify, variables


def test_matching_binds_variables_only() -> None:
    subst: dict[str, Term] = {}
    assert match(("x", ("y", "x")), ("@a", (("@b", "z"), "@a")), subst)
    assert subst == {"x": "@a", "y": ("@b", "z")}
    assert not match("@a", "@b", {})
    assert not match(("x", "x"), ("@a", "@b"), {})
    assert match("@a", "@a", {})


def test_unification_is_most_general_and_checks_occurrences() -> None:
    theta = unify(("x", ("y", "z")), (("@a", "w"), "x"))
    assert theta is not None
    assert resolve(("x", ("y", "z")), theta) == resolve((("@a", "w"), "x"), theta)
    assert unify("x", ("x", "y")) is None  # occurs check
    assert unify("@a", "@b") is None
    assert unify(("x", "@a"), ("@b", "y")) == {"x": "@b", "y": "@a"}


def _random_term(rng: random.Random, depth: int) -> Term:
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(["x", "y", "z", "@c", "@d"])
    return (_random_term(rng, depth - 1), _random_term(rng, depth - 1))


def test_unifiers_unify_on_random_terms() -> None:
    rng = random.Random(7)
    unified = 0
    for _ in range(2000):
        s, t = _random_term(rng, 3), rename(_random_term(rng, 3), "r")
        theta = unify(s, t)
        if theta is not None:
            unified += 1
            assert resolve(s, theta) == resolve(t, theta)
        elif not variables(s) and not variables(t):
            assert s != t
    assert unified > 100


def test_positions() -> None:
    t: Term = ("x", ("y", "z"))
    paths = dict(subterms(t))
    assert paths[(1, 0)] == "y" and at(t, (1, 1)) == "z"
    assert replace(t, (1,), "w") == ("x", "w")
    assert variables(t) == {"x", "y", "z"}
