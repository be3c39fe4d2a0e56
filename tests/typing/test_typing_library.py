"""Every ``by`` block of the theorem library type-checks against its theorem's initial state, and
``typecheck_tm`` reports per theorem (name, ok, message, location, output interface, effects)."""

from __future__ import annotations

from pathlib import Path

from typing_support import TACTICS, Library

from tactic_mesh.handlers.typecheck import TypecheckSession, typecheck_tm
from tactic_mesh.typing import check_block

MIN_TACTIC_THEOREMS = 80


def test_every_theorem_of_the_tactic_library_type_checks(library: Library) -> None:
    assert len(library.blocks) >= MIN_TACTIC_THEOREMS
    failures: list[str] = []
    for block in library.blocks:
        try:
            typed = check_block(block.calls(), block.state(), block.filename)
        except Exception as err:
            failures.append(f"{Path(block.filename).name}:{block.line}: {err}")
            continue
        assert typed.out is not None and typed.out.bounds()[0] == 0
        assert typed.effects.foreign == {"tactic"}
        assert typed.effects.ops <= {"Elaborate", "AssignMetavar", "Rewrite"}
    assert not failures, "\n".join(failures)


GOOD_AND_BAD = """
theorem ok_swap (a b : Prop) (h : a ∧ b) : b ∧ a := by
  cases h
  intro ha hb
  constructor
  exact hb
  exact ha

theorem bad_name (n : Nat) : 0 + n = n := by
  induction n
  rfl
  intro k ih
  rw [Nat.add_succ, ihh]

theorem bad_intro (p : Prop) (hp : p) : p ∧ p := by
  intro x
  exact ⟨hp, hp⟩

theorem term_mode (p : Prop) (hp : p) : p := hp

theorem uses_ok_swap (a b : Prop) (h : a ∧ b) : b ∧ a := by
  exact ok_swap a b h
"""


def test_typecheck_tm_reports_each_theorem(library: Library) -> None:
    results = typecheck_tm(GOOD_AND_BAD, "lib.tm", env=library.checker.env)
    by_name = {r.name: r for r in results}
    assert set(by_name) == {"ok_swap", "bad_name", "bad_intro", "uses_ok_swap"}  # term-mode proofs are not blocks
    ok = by_name["ok_swap"]
    assert ok.ok and ok.proved and ok.kind == "theorem" and ok.interface_out.startswith("0 goal(s)")
    assert ok.effects == ("AssignMetavar", "Elaborate", "foreign:tactic")
    bad = by_name["bad_name"]
    assert not bad.ok and "unknown identifier 'ihh'" in bad.message and bad.path.endswith(".payload.arg")
    assert (bad.location.file, bad.location.line) == ("lib.tm", 13) and bad.proved is False
    intro = by_name["bad_intro"]
    assert not intro.ok and "not a ∀ or an →" in intro.message and intro.location.line == 16
    # the theorem was admitted by running its block, so later theorems can use it
    assert by_name["uses_ok_swap"].ok and by_name["uses_ok_swap"].proved


def test_a_session_checks_files_in_order(library: Library, tmp_path: Path) -> None:
    first = tmp_path / "a.tm"
    first.write_text("theorem t_a (p : Prop) (hp : p) : p := by\n  exact hp\n", encoding="utf-8")
    second = tmp_path / "b.tm"
    second.write_text("theorem t_b (q : Prop) (hq : q) : q := by\n  exact t_a q hq\n", encoding="utf-8")
    session = TypecheckSession(library.checker.env)
    assert [r.ok for r in session.check_file(first)] == [True]
    assert [(r.name, r.ok) for r in session.check_file(second)] == [("t_b", True)]
    syntax = session.check_text("theorem (", "broken.tm")
    assert syntax and not syntax[0].ok and syntax[0].kind == "syntax"


def test_the_library_file_is_the_one_checked(library: Library) -> None:
    assert all(b.filename == str(TACTICS) for b in library.blocks)
