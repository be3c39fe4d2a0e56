"""`fmt`: canonical by blocks in .tm files and canonical DSL programs in .tac files; idempotent,
meaning-preserving (same tactic trees, same declarations, same comments), never losing text."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tactic_mesh.calculus.tactic_syntax import same_tactics, split_block
from tactic_mesh.cli.check import check_files
from tactic_mesh.codecs.dsl import DslError, parse_program
from tactic_mesh.codecs.fmt import FormatError, format_paths, format_source, format_text
from tactic_mesh.kernel.commands import Options
from tactic_mesh.kernel.syntax import ByBlock, parse_file

PROOFS = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs"
LIBRARY = [PROOFS / "prelude.tm", PROOFS / "basics.tm", PROOFS / "tactics.tm"]


def _blocks(text: str) -> list[ByBlock]:
    return [v for c in parse_file(text, "f.tm") if isinstance(v := getattr(c, "value", None), ByBlock)]


@pytest.mark.parametrize("path", LIBRARY, ids=[p.name for p in LIBRARY])
def test_library_files_format_idempotently(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    once = format_source(text, str(path))
    assert once.problems == ()
    assert format_text(once.text, str(path)) == once.text
    if not _blocks(text):  # no by blocks: nothing to do
        assert once.text == text


def test_fmt_preserves_every_tactic_tree_of_the_library() -> None:
    path = PROOFS / "tactics.tm"
    text = path.read_text(encoding="utf-8")
    formatted = format_text(text, str(path))
    before, after = _blocks(text), _blocks(formatted)
    assert len(before) == len(after) >= 200
    for a, b in zip(before, after, strict=True):
        assert same_tactics(split_block(a.text, a.pos.line, a.pos.col), split_block(b.text, b.pos.line, b.pos.col))
    assert [ln for ln in text.splitlines() if "--" in ln] == [ln for ln in formatted.splitlines() if "--" in ln]
    # the text outside the by blocks is untouched
    assert [c for c in parse_file(text, "t") if not isinstance(getattr(c, "value", None), ByBlock)] == [
        c for c in parse_file(formatted, "t") if not isinstance(getattr(c, "value", None), ByBlock)
    ]
    for block in after:  # one tactic per line: `;` only inside brackets
        for line in block.text.split("\n\n")[0].splitlines():
            assert ";" not in line or "(" in line or "<;>" in line, line


def test_the_formatted_library_still_checks(tmp_path: Path) -> None:
    formatted = tmp_path / "tactics.tm"
    formatted.write_text(format_text((PROOFS / "tactics.tm").read_text(encoding="utf-8"), "tactics.tm"), "utf-8")
    results = check_files([str(PROOFS / "basics.tm"), str(formatted)], Options())
    assert all(r.ok for r in results), [f"{r.loc}: {r.message}" for r in results if not r.ok]


BEFORE = """/- header -/
theorem a (p : Prop) (h : p) : p ∧ p := by
  constructor; exact h
  exact h

-- Section ---------------------------------------------------------------------------------------

@[simp] theorem b (n : Nat) : n + 0 = n := by induction n with
    | zero => rfl
    | succ m ih =>
        rw [Nat.add_succ]
theorem c : True := by
    first | exact True.intro | (constructor; done)
    try (simp;   rfl)
    calc a = b := h
      _ = c := (foo
          bar)
"""

AFTER = """/- header -/
theorem a (p : Prop) (h : p) : p ∧ p := by
  constructor
  exact h
  exact h

-- Section ---------------------------------------------------------------------------------------

@[simp] theorem b (n : Nat) : n + 0 = n := by
  induction n with
  | zero => rfl
  | succ m ih => rw [Nat.add_succ]
theorem c : True := by
  first | exact True.intro | (constructor; done)
  try (simp; rfl)
  calc a = b := h
    _ = c := (foo
          bar)
"""


def test_by_blocks_are_printed_canonically() -> None:
    result = format_source(BEFORE, "x.tm")
    assert result.problems == ()
    assert result.text == AFTER
    assert format_text(AFTER, "x.tm") == AFTER


COMMENTED = """theorem a (p : Prop) (h : p) : p := by -- the by line
  -- before intro
  intro x; exact h
  · -- a note
    simp
    -- before rw
    rw [h]
  case foo =>
     -- the only tactic
     exact x
  induction n with
  -- before zero
  | zero => rfl
  exact (foo -- inside brackets
     bar)
  -- after the last tactic

-- Section ---
"""

COMMENTED_AFTER = """theorem a (p : Prop) (h : p) : p := by -- the by line
  -- before intro
  intro x
  exact h
  · -- a note
    simp
    -- before rw
    rw [h]
  case foo =>
    -- the only tactic
    exact x
  induction n with
  -- before zero
  | zero => rfl
  exact (foo -- inside brackets
     bar)
  -- after the last tactic

