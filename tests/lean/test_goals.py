"""Lean's goal text read back into goals (``lean/goals.py``): shapes, and terms read where our
term syntax reads them."""

from __future__ import annotations

import pytest

from tactic_mesh.calculus.terms import VExpr, VStr
from tactic_mesh.kernel.expr import FVar
from tactic_mesh.lean.goals import GoalTextError, LeanTerm, TermReader, parse_goal, parse_goals


@pytest.fixture(scope="module")
def reader() -> TermReader:
    return TermReader.prelude()


def test_hypotheses_and_target() -> None:
    g = parse_goal("n : Nat\nh : P n\n⊢ n + 0 = n")
    assert g.tag == ""
    assert [(h.names, h.type.text) for h in g.hypotheses] == [(("n",), "Nat"), (("h",), "P n")]
    assert g.target.text == "n + 0 = n"
    assert g.text == "n : Nat\nh : P n\n⊢ n + 0 = n"


def test_case_tag_and_multi_name_hypotheses() -> None:
    g = parse_goal("case succ\na b : Nat\nih : a + b = b + a\n⊢ a + Nat.succ b = Nat.succ b + a")
    assert g.tag == "succ"
    assert g.hypotheses[0].names == ("a", "b")
    assert [name for name, _, _ in g.locals()] == ["a", "b", "ih"]
    assert g.locals()[1][1].text == "Nat"


def test_dotted_case_tags_and_no_hypotheses() -> None:
    g = parse_goal("case h.e'_2\n⊢ True")
    assert g.tag == "h.e'_2" and g.hypotheses == () and g.target.text == "True"


def test_let_bound_hypotheses() -> None:
    g = parse_goal("x : Nat := 2 + 3\n⊢ x = 5")
    (h,) = g.hypotheses
    assert h.type.text == "Nat" and h.value is not None and h.value.text == "2 + 3"


def test_continuation_lines_join_a_long_type_and_target() -> None:
    text = "h :\n    ∀ (x y : Nat),\n      x + y = y + x\n⊢ 1 + 2 =\n    2 + 1"
    g = parse_goal(text)
    assert g.hypotheses[0].type.text == "∀ (x y : Nat), x + y = y + x"
    assert g.target.text == "1 + 2 = 2 + 1"
    assert g.text == text


def test_a_colon_inside_the_type_is_not_the_separator() -> None:
    g = parse_goal("f : (x : Nat) → Fin (x + 1)\nh : ∀ x : Nat, f x = 0\n⊢ True")
    assert [h.type.text for h in g.hypotheses] == ["(x : Nat) → Fin (x + 1)", "∀ x : Nat, f x = 0"]


def test_several_goals_in_one_text() -> None:
    text = "2 goals\ncase left\np q : Prop\nhq : q\n⊢ q\n\ncase right\np q : Prop\nhp : p\n⊢ p"
    left, right = parse_goals(text)
    assert (left.tag, left.target.text, right.tag, right.target.text) == ("left", "q", "right", "p")
    assert right.hypotheses[1].names == ("hp",)
    # goals follow each other without a blank line too
    assert len(parse_goals("⊢ True\n⊢ False")) == 2


def test_no_goals() -> None:
    assert parse_goals("no goals") == ()
    assert parse_goals("\n") == ()


def test_the_repls_leading_newline_is_ignored() -> None:
    assert parse_goal("\n⊢ Nat").target.text == "Nat"


@pytest.mark.parametrize("text", ["n : Nat", "just words\n⊢ True", "⊢ True\nh : p"])
def test_malformed_goal_text_is_a_named_error(text: str) -> None:
    with pytest.raises(GoalTextError):
        parse_goal(text)


def test_parse_goal_wants_exactly_one() -> None:
    with pytest.raises(GoalTextError, match="one goal is expected, the text has 2"):
        parse_goal("⊢ True\n\n⊢ False")


# -- terms -------------------------------------------------------------------------------------


def test_terms_are_read_in_the_goals_context(reader: TermReader) -> None:
    g = parse_goal("a b : Nat\nh : a = b\n⊢ b + 0 = a", reader)
    assert g.fully_parsed
    a_ty, h_ty = g.hypotheses[0].type, g.hypotheses[1].type
    assert a_ty.expr is not None and h_ty.expr is not None
    assert isinstance(g.target.value(), VExpr)
    # `h : a = b` refers to the locals `a` and `b`, not to constants
    assert any(isinstance(sub, FVar) for sub in _subterms(h_ty))


def test_let_values_are_read_against_their_type(reader: TermReader) -> None:
    g = parse_goal("x : Nat := 2 + 3\n⊢ x = 5", reader)
    value = g.hypotheses[0].value
    assert value is not None and value.parsed
    assert g.target.parsed


def test_lean_only_text_is_kept_and_the_reason_given(reader: TermReader) -> None:
    g = parse_goal("n✝ : Nat\nl : List Nat\nh : n✝ ∈ l\n⊢ P n✝", reader)
    inaccessible = g.hypotheses[0]
    assert inaccessible.type.parsed  # `Nat` reads; the name is Lean's and stays so
    member = g.hypotheses[2].type
    assert member.expr is None and "not our term syntax" in member.note
    assert member.value() == VStr("n✝ ∈ l")
    assert not g.fully_parsed


def test_unknown_constants_keep_the_text(reader: TermReader) -> None:
    g = parse_goal("x : ℝ\n⊢ Real.sqrt x ≥ 0", reader)
    assert g.hypotheses[0].type.expr is None
    assert "does not elaborate" in g.hypotheses[0].type.note or "not our term syntax" in g.hypotheses[0].type.note
    assert g.target.expr is None and g.target.note


def test_a_hypothesis_not_read_is_named_when_the_target_needs_it(reader: TermReader) -> None:
    g = parse_goal("x : ℝ\n⊢ x = x", reader)
    assert g.target.expr is None and "hypotheses not read: x" in g.target.note


def test_without_a_reader_nothing_is_read() -> None:
    g = parse_goal("n : Nat\n⊢ n = n")
    assert g.target == LeanTerm("n = n") and not g.target.parsed


def _subterms(term: LeanTerm) -> list[object]:
    from tactic_mesh.kernel.expr import subterms

    assert term.expr is not None
    return list(subterms(term.expr))
