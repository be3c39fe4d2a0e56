"""``symbolic.etp_features``: the router's cheap features of a pair of laws."""

from __future__ import annotations

import pytest

from tactic_mesh.calculus.magma.equations import parse_equation
from tactic_mesh.symbolic.etp_features import NAMES, features, holds_in


def named(a: str, b: str) -> dict[str, float]:
    x = features(parse_equation(a), parse_equation(b))
    assert len(x) == len(NAMES) and len(set(NAMES)) == len(NAMES)
    return dict(zip(NAMES, x, strict=True))


def test_sizes_depth_and_variables() -> None:
    f = named("x = (y ◇ x) ◇ y", "x ◇ (y ◇ z) = (x ◇ w) ◇ u")
    assert (f["a_ops"], f["a_depth"], f["a_vars"], f["a_one_side_vars"], f["a_max_occurrences"]) == (2, 2, 2, 1, 2)
    assert (f["b_ops"], f["b_depth"], f["b_vars"], f["b_one_side_vars"], f["b_max_occurrences"]) == (4, 2, 5, 4, 2)
    assert (f["a_bare_side"], f["b_bare_side"], f["a_forces_trivial"]) == (1, 0, 0)
    assert (f["ops_diff"], f["vars_diff"]) == (2, 3)


def test_a_bare_variable_missing_from_the_other_side_forces_a_trivial_magma() -> None:
    assert named("x = y ◇ z", "x = x")["a_forces_trivial"] == 1
    assert named("x = y", "x = x")["a_forces_trivial"] == 1
    assert named("x = x ◇ y", "x = x")["a_forces_trivial"] == 0
    assert named("x = x", "x = y")["a_trivial_law"] == 1


@pytest.mark.parametrize("law, tables", [
    ("x ◇ y = x", {12}),  # only the left projection: bit 2p + q holds p
    ("x = y", set()),
    ("x = x", set(range(16))),
    ("x ◇ y = y ◇ x", {0, 1, 6, 7, 8, 9, 14, 15}),  # the tables with bit 1 = bit 2
])
def test_two_element_magmas_are_evaluated_exactly(law: str, tables: set[int]) -> None:
    assert holds_in(parse_equation(law)) == tables


def test_instance_and_small_counter_model() -> None:
    f = named("x = x ◇ y", "x = x ◇ (y ◇ z)")
    assert f["is_instance"] == 1 and f["counter2"] == 0
    assert named("x ◇ y = y ◇ x", "y ◇ x = x ◇ y")["is_instance"] == 1  # the other orientation counts
    g = named("x ◇ y = x", "x ◇ y = y ◇ x")  # the left projection is a two-element counter-model
    assert g["is_instance"] == 0 and g["counter2"] == 1 and g["a_sat2"] == 1 / 16


def test_shared_shapes() -> None:
    assert named("x ◇ (y ◇ z) = (x ◇ y) ◇ z", "x ◇ (x ◇ x) = x")["shared_shapes"] == 1.0
    assert named("x ◇ y = x", "x ◇ (y ◇ z) = x")["shared_shapes"] == 0.5
