"""Structured counter-model families (affine, 2×2 matrices, SAT tables) and their refutations."""

from __future__ import annotations

import itertools
import random

import pytest

from tactic_mesh.calculus.magma.equations import Equation, Term, parse_equation
from tactic_mesh.symbolic import model_families
from tactic_mesh.symbolic.finite_models import FiniteModel, find_counter_model
from tactic_mesh.symbolic.model_families import (
    FamilyModel,
    find_family_model,
    search_families,
    simplify_onto,
)
from tactic_mesh.symbolic.refutation import law_tuples, refute

# dev row 189 (ETP 1279 ⇏ 8, refuted in the ETP by a linear operation): no table of size ≤ 4
LAW_1279 = parse_equation("x = y ◇ (((x ◇ x) ◇ y) ◇ y)")
LAW_8 = parse_equation("x = x ◇ (x ◇ x)")
# dev row 432 (ETP 2866 ⇏ 326): the affine model needs a non-zero constant
LAW_2866 = parse_equation("x = ((x ◇ (y ◇ x)) ◇ y) ◇ y")
LAW_326 = parse_equation("x ◇ y = x ◇ (y ◇ y)")


def test_a_row_beyond_size_four_is_refuted_by_an_affine_model() -> None:
    assert find_counter_model(LAW_1279, LAW_8, 4) is None
    found = search_families(LAW_1279, LAW_8, 2.0)
    assert found is not None and found.family == "affine"
    model = found.model
    assert model.size > 4
    assert model.satisfies(LAW_1279) and model.fails_at_witness(LAW_8)
    refutation = refute(LAW_1279, LAW_8, model)
    assert refutation.checked_by == "kernel"
    assert "check_ok" in refutation.theory  # proved by reflection, not by n^k cases


def test_an_affine_model_with_a_constant() -> None:
    found = search_families(LAW_2866, LAW_326, 2.0)
    assert found is not None and found.family == "affine"
    assert not found.description.endswith("+ 0 mod " + str(found.model.size))
    assert found.model.satisfies(LAW_2866) and found.model.fails_at_witness(LAW_326)
    assert find_family_model(LAW_2866, LAW_326, 2.0) == found.model


def test_a_true_implication_yields_no_model() -> None:
    # x ◇ y = x (left projection) implies (x ◇ y) ◇ z = x ◇ z: every family must come back empty
    a = parse_equation("x ◇ y = x")
    b = parse_equation("(x ◇ y) ◇ z = x ◇ z")
    assert find_family_model(a, b, 1.0) is None
    # x = y ◇ x implies its instance x = x ◇ x
    a = parse_equation("x = y ◇ x")
    assert find_family_model(a, parse_equation("x = x ◇ x"), 1.0) is None


def test_a_bogus_model_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    bogus = FiniteModel(5, tuple(tuple((x + y) % 5 for y in range(5)) for x in range(5)), (("x", 0),))

    def lying_search(a: Equation, b: Equation, deadline: object, max_tuples: int) -> object:
        yield FamilyModel("affine", "x ◇ y = x + y mod 5", bogus)

    monkeypatch.setattr(model_families, "_affine_models", lying_search)
    with pytest.raises(RuntimeError, match="not a counter-model"):
        search_families(LAW_1279, LAW_8, 1.0)


def _random_term(rng: random.Random, names: str, ops: int) -> Term:
    if ops == 0:
        return rng.choice(names)
    left = rng.randrange(ops)
    return (_random_term(rng, names, left), _random_term(rng, names, ops - 1 - left))


def test_the_symbolic_affine_test_agrees_with_evaluation() -> None:
    """Whatever the affine search returns satisfies ``a`` and fails ``b`` on the table, and when it
    finds nothing for a size no affine table of that size is a counter-model."""
    rng = random.Random(7)
    deadline = model_families._Deadline(60.0)
    for _ in range(30):
        a = Equation(_random_term(rng, "xy", rng.randrange(1, 4)), _random_term(rng, "xy", rng.randrange(0, 3)))
        b = Equation(_random_term(rng, "xyz", rng.randrange(1, 3)), _random_term(rng, "xyz", rng.randrange(0, 3)))
        got = next(model_families._affine_models(a, b, deadline, 36), None)
        if got is not None:
            assert got.model.satisfies(a) and got.model.fails_at_witness(b)
            bound = got.model.size
        else:
            bound = 6
        for n in range(2, min(bound, 6)):  # smaller sizes: nothing was missed
            for p, q, c in itertools.product(range(n), repeat=3):
                table = tuple(tuple((p * x + q * y + c) % n for y in range(n)) for x in range(n))
                model = FiniteModel(n, table, ())
                assert not (model.satisfies(a) and not model.satisfies(b)), (a, b, n, p, q, c)


def test_matrix_models_are_counter_models() -> None:
    a = parse_equation("x = (x ◇ y) ◇ y")
    b = parse_equation("x ◇ y = y ◇ x")
    deadline = model_families._Deadline(10.0)
    found = list(itertools.islice(model_families._matrix_models(a, b, deadline, 2_500), 3))
    assert found
    for f in found:
        assert f.family == "matrix" and f.model.satisfies(a) and f.model.fails_at_witness(b)


def test_sat_tables_beyond_brute_force() -> None:
    # a commutative table of size 5 that is not associative
    a = parse_equation("x ◇ y = y ◇ x")
    b = parse_equation("x ◇ (y ◇ z) = (x ◇ y) ◇ z")
    model = model_families._sat_search(a, b, 5, 5.0)
    assert model is not None and model.size == 5
    assert model.satisfies(a) and model.fails_at_witness(b)


def test_simplify_onto_keeps_the_law_equivalent() -> None:
    a = parse_equation("x = (y ◇ x) ◇ (x ◇ (z ◇ w))")
    simple = simplify_onto(a)
    assert len(simple.variables()) == 3 and simple.lhs == "x"
    # a law that does not make the operation onto is left alone
    c = parse_equation("x ◇ (y ◇ z) = (x ◇ y) ◇ z")
    assert simplify_onto(c) == c


def test_the_certificate_cost_stays_capped() -> None:
    found = search_families(LAW_1279, LAW_8, 2.0, max_tuples=30)
    assert found is None or law_tuples(LAW_1279, found.model) <= 30