-- Section ---
"""


def test_comments_are_kept_in_place() -> None:
    result = format_source(COMMENTED, "x.tm")
    assert result.problems == ()
    assert result.text == COMMENTED_AFTER
    assert format_text(COMMENTED_AFTER, "x.tm") == COMMENTED_AFTER


@pytest.mark.parametrize(
    ("block", "where", "why"),
    [
        ("  calc a = b := h\n    -- why\n    _ = c := q\n  rfl; rfl", "3:5", "not before a tactic"),
        ("  constructor; -- why\n  rfl; rfl", "2:16", "after `;`"),
        ("  rfl; rfl; -- why", "2:13", "after `;`"),
        ("  try (simp\n       -- why\n       rfl)\n  rfl; rfl", "3:8", "cannot place"),
        ("  exact foo /- why -/\n  rfl; rfl", "2:13", "`/- … -/`"),
        ("  first rfl\n  rfl; rfl", "2:3", "first: expected"),
    ],
)
def test_blocks_whose_text_cannot_be_kept_are_left_unchanged(block: str, where: str, why: str) -> None:
    other = "theorem t : True := by\n  intro x; exact x\n"
    text = f"theorem s : True := by\n{block}\n\n{other}"
    result = format_source(text, "x.tm")
    assert len(result.problems) == 1 and result.problems[0].startswith(f"x.tm:{where}: "), result.problems
    assert why in result.problems[0] and result.problems[0].endswith("by block left unchanged")
    assert result.text == f"theorem s : True := by\n{block}\n\ntheorem t : True := by\n  intro x\n  exact x\n"


def test_files_that_cannot_be_formatted() -> None:
    with pytest.raises(FormatError) as err:
        format_text("theorem a : True := by\n  rfl\ntheorem (", "bad.tm")
    assert err.value.loc is not None and err.value.loc.file == "bad.tm" and err.value.loc.line == 3
    with pytest.raises(FormatError, match="CRLF"):
        format_text("theorem a : True := by\r\n  rfl\r\n", "crlf.tm")
    with pytest.raises(FormatError, match=r"\.tm and \.tac"):
        format_text("x", "notes.txt")


def test_dsl_programs_are_printed_canonically() -> None:
    text = "let x<-op A( ) ;choice[commit]{|by {intro y\n exact y}|pure x}"
    out = format_text(text, "p.tac")
    assert out == "let x ← op A(); choice[commit] { by { intro y; exact y } | pure x }\n"
    assert format_text(out, "p.tac") == out
    assert parse_program(out) == parse_program(text)


def test_dsl_programs_with_comments_or_errors_are_refused() -> None:
    with pytest.raises(FormatError, match="comments") as err:
        format_text("op A();\n-- why\npure ()", "p.tac")
    assert err.value.loc is not None and (err.value.loc.line, err.value.loc.col) == (2, 1)
    with pytest.raises(FormatError, match="comments"):
        format_text("by {\n  -- why\n  rfl\n}", "p.tac")
    assert format_text('by { exact (a -- kept: inside an argument\n) }', "p.tac") == (
        "by {\n  exact (a -- kept: inside an argument\n)\n}\n"
    )
    with pytest.raises(DslError) as derr:
        format_text("by { first }", "p.tac")
    assert str(derr.value).startswith("p.tac:1:6: ")


def test_format_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    messy = tmp_path / "sub" / "a.tm"
    messy.write_text(BEFORE, encoding="utf-8")
    clean = tmp_path / "b.tm"
    clean.write_text(AFTER, encoding="utf-8")
    program = tmp_path / "c.tac"
    program.write_text("pure ( )", encoding="utf-8")
    broken = tmp_path / "d.tac"
    broken.write_text("pure", encoding="utf-8")
    (tmp_path / ".hidden" / "e.tm").write_text(BEFORE, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    missing = tmp_path / "missing.tm"
    os.chmod(messy, 0o640)

    results = format_paths([tmp_path, missing], check=True)
    by_name = {Path(p).name: (changed, error) for p, changed, error in results}
    assert set(by_name) == {"a.tm", "b.tm", "c.tac", "d.tac", "missing.tm"}
    assert by_name["a.tm"] == (True, None) and by_name["b.tm"] == (False, None)
    assert by_name["c.tac"] == (True, None)
    assert by_name["d.tac"][0] is False and str(by_name["d.tac"][1]).startswith(f"{broken}:1:5: ")
    assert by_name["missing.tm"] == (False, "no such file or directory")
    assert messy.read_text(encoding="utf-8") == BEFORE  # --check writes nothing

    results = format_paths([tmp_path], check=False)
    assert messy.read_text(encoding="utf-8") == AFTER and program.read_text(encoding="utf-8") == "pure ()\n"
    assert os.stat(messy).st_mode & 0o777 == 0o640
    assert (tmp_path / ".hidden" / "e.tm").read_text(encoding="utf-8") == BEFORE
    assert not [p for p in tmp_path.rglob("*.fmt")]
    assert [(Path(p).name, c) for p, c, _ in format_paths([tmp_path, messy], check=True) if c] == []


def test_comment_lines_in_canonical_blocks_stay_where_they_are() -> None:
    """Comment lines put before tactic lines of the (formatted) library: formatting changes nothing."""
    rng = random.Random(7)
    canonical = format_text((PROOFS / "tactics.tm").read_text(encoding="utf-8"), "tactics.tm")
    out: list[str] = []
    in_block = False
    for line in canonical.split("\n"):
        if line.endswith(":= by"):
            in_block = True
        elif not line.startswith("  "):
            in_block = False
        elif in_block and not line.lstrip().startswith("_ ") and rng.random() < 0.3:
            out.append(line[: len(line) - len(line.lstrip())] + f"-- note {len(out)}")
        out.append(line)
    commented = "\n".join(out)
    assert commented.count("-- note") > 100
    result = format_source(commented, "tactics.tm")
    assert result.problems == ()
    assert result.text == commented
