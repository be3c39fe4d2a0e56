"""``tactic-mesh typecheck``: blocks typed without running them; errors name the sub-term."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tactic_mesh.cli.main import main

SOURCE = """theorem good (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  exact hp
  exact hq

theorem uses_good (p : Prop) (hp : p) : p ∧ p := by
  exact good p p hp hp

theorem bad (p : Prop) (hp : p) : p := by
  exact hq

theorem wrong_but_typed (p : Prop) (hp : p) : p ∧ p := by
  constructor
  exact hp
  exact hp
  exact hp
"""


def test_typecheck_without_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "t.tm"
    f.write_text(SOURCE, encoding="utf-8")
    assert main(["typecheck", "--json", str(f)]) == 1
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["good"]["ok"] and rows["good"]["proved"] is None  # not run
    assert "AssignMetavar" in rows["good"]["effects"]
    assert rows["uses_good"]["ok"]  # sees the earlier theorem without having proved it
    assert not rows["bad"]["ok"] and "hq" in rows["bad"]["message"] and rows["bad"]["path"]
    assert rows["bad"]["location"].startswith(f"{f}:10:")
    # one `exact` too many: no goal is left for it, a type error before anything runs
    assert not rows["wrong_but_typed"]["ok"]


def test_typecheck_and_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "t.tm"
    f.write_text(SOURCE.split("theorem bad")[0], encoding="utf-8")
    assert main(["typecheck", "--run", str(f)]) == 0
    out = capsys.readouterr().out
    assert "ran and proved" in out and "2 tactic block(s) type-checked and run: 0 error(s)" in out


def test_typecheck_dsl_programs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.tac"
    good.write_text("choice[commit] {\n  by { intro x; exact x }\n| by { rfl }\n}\n", encoding="utf-8")
    bad = tmp_path / "bad.tac"
    bad.write_text('op AssignMetavar(#goal "main", ⟪rfl⟫)\n', encoding="utf-8")
    broken = tmp_path / "broken.tac"
    broken.write_text("choice[commit] { pure () |", encoding="utf-8")
    assert main(["typecheck", "--json", str(good), str(bad), str(broken)]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["ok"] and "AssignMetavar" in rows[0]["effects"]
    assert not rows[1]["ok"] and rows[1]["path"] == "$.operands[1]" and "expected expr" in rows[1]["message"]
    assert not rows[2]["ok"] and rows[2]["location"].startswith(f"{broken}:1:")
