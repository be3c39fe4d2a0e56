"""``tactic-mesh train`` and ``tactic-mesh prove --policy/--model``: a checkpoint is written and
used; a bad checkpoint is one clear error line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tactic_mesh.cli.main", *args], capture_output=True, text=True,
                          timeout=600, check=False, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("train") / "m.pt"
    proc = run("train", "--dataset", "library", "--epochs", "1", "--search-nodes", "0", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["checkpoint"] == str(out) and summary["library"] == "all" and summary["seed"] == 0
    assert summary["samples"] > 500 and summary["epochs"] == 1 and summary["seconds"] > 0
    return out


def test_train_writes_a_checkpoint_and_prove_uses_it(model: Path) -> None:
    proc = run("prove", "∀ p q : Prop, p ∧ q → q ∧ p", "--policy", "router", "--model", str(model), "--json",
               "--library", "all")
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["proved"] and payload["kernel_checked"] and payload["stats"]["policy"] == "router"
    proc = run("prove", "∀ n : Nat, n + 0 = n", "--policy", "knn", "--model", str(model))
    assert proc.returncode == 0, proc.stderr
    assert "search (knn)" in proc.stdout and "kernel type checker re-checked" in proc.stdout


def test_train_text_output_reports_time(tmp_path: Path) -> None:
    proc = run("train", "--epochs", "1", "--search-nodes", "0", "--out", str(tmp_path / "t.pt"))
    assert proc.returncode == 0, proc.stderr
    assert "epochs in" in proc.stdout and "on the CPU" in proc.stdout and "checkpoint written" in proc.stdout
    assert "train: epoch 1/1" in proc.stderr  # progress (plain lines when stderr is not a terminal)


def test_bad_checkpoints_are_one_clear_line(model: Path, tmp_path: Path) -> None:
    missing = run("prove", "∀ n : Nat, n = n", "--policy", "router", "--model", str(tmp_path / "no.pt"))
    assert missing.returncode == 1 and "no.pt: no model checkpoint" in missing.stderr
    cut = tmp_path / "cut.pt"
    cut.write_bytes(model.read_bytes()[:1000])
    damaged = run("prove", "∀ n : Nat, n = n", "--policy", "router", "--model", str(cut))
    assert damaged.returncode == 1 and "not a readable checkpoint" in damaged.stderr
    assert "Traceback" not in missing.stderr + damaged.stderr


def test_auto_without_a_model_says_it_uses_the_heuristic(tmp_path: Path) -> None:
    proc = run("prove", "∀ p : Prop, p → p", env={"TACTIC_MESH_MODEL": str(tmp_path / "absent.pt")})
    assert proc.returncode == 0, proc.stderr
    assert "searching with the heuristic policy" in proc.stderr and "search (heuristic)" in proc.stdout


def test_train_searches_the_variants_of_its_theorems_too(tmp_path: Path) -> None:
    out = tmp_path / "var.pt"
    proc = run("train", "--limit", "12", "--epochs", "1", "--search-nodes", "10", "--search-seconds", "0.5",
               "--iterations", "1", "--variants", "1", "--accumulate", "--out", str(out), "--json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    [round1] = json.loads(proc.stdout)["iterations"]
    assert 12 < round1["theorems"] <= 24 and round1["proved"] > 0  # every variant is searched as a theorem
    bad = run("train", "--iterations", "1", "--variants", "-1", "--out", str(tmp_path / "never.pt"))
    assert bad.returncode == 1 and "--variants must be 0 or more" in bad.stderr and "Traceback" not in bad.stderr


def test_unknown_dataset(tmp_path: Path) -> None:
    proc = run("train", "--dataset", "nothing", "--out", str(tmp_path / "x.pt"))
    assert proc.returncode == 1 and "unknown dataset 'nothing'" in proc.stderr


def test_train_with_iterations_reports_every_round(tmp_path: Path) -> None:
    out = tmp_path / "it.pt"
    proc = run("train", "--limit", "30", "--epochs", "2", "--search-nodes", "10", "--search-seconds", "0.5",
               "--iterations", "1", "--out", str(out), "--json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["theorems"] == 30 and summary["subproofs"] > 0
    [round1] = summary["iterations"]
    assert round1["iteration"] == 1 and round1["theorems"] == 30 and 0 < round1["proved"] <= 30
    assert out.is_file()
    text = run("prove", "∀ p q : Prop, p ∧ q → q ∧ p", "--policy", "router", "--model", str(out), "--library", "all")
    assert text.returncode == 0 and "kernel type checker re-checked" in text.stdout
    bad = run("train", "--iterations", "-1", "--out", str(tmp_path / "never.pt"))
    assert bad.returncode == 1 and "--iterations must be 0 or more" in bad.stderr and "Traceback" not in bad.stderr
