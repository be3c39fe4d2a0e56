"""The Lean-like tactic layer as a tree: blocks, tacticals and alternatives become children."""

from __future__ import annotations

import pytest

from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, split_tactics


def shape(calls: list[TacticCall] | tuple[TacticCall, ...]) -> list[object]:
    return [(c.name, c.arg, shape(c.children)) if c.children else (c.name, c.arg) for c in calls]


def test_tacticals_over_a_sequence_take_it_as_children() -> None:
    calls = split_tactics("try (simp; rfl)\nrepeat rw [h]\nall_goals (intro x; exact x)", 1, 1)
    assert shape(calls) == [
        ("try", "", [("simp", ""), ("rfl", "")]),
        ("repeat", "", [("rw", "[h]")]),
        ("all_goals", "", [("intro", "x"), ("exact", "x")]),
    ]


def test_alternatives_become_bar_children() -> None:
    calls = split_tactics("first | rfl | (simp; rfl)\nconstructor <;> assumption\nexact a orelse exact b", 1, 1)
    assert shape(calls) == [
        ("first", "", [("|", "", [("rfl", "")]), ("|", "", [("simp", ""), ("rfl", "")])]),
        ("<;>", "", [("|", "", [("constructor", "")]), ("|", "", [("assumption", "")])]),
        ("orelse", "", [("|", "", [("exact", "a")]), ("|", "", [("exact", "b")])]),
    ]


def test_blocks_take_their_indented_lines() -> None:
    text = "induction n with\n| zero => rfl\n| succ m ih =>\n  simp\n  rw [ih]\ncase foo x => exact x\n· left\n  rfl"
    assert shape(split_tactics(text, 1, 1)) == [
        ("induction", "n with", [
            ("|", "zero", [("rfl", "")]),
            ("|", "succ m ih", [("simp", ""), ("rw", "[ih]")]),
        ]),
        ("case", "foo x", [("exact", "x")]),
        ("·", "", [("left", ""), ("rfl", "")]),
    ]


def test_positions_of_nested_tactics() -> None:
    (call,) = split_tactics("   try (exact foo)", 3, 1)
    assert (call.line, call.col) == (3, 4)
    assert call.children[0].line == 3 and call.children[0].col > call.col


@pytest.mark.parametrize("text", ["first rfl", "try", "case x", "first"])
def test_malformed_tacticals_are_located_errors(text: str) -> None:
    with pytest.raises(TacticError) as info:
        split_tactics(text, 7, 3)
    assert info.value.loc is not None and info.value.loc.line == 7
