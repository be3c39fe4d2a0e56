"""The ``tactic-mesh`` command line: exit codes, output shapes, JSON, and error locations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tactic_mesh.cli.main import main

PROOFS = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tactic_mesh.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_help_lists_check() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "check" in proc.stdout


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_prelude_checks_from_scratch() -> None:
    proc = run_cli("check", str(PROOFS / "prelude.tm"))
    assert proc.returncode == 0, proc.stderr
    assert "re-checked by the kernel type checker" in proc.stdout
    assert proc.stderr == ""


def test_error_has_location_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tm"
    bad.write_text("theorem ok1 : True := True.intro\n\ntheorem bad : 2 + 2 = 5 := rfl\n", encoding="utf-8")
    proc = run_cli("check", str(bad))
    assert proc.returncode == 1
    assert f"{bad}:1:1: ok: theorem ok1" in proc.stdout
    assert f"{bad}:3:" in proc.stderr and "error: theorem bad" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_json_output(tmp_path: Path) -> None:
    src = tmp_path / "a.tm"
    src.write_text("theorem t : 6 * 7 = 42 := rfl\n#check Nat.succ 1\n#reduce 2 + 3\n", encoding="utf-8")
    proc = run_cli("check", "--json", str(src))
    assert proc.returncode == 0
    payload = json.loads(proc.stdout)
    assert payload["ok"] is True and payload["kernel_rechecked"] is True
    kinds = [r["kind"] for r in payload["results"]]
    assert kinds == ["theorem", "#check", "#reduce"]
    assert payload["results"][1]["output"] == "Nat.succ 1 : Nat"
    assert payload["results"][2]["output"] == "5"


def test_sorry_rejected_unless_allowed(tmp_path: Path) -> None:
    src = tmp_path / "s.tm"
    src.write_text("theorem t (p : Prop) : p := sorry\n", encoding="utf-8")
    assert run_cli("check", str(src)).returncode == 1
    proc = run_cli("check", "--allow-sorry", "--json", str(src))
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["results"][0]["axioms"] == ["sorryAx"]


def test_forbid_axioms(tmp_path: Path) -> None:
    src = tmp_path / "ax.tm"
    src.write_text("axiom em (p : Prop) : p ∨ ¬p\ntheorem t (q : Prop) : q ∨ ¬q := em q\n", encoding="utf-8")
    assert run_cli("check", str(src)).returncode == 0
    proc = run_cli("check", "--forbid-axioms", str(src))
    assert proc.returncode == 1
    assert "depends on axioms that are not allowed: em" in proc.stderr


def test_missing_file_is_a_located_error(tmp_path: Path) -> None:
    proc = run_cli("check", str(tmp_path / "nope.tm"))
    assert proc.returncode == 1
    assert "cannot read file" in proc.stderr
    assert "Traceback" not in proc.stderr
