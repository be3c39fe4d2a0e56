"""``tactic-mesh fmt``: --check reports, formatting rewrites canonically and keeps the proofs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactic_mesh.cli.main import main

MESSY = """theorem and_swap (p q : Prop) (h : p ∧ q) : q ∧ p := by constructor;   exact h.2
  exact h.1
"""


def test_check_then_format_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "messy.tm"
    f.write_text(MESSY, encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    assert f.read_text(encoding="utf-8") == MESSY  # --check writes nothing
    assert "would reformat" in capsys.readouterr().out
    assert main(["fmt", str(f)]) == 0
    formatted = f.read_text(encoding="utf-8")
    assert formatted != MESSY and "constructor\n" in formatted
    assert main(["fmt", "--check", str(f)]) == 0  # canonical now
    # the formatted file still checks
    assert main(["check", "--quiet", str(f)]) == 0


def test_missing_and_unparsable_files_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.tac"
    bad.write_text("choice[commit] { pure () |", encoding="utf-8")
    assert main(["fmt", str(bad), str(tmp_path / "nope.tm")]) == 1
    err = capsys.readouterr().err
    assert "bad.tac:1:" in err and "nope.tm" in err
    assert bad.read_text(encoding="utf-8") == "choice[commit] { pure () |"  # left as it was
