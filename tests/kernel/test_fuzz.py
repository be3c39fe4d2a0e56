"""Fuzzing the parser, elaborator and kernel with mutated declarations.

Every mutation of a valid declaration must end in results (ok, or an error with a location),
never in an exception, an internal error, or a hang.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.errors import ParseError
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_file, parse_term

LIBRARY = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs" / "basics.tm"
CHUNKS = [c.strip() for c in LIBRARY.read_text(encoding="utf-8").split("\n\n") if c.strip().startswith("theorem")]
TOKENS = ["(", ")", "⟨", "⟩", "[", "]", "{", "}", ":", ":=", "=>", "fun", "∀", "∃", ",", "_", "?x", "@",
          ".1", ".2", "Type", "Prop", "Sort", "0", "1", "+", "=", "→", "¬", "∧", "by", "sorry", "\n", "--", "/-"]

FUZZ = settings(derandomize=True, database=None, max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(CHUNKS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "duplicate"]))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 12)))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + " " + draw(st.sampled_from(TOKENS)) + " " + text[i:]
        elif kind == "replace":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[j:]
        elif kind == "truncate":
            text = text[:i]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


@FUZZ
@given(mutated())
def test_mutated_declarations_end_in_located_results(text: str) -> None:
    checker = FileChecker(prelude())
    results = run_deep(checker.check_text, text, "fuzz.tm")
    for r in results:
        assert "internal error" not in r.message, (text, r.message)
        if not r.ok:
            assert r.loc.file == "fuzz.tm" and r.loc.line >= 1 and r.loc.col >= 1, (text, r)


@settings(FUZZ, max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("()[]{}⟨⟩:=,.@_?∀∃λ→↔∧∨¬+*◇ abcxyz0129\n\t-/")), max_size=60))
def test_random_text_parses_or_fails_with_a_location(text: str) -> None:
    for parse in (parse_file, parse_term):
        try:
            parse(text)
        except ParseError as err:
            assert err.loc is not None and err.loc.line >= 1 and err.loc.col >= 1


def test_huge_and_hostile_inputs() -> None:
    checker = FileChecker(prelude())
    cases = [
        "theorem t : True := " + "x" * 1_000_000,  # a million-character identifier
        "def n : Nat := " + "9" * 100_000,  # a 100 000-digit numeral
        "\x00\x01theorem",
        "theorem t : True := True.intro\n" * 3,  # duplicate declarations
        "/- unterminated comment",
    ]
    for text in cases:
        results = run_deep(checker.check_text, text, "hostile.tm")
        assert results and all("internal error" not in r.message for r in results)
