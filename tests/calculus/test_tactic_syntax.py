"""The Lean-like tactic layer as a tree: blocks, tacticals and alternatives become children; the
canonical printer reads back as the same tree (every by block of the library, generated trees)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactic_mesh.calculus.tactic_syntax import (
    ALTERNATIVE_TACTICALS,
    COMBINATORS,
    SEQUENCE_TACTICALS,
    TacticCall,
    TacticError,
    is_elim_with,
    print_tactics,
    printed_tactics,
    same_tactics,
    split_block,
    split_tactics,
)
from tactic_mesh.kernel.syntax import ByBlock, parse_file

TACTICS = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs" / "tactics.tm"


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


def test_nested_positions_are_exact() -> None:
    """Tacticals' arguments and alternatives are located where they are written (also after a
    bracket, extra spaces or a line break inside brackets)."""
    (call,) = split_tactics("first  | rfl | (simp;  exact h)", 1, 1)
    rfl, simp = call.children[0].children[0], call.children[1].children[0]
    assert (rfl.line, rfl.col) == (1, 10) and (simp.line, simp.col) == (1, 17)
    assert (call.children[1].children[1].line, call.children[1].children[1].col) == (1, 24)
    (call,) = split_tactics("try (\n  simp\n  rfl)", 4, 3)
    assert [(c.line, c.col) for c in call.children] == [(5, 3), (6, 3)]
    (call,) = split_tactics("a <;> b <;> c", 2, 5)
    assert [(alt.line, alt.col) for alt in call.children] == [(2, 5), (2, 11), (2, 17)]


def test_multi_line_blocks_inside_brackets() -> None:
    """A bullet inside a bracketed sequence takes the lines indented under it, not its siblings."""
    text = "try (· simp\n       rfl\n     exact h)"
    (call,) = split_tactics(text, 1, 1)
    assert shape(call.children) == [("·", "", [("simp", ""), ("rfl", "")]), ("exact", "h")]


def test_a_comment_after_a_block_opener_is_not_a_tactic() -> None:
    text = "· -- the left side\n  exact h\ncase foo => -- note\n  rfl"
    assert shape(split_tactics(text, 1, 1)) == [("·", "", [("exact", "h")]), ("case", "foo", [("rfl", "")])]


def test_combinators_on_a_block_line_belong_to_the_block() -> None:
    """`· a <;> b` is a bullet running `a <;> b` (as in Lean), not `(· a) <;> b`."""
    assert shape(split_tactics("· constructor <;> rfl\ncase x => a <|> b", 1, 1)) == [
        ("·", "", [("<;>", "", [("|", "", [("constructor", "")]), ("|", "", [("rfl", "")])])]),
        ("case", "x", [("<|>", "", [("|", "", [("a", "")]), ("|", "", [("b", "")])])]),
    ]


@pytest.mark.parametrize(
    "text", ["try (" * 500 + "rfl" + ")" * 500, "try " * 500 + "rfl", "".join("  " * i + "·\n" for i in range(500))]
)
def test_deep_nesting_is_a_located_error(text: str) -> None:
    with pytest.raises(TacticError, match="nested too deeply") as info:
        split_tactics(text, 1, 1)
    assert info.value.loc is not None and info.value.loc.line >= 1


# ---------------------------------------------------------------------------------------------
# the printer
# ---------------------------------------------------------------------------------------------

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def T(name: str, arg: str = "", *children: TacticCall) -> TacticCall:
    return TacticCall(name, arg, 0, 0, tuple(children))


def alt(*children: TacticCall) -> TacticCall:
    return T("|", "", *children)


PRINTED: list[tuple[list[TacticCall], str]] = [
    ([T("intro", "x"), T("exact", "x")], "intro x\nexact x"),
    ([T("first", "", alt(T("rfl")), alt(T("simp"), T("rfl")))], "first | rfl | (simp; rfl)"),
    ([T("try", "", T("simp"), T("rfl"))], "try (simp; rfl)"),
    ([T("repeat", "", T("first", "", alt(T("constructor")), alt(T("assumption"))))],
     "repeat (first | constructor | assumption)"),
    ([T("<;>", "", alt(T("constructor")), alt(T("first", "", alt(T("exact", "h.1")), alt(T("exact", "h.2")))))],
     "constructor <;> first | exact h.1 | exact h.2"),
    ([T("<|>", "", alt(T("<;>", "", alt(T("a")), alt(T("b")))), alt(T("c")))], "(a <;> b) <|> c"),
    ([T("<;>", "", alt(T("<|>", "", alt(T("a")), alt(T("b")))), alt(T("c")))], "a <|> b <;> c"),
    ([T("orelse", "", alt(T("exact", "Nat.zero_add n")), alt(T("rfl")))], "exact Nat.zero_add n orelse rfl"),
    ([T("first", "", alt(T("first", "", alt(T("a")), alt(T("b")))), alt(T("c")))], "first | (first | a | b) | c"),
    ([T("induction", "n with", T("|", "zero", T("rfl")), T("|", "succ m ih", T("simp"), T("rw", "[ih]")))],
     "induction n with\n| zero => rfl\n| succ m ih =>\n  simp\n  rw [ih]"),
    ([T("·", "", T("induction", "n with", T("|", "zero", T("rfl"))), T("exact", "h"))],
     "· induction n with\n  | zero => rfl\n  exact h"),
    ([T("case", "succ k ih", T("rw", "[h]")), T("next", "", T("rfl"), T("rfl")), T("focus", "", T("exact", "h.2"))],
     "case succ k ih => rw [h]\nnext =>\n  rfl\n  rfl\nfocus\n  exact h.2"),
    ([T("calc", "a = b := h₁ ; _ ≤ c := h₂ ; _ < d := h₃")], "calc a = b := h₁\n  _ ≤ c := h₂\n  _ < d := h₃"),
    ([T("try", "", T("calc", "a = b := h ; _ = c := q"))], "try (calc a = b := h\n       _ = c := q)"),
    ([T("all_goals", "", T("·", "", T("simp"), T("rfl")), T("exact", "h"))],
     "all_goals (· simp\n             rfl\n           exact h)"),
    ([T("try", "", T("exact", "foo -- why")), T("rfl")], "try (exact foo -- why\n    )\nrfl"),
    ([T("exact", "(foo\n    bar)"), T("·")], "exact (foo\n    bar)\n·"),
    ([T("·", "", T("<;>", "", alt(T("constructor")), alt(T("rfl"))))], "· constructor <;> rfl"),
    ([T("case", "x"), T("·"), T("focus")], "case x =>\n·\nfocus"),
]


@pytest.mark.parametrize(("calls", "text"), PRINTED, ids=[str(i) for i in range(len(PRINTED))])
def test_printed_tactics(calls: list[TacticCall], text: str) -> None:
    assert print_tactics(calls) == text
    assert same_tactics(split_tactics(text, 1, 1), calls)
    assert printed_tactics(calls) == text
    indented = print_tactics(calls, 4)
    assert indented.startswith("    ") and same_tactics(split_tactics(indented, 1, 1), calls)


def test_trees_no_text_denotes_are_detected() -> None:
    for calls in ([T("exact a", "")], [T("exact", "a; b")], [T("try")], [T("calc", "a = b := h"), T("_", "= c := q")],
                  [T("first", "", alt())], [T("induction", "n with"), T("|", "zero", T("rfl"))]):
        assert printed_tactics(calls) is None, calls


# generated trees: every construct of the tactic language, arguments with brackets, strings,
# `⟨⟩`, line breaks inside brackets and trailing comments

ARGS = ["x", "h.1", "[h, ← h']", "[Nat.add_comm] at h", "⟨a, b⟩", "fun x => x + 1", "(a; b)", "{x : Nat}",
        "(foo\n      bar)", "foo -- note", "[a | b]", "(a <;> b)", "h ▸ rfl", '"{s}"', "⟨h', h''⟩", "a = b",
        "(x orelse y)", "f (g x) [y]"]
NAMES = ["intro", "exact", "rw", "simp", "apply", "refine", "have", "show", "exists", "cases", "induction",
         "constructor", "rfl", "assumption", "done", "left", "exfalso"]
CALCS = ["a = b := h", "a = b := h ; _ = c := q", "a ≤ b := (foo\n   bar) ; _ < c := q ; _ = d := r"]

LEAVES: st.SearchStrategy[TacticCall] = st.one_of(
    st.builds(lambda n, a: T(n, a), st.sampled_from(NAMES), st.one_of(st.just(""), st.sampled_from(ARGS))),
    st.builds(lambda a: T("calc", a), st.sampled_from(CALCS)),
)


def _seqs(inner: st.SearchStrategy[TacticCall], min_size: int = 1) -> st.SearchStrategy[tuple[TacticCall, ...]]:
    return st.lists(inner, min_size=min_size, max_size=3).map(tuple)


def _compound(inner: st.SearchStrategy[TacticCall]) -> st.SearchStrategy[TacticCall]:
    heads = st.sampled_from(["zero", "succ m ih", "inl h", ""])
    return st.one_of(
        st.builds(lambda n, cs: T(n, "", *cs), st.sampled_from(SEQUENCE_TACTICALS), _seqs(inner)),
        st.builds(lambda n, alts: T(n, "", *(alt(*a) for a in alts)), st.sampled_from(ALTERNATIVE_TACTICALS),
                  st.lists(_seqs(inner), min_size=1, max_size=3)),
        st.builds(lambda n, alts: T(n, "", *(alt(*a) for a in alts)), st.sampled_from(COMBINATORS),
                  st.lists(_seqs(inner), min_size=2, max_size=3)),
        st.builds(lambda n, cs: T(n, "", *cs), st.sampled_from(["·", "focus"]), _seqs(inner, 0)),
        st.builds(lambda n, h, cs: T(n, h, *cs), st.sampled_from(["case", "next"]), heads, _seqs(inner, 0)),
        st.builds(  # `induction x with`: tactics before the alternatives (no `… with` among them), alternatives
            lambda n, pre, alts: T(n, "x with", *pre, *alts), st.sampled_from(["induction", "cases"]),
            st.lists(inner, max_size=1).map(lambda cs: [c for c in cs if not is_elim_with(c)]),
            st.lists(st.builds(lambda h, cs: T("|", h, *cs), heads, _seqs(inner, 0)), max_size=3),
        ),
    )


TREES: st.SearchStrategy[list[TacticCall]] = st.lists(
    st.recursive(LEAVES, _compound, max_leaves=12), min_size=1, max_size=5
)


@SETTINGS
@given(TREES, st.sampled_from([0, 2, 7]))
def test_tree_round_trip(calls: list[TacticCall], indent: int) -> None:
    text = print_tactics(calls, indent)
    back = split_tactics(text, 3, 1)
    assert same_tactics(back, calls), text
    assert print_tactics(back, indent) == text  # canonical: printing the reading gives the same text
    assert text.startswith(" " * indent) and not text.startswith(" " * (indent + 1))


def test_every_by_block_of_the_library_round_trips() -> None:
    text = TACTICS.read_text(encoding="utf-8")
    blocks = [v for c in parse_file(text, str(TACTICS)) if isinstance(v := getattr(c, "value", None), ByBlock)]
    assert len(blocks) >= 200
    for block in blocks:
        calls = split_block(block.text, block.pos.line, block.pos.col)
        printed = print_tactics(calls, 2)
        back = split_tactics(printed, 1, 1)
        assert same_tactics(back, calls), block.text
        assert print_tactics(back, 2) == printed
        assert printed_tactics(calls, 2) == printed


def test_one_line_with_alternatives() -> None:
    (call,) = split_tactics("cases h with | inl a => exact a | inr b => (left; exact b)", 1, 1)
    assert shape([call]) == [
        ("cases", "h with", [("|", "inl a", [("exact", "a")]), ("|", "inr b", [("left", ""), ("exact", "b")])]),
    ]
    multi = split_tactics("cases h with\n| inl a => exact a\n| inr b => (left; exact b)", 1, 1)
    assert shape(multi) == shape([call])
