"""Magma equations: the ETP's 4694 laws parse and print back; bad text is located."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tactic_mesh.calculus.magma.equations import EquationError, data_dir, evaluate, load_equations, parse_equation

DATA = data_dir()


@pytest.mark.skipif(DATA is None, reason="the shared ETP data (shared/data/etp) is not on this machine")
def test_all_etp_laws_round_trip() -> None:
    assert DATA is not None
    eqs = load_equations(DATA / "equations.txt")
    assert len(eqs) == 4694
    assert eqs[4512].text() == "x ◇ (y ◇ z) = (x ◇ y) ◇ z" and eqs[4512].variables() == ("x", "y", "z")
    for eq in eqs.values():
        assert parse_equation(eq.text()) == eq


def test_evaluation() -> None:
    eq = parse_equation("x ◇ y = y ◇ x")
    left_projection = ((0, 0), (1, 1))
    assert evaluate(eq.lhs, {"x": 0, "y": 1}, left_projection) == 0
    assert evaluate(eq.rhs, {"x": 0, "y": 1}, left_projection) == 1


@pytest.mark.parametrize(("text", "message", "col"), [
    ("x ◇ y", "expected '='", 6),
    ("x ◇ y ◇ z = x", "ambiguous chain", 7),
    ("(x) = x", "parentheses around a variable", 3),
    ("x = (y ◇ z", "expected ')'", 11),
    ("x = y z", "unexpected text", 7),
    ("X = y", "expected a variable", 1),
    ("x = ", "unexpected end", 5),
])
def test_errors_are_located(text: str, message: str, col: int) -> None:
    with pytest.raises(EquationError, match=re.escape(message)) as err:
        parse_equation(text)
    assert err.value.loc is not None and err.value.loc.col == col


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(alphabet="xyz◇()= ", max_size=30))
def test_random_text_never_crashes(text: str) -> None:
    try:
        eq = parse_equation(text)
    except EquationError:
        return
    assert parse_equation(eq.text()) == eq


def test_deep_nesting_is_a_located_error() -> None:
    deep = "x = " + "(x ◇ " * 600 + "x" + ")" * 600
    with pytest.raises(EquationError, match="nested more than 200") as err:
        parse_equation(deep)
    assert err.value.loc is not None and err.value.loc.col > 200
