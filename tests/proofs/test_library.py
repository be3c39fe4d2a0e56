"""The proof library `tactic_mesh/proofs/basics.tm` is admitted by the kernel, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tactic_mesh.cli.check import check_files
from tactic_mesh.kernel.commands import Options

REPO = Path(__file__).resolve().parents[2]
BASICS = REPO / "tactic_mesh" / "proofs" / "basics.tm"
MIN_THEOREMS = 40


@pytest.fixture(scope="module")
def results():
    return check_files([str(BASICS)], Options())


def test_every_declaration_is_admitted(results) -> None:
    failed = [f"{r.loc}: {r.kind} {r.name}: {r.message}" for r in results if not r.ok]
    assert not failed, "\n".join(failed)


def test_enough_theorems(results) -> None:
    theorems = [r for r in results if r.kind == "theorem"]
    assert len(theorems) >= MIN_THEOREMS
    assert len({r.name for r in theorems}) == len(theorems)


def test_no_axioms_and_no_sorry(results) -> None:
    assert all(r.axioms == () for r in results if r.kind == "theorem")
    strict = check_files([str(BASICS)], Options(forbid_axioms=True))
    assert all(r.ok for r in strict)


def test_term_mode_only() -> None:
    text = BASICS.read_text(encoding="utf-8")
    assert "sorry" not in text
    assert ":= by" not in text


@pytest.mark.parametrize(
    "name",
    [
        "and_comm",
        "or_comm",
        "and_or_left",
        "mt",
        "not_or",
        "Eq.mpr_prop",
        "not_exists",
        "Nat.big_mul",
        "Nat.zero_add",
        "Nat.succ_add",
        "Nat.add_comm",
        "Nat.add_assoc",
        "Nat.one_mul",
        "Nat.le_trans",
        "List.append_example",
        "List.length_append",
        "List.reverse_append",
        "Prod.ext",
        "Magma.comm_assoc_rotate",
    ],
)
def test_key_theorems_present(results, name: str) -> None:
    assert any(r.kind == "theorem" and r.name == name and r.ok for r in results)


def test_cli_json() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tactic_mesh.cli.main", "check", str(BASICS), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["ok"] is True
    assert payload["kernel_rechecked"] is True
    assert payload["failed"] == 0
    assert payload["checked"] >= MIN_THEOREMS
    assert all(r["ok"] for r in payload["results"])
