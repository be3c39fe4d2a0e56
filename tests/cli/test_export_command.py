"""``tactic-mesh export``: targets, inputs, exit codes, atomic output, errors with locations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tactic_mesh.cli.main import main

SMALL = """\
theorem small_and (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  exact hp
  exact hq

def double (n : Nat) : Nat := n + n
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.tm"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def proved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("proved")
    assert main(["prove", "∀ p q : Prop, p ∧ q → q ∧ p", "--trace", str(out), "--name", "swap"]) == 0
    return out


def test_export_to_a_file(small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "Small.lean"
    out.parent.mkdir()
    assert main(["export", "--to", "lean", str(small), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("prelude\n")
    assert "theorem small_and (p : Prop) (q : Prop) (hp : p) (hq : q) : @And p q :=" in text
    assert f"-- {small}:1:1\n" in text and "--   by\n--     constructor\n" in text
    assert "noncomputable def double (n : Nat) : Nat :=\n  @Add.add.{0} Nat instAddNat n n" in text
    assert [p.name for p in out.parent.iterdir()] == ["Small.lean"]  # no temporary file left behind
    stdout = capsys.readouterr().out
    assert stdout.startswith(f"wrote {out}: ") and "read back and compared" in stdout


def test_export_replaces_the_output_atomically(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "Small.lean"
    out.write_text("old", encoding="utf-8")
    assert main(["export", "--to", "lean", str(small), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("prelude\n")
    broken = tmp_path / "broken.tm"
    broken.write_text("theorem bad : False := True.intro\n", encoding="utf-8")
    before = out.read_text(encoding="utf-8")
    assert main(["export", "--to", "lean", str(broken), "-o", str(out)]) == 1
    assert out.read_text(encoding="utf-8") == before  # a failed export leaves the old file alone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Small.lean", "broken.tm", "small.tm"]


def test_export_to_standard_output(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--to", "lean", str(small)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("prelude\n") and "theorem small_and" in captured.out
    assert "declarations as Lean 4 source" in captured.err


def test_json_summary(small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "Small.lean"
    assert main(["export", "--to", "lean", str(small), "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] and summary["target"] == "lean" and summary["output"] == str(out)
    assert summary["read_back"] is True and summary["tactic_proofs"] == 1
    assert summary["declarations"] > 80 and summary["support"][0] == "OfNat"
    assert summary["sources"][-1] == str(small) and len(summary["environment_hash"]) == 64
    assert main(["export", "--to", "lean", str(small), "--json"]) == 0
    with_text = json.loads(capsys.readouterr().out)
    assert with_text["text"] == out.read_text(encoding="utf-8")


def test_the_shipped_library_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "Library.lean"
    assert main(["export", "--to", "lean", "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["inputs"] == ["<library>"] and summary["declarations"] > 400 and summary["tactic_proofs"] > 100
    text = out.read_text(encoding="utf-8")
    assert "--   <library>/tactics.tm" in text and "theorem _root_.And.comm" in text


def test_missing_and_unsupported_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.tm"
    assert main(["export", "--to", "lean", str(missing)]) == 2
    assert capsys.readouterr().err == f"error: {missing}: no such file\n"
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    assert main(["export", "--to", "lean", str(other), "--json"]) == 2
    summary = json.loads(capsys.readouterr().out)
    assert not summary["ok"] and "not a .tm file or a proof artifact" in summary["errors"][0]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["export", "--to", "lean", str(empty)]) == 2
    assert "a directory without proof artifacts" in capsys.readouterr().err


def test_a_file_that_does_not_check_is_reported_with_its_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.tm"
    bad.write_text("theorem fine : True := True.intro\n\ntheorem bad : False := True.intro\n", encoding="utf-8")
    out = tmp_path / "Bad.lean"
    assert main(["export", "--to", "lean", str(bad), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:3:") and "theorem bad: type mismatch" in err and "Traceback" not in err
    assert not out.exists()
    syntax = tmp_path / "syntax.tm"
    syntax.write_text("theorem (", encoding="utf-8")
    assert main(["export", "--to", "lean", str(syntax)]) == 1
    assert capsys.readouterr().err.startswith(f"{syntax}:1:")


def test_a_declaration_lean_cannot_take_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "poly.tm"
    source.write_text("theorem fine : True := True.intro\ntheorem poly.{u} : True := True.intro\n"
                      "theorem after : True := poly.{0}\n", encoding="utf-8")
    out = tmp_path / "Poly.lean"
    assert main(["export", "--to", "lean", str(source), "-o", str(out), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"{source}:2:1: error: cannot export 'poly': its universe parameter 'u' occurs nowhere (Lean rejects unused "
        "universe parameters)",
        f"{source}:3:1: error: cannot export 'after': it depends on 'poly', which cannot be exported",
    ]
    summary = json.loads(captured.out)
    assert not summary["ok"] and len(summary["errors"]) == 2 and not out.exists()


def test_unwritable_output(small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "no" / "such" / "dir" / "X.lean"
    assert main(["export", "--to", "lean", str(small), "-o", str(out)]) == 1
    assert f"error: cannot write {out}" in capsys.readouterr().err


def test_artifacts_as_input(proved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "Swap.lean"
    assert main(["export", "--to", "lean", str(proved / "swap_proof_term.json.gz"), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("prelude\n") and "theorem swap (p : Prop) (q : Prop)" in text
    assert "structure And (a : Prop) (b : Prop) : Prop where" in text and "inductive Nat" not in text
    assert f"-- from the proof artifact {proved / 'swap_proof_term.json.gz'}: " in text
    # the directory, and the assembly itself
    assert main(["export", "--to", "lean", str(proved)]) == 0
    assert "theorem swap" in capsys.readouterr().out
    assert main(["export", "--to", "lean", str(proved / "swap_assembly.json.gz")]) == 0
    assert "theorem swap" in capsys.readouterr().out
    # a proof term on its own: its provenance names the library, the kernel re-checks it there
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(proved / "swap_proof_term.json.gz", alone / "swap_proof_term.json.gz")
    assert main(["export", "--to", "lean", str(alone / "swap_proof_term.json.gz")]) == 0
    assert "its proof term re-checked by the kernel" in capsys.readouterr().out


def test_malformed_artifacts(proved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    garbage = tmp_path / "x_proof_term.json.gz"
    garbage.write_bytes(b"\x1f\x8b not really gzip")
    assert main(["export", "--to", "lean", str(garbage)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {garbage}") and "Traceback" not in err
    missing = tmp_path / "gone_proof_term.json.gz"
    assert main(["export", "--to", "lean", str(missing)]) == 2
    assert f"{missing}: no such file" in capsys.readouterr().err


def test_ndjson_target(small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "small.ndjson"
    assert main(["export", "--to", "ndjson", str(small), "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] and summary["target"] == "ndjson" and summary["declarations"] > 80
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "meta" in json.loads(lines[0]) and len(lines) > summary["declarations"]
