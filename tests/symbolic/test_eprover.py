"""E prover as a foreign tool: its statuses, and every way it can fail reported, never raised."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tactic_mesh.calculus.magma.equations import parse_equation
from tactic_mesh.symbolic.eprover import BINARY_ENV, binary, run_eprover, version

A = parse_equation("x = x ◇ y")
TRUE_B = parse_equation("x ◇ y = (x ◇ z) ◇ y")
FALSE_B = parse_equation("x ◇ y = y ◇ x")
needs_e = pytest.mark.skipif(binary() is None and BINARY_ENV not in os.environ,
                             reason="E prover is not installed (make setup installs the Debian package eprover)")


@needs_e
def test_theorem_comes_with_its_proof_clauses() -> None:
    assert version() is not None
    result = run_eprover(A, TRUE_B, 5)
    assert result.status == "Theorem", result.reason
    assert any(c.literals == () for c in result.clauses)  # the empty clause
    assert any(c.role == "negated_conjecture" for c in result.clauses)


@needs_e
def test_counter_satisfiable_comes_with_the_saturation() -> None:
    result = run_eprover(parse_equation("x = x ◇ (y ◇ x)"), parse_equation("x ◇ (x ◇ y) = y ◇ (y ◇ x)"), 5)
    assert result.status == "CounterSatisfiable", result.reason
    assert result.clauses and all(len(c.literals) == 1 for c in result.clauses)


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fake-eprover"
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_a_missing_binary_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(BINARY_ENV, str(tmp_path / "no-such-eprover"))
    result = run_eprover(A, TRUE_B, 1)
    assert result.status == "Unavailable" and "not installed" in result.reason


def test_a_crash_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(BINARY_ENV, _script(tmp_path, "echo 'Segmentation fault' >&2; exit 139"))
    result = run_eprover(A, TRUE_B, 1)
    assert result.status == "Error" and "139" in result.reason and "Segmentation fault" in result.reason


def test_garbled_output_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    body = "echo '# SZS status Theorem'; echo '# SZS output start CNFRefutation'; echo 'cnf(c, plain, (f(X1)=X1), a).'"
    monkeypatch.setenv(BINARY_ENV, _script(tmp_path, body + "; echo '# SZS output end CNFRefutation'"))
    result = run_eprover(A, TRUE_B, 1)
    assert result.status == "Error" and "not understood" in result.reason and "<eprover>:2:16" in result.reason


def test_a_hanging_prover_is_stopped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(BINARY_ENV, _script(tmp_path, "sleep 60"))
    monkeypatch.setattr("tactic_mesh.symbolic.eprover.GRACE", 0.5)
    result = run_eprover(A, TRUE_B, 1)
    assert result.status == "Timeout" and result.seconds < 10


def test_the_wall_clock_limit_stops_a_prover_within_its_cpu_limit(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setenv(BINARY_ENV, _script(tmp_path, "sleep 60"))  # a sleeping E spends no CPU time
    result = run_eprover(A, TRUE_B, 30, wall=0.5)
    assert result.status == "Timeout" and "0.5 s" in result.reason and result.seconds < 10
