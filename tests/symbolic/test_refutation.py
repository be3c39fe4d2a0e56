"""Finite counter-models (z3, re-checked) and the kernel-checked refutations built from them."""

from __future__ import annotations

import csv

import pytest

from tactic_mesh.calculus.magma.equations import data_dir, parse_equation
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic import finite_models
from tactic_mesh.symbolic.finite_models import FiniteModel, find_counter_model
from tactic_mesh.symbolic.refutation import check_refutation, law_tuples, refutation_theory, refute, strengthen

LEFT_PROJECTION = parse_equation("x ◇ y = x")
COMMUTATIVE = parse_equation("x ◇ y = y ◇ x")


def test_left_projection_is_not_commutative() -> None:
    model = find_counter_model(LEFT_PROJECTION, COMMUTATIVE, 4)
    assert model is not None and model.size == 2
    assert model.satisfies(LEFT_PROJECTION) and model.fails_at_witness(COMMUTATIVE)
    refutation = refute(LEFT_PROJECTION, COMMUTATIVE, model)
    assert refutation.checked_by == "kernel"
    assert refutation.statement_text.startswith("¬ (∀ (G : Type) [Magma G], (∀ x y : G, x ◇ y = x) → ")
    env = check_refutation(refutation)
    assert env.find(refutation.theorem) is not None


def test_a_true_implication_has_no_counter_model() -> None:
    b = parse_equation("(x ◇ y) ◇ z = x ◇ z")  # in a left-projection magma both sides are x
    assert find_counter_model(LEFT_PROJECTION, b, 3) is None


def test_a_wrong_model_is_refused_by_the_kernel() -> None:
    # x ◇ y = y (right projection) does not satisfy the left projection law
    wrong = FiniteModel(2, ((0, 1), (0, 1)), (("x", 0), ("y", 1)))
    assert not wrong.satisfies(LEFT_PROJECTION)
    with pytest.raises(TacticMeshError, match="the kernel refuses the refutation"):
        check_refutation(refutation_theory(LEFT_PROJECTION, COMMUTATIVE, wrong))


def test_the_solver_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    bogus = FiniteModel(2, ((1, 1), (1, 1)), (("x", 0), ("y", 1)))
    monkeypatch.setattr(finite_models, "_search", lambda a, b, n, t: bogus)
    with pytest.raises(RuntimeError, match="not a counter-model"):
        find_counter_model(LEFT_PROJECTION, COMMUTATIVE, 2)


@pytest.mark.skipif(data_dir() is None, reason="the shared ETP data (shared/data/etp) is not on this machine")
def test_refuted_rows_of_the_dev_sample() -> None:
    """Rows the ETP refuted with small tables: each gets a kernel-checked refutation; no `true`
    row is ever refuted."""
    directory = data_dir()
    assert directory is not None
    with (directory / "dev_implications.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    small = [r for r in rows if r["holds"] == "false" and r["method"].split("+")[0] in ("SmallMagmas", "All4x4Tables")]
    refuted = 0
    for r in small[:12]:
        a, b = parse_equation(r["lhs_eq"]), parse_equation(r["rhs_eq"])
        model = find_counter_model(a, b, 4, 20_000)
        if model is not None:
            refute(a, b, model)
            refuted += 1
    assert refuted >= 10
    for r in [r for r in rows if r["holds"] == "true"][:12]:
        assert find_counter_model(parse_equation(r["lhs_eq"]), parse_equation(r["rhs_eq"]), 3, 20_000) is None


ASSOCIATIVE = parse_equation("x ◇ (y ◇ z) = (x ◇ y) ◇ z")


def _cyclic_group(n: int) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple((x + y) % n for y in range(n)) for x in range(n))


def test_reflection_certificate_for_a_larger_model() -> None:
    # Z/7 under addition is associative and not a left projection: 343 tuples, checked by evaluation
    model = FiniteModel(7, _cyclic_group(7), (("x", 0), ("y", 1)))
    refutation = refute(ASSOCIATIVE, LEFT_PROJECTION, model)
    assert "check_ok" in refutation.theory and "cases x" not in refutation.theory
    assert refutation.statement_text == "¬ (∀ (G : Type) [Magma G], (∀ x y z : G, x ◇ (y ◇ z) = (x ◇ y) ◇ z) → " \
        "∀ x y : G, x ◇ y = x)"


def test_both_methods_agree_on_a_small_model() -> None:
    model = find_counter_model(LEFT_PROJECTION, COMMUTATIVE, 4)
    assert model is not None
    for method in ("cases", "reflection"):
        check_refutation(refutation_theory(LEFT_PROJECTION, COMMUTATIVE, model, method))


def test_a_law_is_proved_through_a_stronger_one() -> None:
    a = parse_equation("x ◇ (y ◇ (z ◇ w)) = (x ◇ y) ◇ (z ◇ w)")
    model = FiniteModel(5, _cyclic_group(5), (("x", 0), ("y", 1)))
    strong, subst = strengthen(a, model)
    assert len(strong.variables()) == 3 and list(subst.values()) == [("z", "w")]
    assert law_tuples(a, model) == 125
    refute(a, LEFT_PROJECTION, model)


def test_a_wrong_model_is_refused_by_the_reflection_check() -> None:
    table = [list(row) for row in _cyclic_group(6)]
    table[2][3] = 0  # breaks associativity at one cell
    wrong = FiniteModel(6, tuple(tuple(row) for row in table), (("x", 0), ("y", 1)))
    assert not wrong.satisfies(ASSOCIATIVE)
    with pytest.raises(TacticMeshError, match="the kernel refuses the refutation"):
        check_refutation(refutation_theory(ASSOCIATIVE, LEFT_PROJECTION, wrong, "reflection"))
