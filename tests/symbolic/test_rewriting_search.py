"""The library's own bounded search on an implication: a theorem whose proof is ``eq_search``."""

from __future__ import annotations

from tactic_mesh.calculus.magma.equations import parse_equation
from tactic_mesh.symbolic.rewriting import prove_by_rewriting


def test_a_short_chain_is_found_and_admitted() -> None:
    proof = prove_by_rewriting(parse_equation("x ◇ y = y ◇ x"), parse_equation("(x ◇ y) ◇ z = z ◇ (y ◇ x)"))
    assert proof is not None and "eq_search 3" in proof.theory and proof.checked_by == "kernel"


def test_no_chain_within_the_bound_is_none() -> None:
    a, b = parse_equation("x ◇ y = y ◇ x"), parse_equation("(x ◇ y) ◇ z = x ◇ (y ◇ z)")  # false
    assert prove_by_rewriting(a, b, depth=2) is None
    # true, but needs more rewrites than depth 1 from each side allows
    a, b = parse_equation("x = (x ◇ y) ◇ x"), parse_equation("x = (((x ◇ y) ◇ x) ◇ z) ◇ ((x ◇ y) ◇ x)")
    assert prove_by_rewriting(a, b, depth=1) is None
    assert prove_by_rewriting(a, b, depth=2) is not None
