"""Affine counter-models over ℤ and their kernel-checked refutations (``symbolic.linear_models``)."""

from __future__ import annotations

import random

import pytest

from tactic_mesh.calculus.magma.equations import Equation, Term, parse_equation
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.symbolic.admit import admit
from tactic_mesh.symbolic.linear_models import (
    AffineZ,
    certificate_text,
    difference,
    evaluate,
    find_linear_model,
    holds,
    refute_linear,
    theory_env,
    theory_text,
    witness,
)
from tactic_mesh.symbolic.refutation import implication_text

# dev row 13 (ETP 3 ⇏ …): x ◇ y = -x - y satisfies a, and b fails at x = 1
ROW_13_A = parse_equation("x = (y ◇ x) ◇ y")
ROW_13_B = parse_equation("x = (y ◇ z) ◇ ((x ◇ w) ◇ w)")
# dev row 607: needs p = 2, q = -4 among the small coefficients
ROW_607_A = parse_equation("(x ◇ x) ◇ y = (y ◇ y) ◇ x")
ROW_607_B = parse_equation("x ◇ (y ◇ x) = (x ◇ y) ◇ y")


def _random_term(rng: random.Random, names: str, depth: int) -> Term:
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(names)
    return (_random_term(rng, names, depth - 1), _random_term(rng, names, depth - 1))


def test_the_affine_form_agrees_with_evaluation() -> None:
    rng = random.Random(7)
    for _ in range(300):
        eq = Equation(_random_term(rng, "xyz", 4), _random_term(rng, "xyz", 4))
        model = AffineZ(rng.randint(-4, 4), rng.randint(-4, 4), rng.randint(-2, 2))
        coefficients, constant = difference(eq, model)
        for _ in range(3):
            env = {v: rng.randint(-50, 50) for v in eq.variables()}
            expected = sum(c * env[v] for c, v in zip(coefficients, eq.variables(), strict=True)) + constant
            assert evaluate(eq.lhs, env, model) - evaluate(eq.rhs, env, model) == expected
        values = witness(eq, model)
        assert (values is None) == holds(eq, model)
        if values is not None:
            assert evaluate(eq.lhs, values, model) != evaluate(eq.rhs, values, model)


def test_the_search_finds_the_small_models() -> None:
    found = find_linear_model(ROW_13_A, ROW_13_B)
    assert found is not None
    model, values = found
    assert (model.p, model.q) == (-1, -1)
    assert holds(ROW_13_A, model) and not holds(ROW_13_B, model)
    assert evaluate(ROW_13_B.lhs, values, model) != evaluate(ROW_13_B.rhs, values, model)
    model, _ = find_linear_model(ROW_607_A, ROW_607_B) or pytest.fail("no model")
    assert (model.p, model.q) == (2, -4)
    assert model.describe() == "x ◇ y = 2·x - 4·y over ℤ"


def test_no_model_for_a_true_implication_or_beyond_the_integers() -> None:
    # x ◇ y = x implies (x ◇ y) ◇ z = x ◇ z: no model of any kind
    assert find_linear_model(parse_equation("x ◇ y = x"), parse_equation("(x ◇ y) ◇ z = x ◇ z")) is None
    # ETP 1279 ⇏ 8 has affine models mod 5 but none over ℤ: x's coefficient would be q·p²·(p+q) = 1
    a, b = parse_equation("x = y ◇ (((x ◇ x) ◇ y) ◇ y)"), parse_equation("x = x ◇ (x ◇ x)")
    assert find_linear_model(a, b, bound=12) is None


def test_refutations_are_admitted_by_the_kernel() -> None:
    for a, b in ((ROW_13_A, ROW_13_B), (ROW_607_A, ROW_607_B)):
        model, values = find_linear_model(a, b) or pytest.fail("no model")
        refutation = refute_linear(a, b, model, values)
        assert refutation.theory.startswith(theory_text())  # the written file is self-contained
        # the theorem the kernel admitted has exactly the type of the refutation, elaborated apart
        admitted = admit(refutation.theory, "certificate", prelude()).find(refutation.theorem)
        expected = admit(f"def expected : Prop := ¬ ({implication_text(a, b)})", "statement", prelude())
        assert admitted is not None and admitted.type == expected.find("expected").value


@pytest.mark.parametrize("k", [1, -1])
def test_a_constant_term_and_a_witness_at_zero(k: int) -> None:
    # x ◇ y = x ± 1 satisfies x ◇ y = x ◇ z and refutes x = x ◇ x only through the constant
    a, b = parse_equation("x ◇ y = x ◇ z"), parse_equation("x = x ◇ x")
    model = AffineZ(1, 0, k)
    assert holds(a, model) and difference(b, model) == ((0,), -k)
    values = witness(b, model)
    assert values == {"x": 0}
    refutation = refute_linear(a, b, model, values)
    assert f"Lin.Affine.mk 1 0 0 0 {1 if k > 0 else 0} {0 if k > 0 else 1}" in refutation.theory


def test_a_model_in_which_a_fails_is_refused() -> None:
    # x ◇ y = x + y does not satisfy x = (y ◇ x) ◇ y: the normal forms differ, `rfl` fails
    text, _, _ = certificate_text(ROW_13_A, ROW_13_B, AffineZ(1, 1, 0), {"x": 1, "y": 0, "z": 0, "w": 0})
    with pytest.raises(TacticMeshError, match="law"):
        admit(text, "forged", theory_env())


def test_a_witness_at_which_b_holds_is_refused() -> None:
    model = AffineZ(-1, -1, 0)
    # at all zeros both sides of b are 0
    text, _, _ = certificate_text(ROW_13_A, ROW_13_B, model, {"x": 0, "y": 0, "z": 0, "w": 0})
    with pytest.raises(TacticMeshError, match="fails"):
        admit(text, "forged", theory_env())


def test_the_kernel_operation_is_integer_arithmetic() -> None:
    """``Lin.op`` computes ``p·x + q·y + k`` on ℤ: the kernel evaluates it on random integers."""
    rng = random.Random(11)
    lines = []
    for i in range(25):
        model = AffineZ(rng.randint(-5, 5), rng.randint(-5, 5), rng.randint(-3, 3))
        x, y = rng.randint(-40, 40), rng.randint(-40, 40)
        parts = " ".join(str(n) for v in (model.p, model.q, model.k) for n in ((v, 0) if v >= 0 else (0, -v)))
        lines.append(f"theorem op_{i} : Lin.op (Lin.Affine.mk {parts}) {_int(x)} {_int(y)} = "
                     f"{_int(model.apply(x, y))} := rfl")
    admit("\n".join(lines), "arithmetic", theory_env())
    with pytest.raises(TacticMeshError):
        admit(f"theorem wrong : Lin.op (Lin.Affine.mk 0 1 2 0 0 0) {_int(3)} {_int(-2)} = {_int(-6)} := rfl",
              "arithmetic", theory_env())


def _int(n: int) -> str:
    return f"(Int.ofNat {n})" if n >= 0 else f"(Int.negSucc {-n - 1})"
