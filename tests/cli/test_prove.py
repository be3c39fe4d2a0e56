"""``tactic-mesh prove``: automatic search, scripts, JSON, and failures with reasons."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def prove(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tactic_mesh.cli.main", "prove", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.mark.parametrize(
    "statement",
    [
        "∀ n : Nat, n + 0 = n",
        "∀ n : Nat, 0 + n = n",
        "∀ a b : Nat, a + b = b + a",
        "∀ a b c : Nat, a + b + c = a + (b + c)",
        "∀ p q : Prop, p ∧ q → q ∧ p",
        "∀ (α : Type) (l : List α), l ++ [] = l",
    ],
)
def test_required_statements_are_proved_automatically(statement: str) -> None:
    proc = prove(statement, "--json", "--budget", "60")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["proved"] and payload["kernel_checked"] and payload["script"]
    # the script found is re-runnable with --by (its lines, bullets and indentation included)
    again = prove(statement, "--by", "\n".join(payload["script"]), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["proof_term"] == payload["proof_term"]


def test_text_output_says_the_kernel_checked_it() -> None:
    proc = prove("∀ n : Nat, n + 0 = n")
    assert proc.returncode == 0
    assert "intro n" in proc.stdout and "rfl" in proc.stdout
    assert "proved: the kernel type checker re-checked the proof term" in proc.stdout


def test_failures_are_reported_without_traceback() -> None:
    bad_script = prove("∀ n : Nat, n + 1 = n", "--by", "intro n; rfl")
    assert bad_script.returncode == 1 and "rfl failed" in bad_script.stderr and "⊢ n + 1 = n" in bad_script.stderr
    unparsable = prove("∀ n : Nat,")
    assert unparsable.returncode == 1 and "<statement>:1:" in unparsable.stderr
    false = prove("1 = 2", "--budget", "1", "--max-nodes", "50", "--json")
    assert false.returncode == 1 and json.loads(false.stdout)["proved"] is False
    for proc in (bad_script, unparsable, false):
        assert "Traceback" not in proc.stdout + proc.stderr


def test_a_failed_search_says_what_it_tried_and_what_is_left() -> None:
    proc = prove("∀ a b : Nat, a * b = a", "--budget", "1", "--max-nodes", "40")
    assert proc.returncode == 1 and "no proof found" in proc.stderr
    assert "tried (tactic applied/tried):" in proc.stderr and "intro" in proc.stderr
    assert "furthest: intro a; intro b" in proc.stderr and "⊢" in proc.stderr
    payload = json.loads(prove("∀ a b : Nat, a * b = a", "--budget", "1", "--max-nodes", "40", "--json").stdout)
    assert payload["proved"] is False and payload["goals_left"]
    assert payload["furthest_script"][:2] == ["intro a", "intro b"]
    assert {t["tactic"] for t in payload["tried"]} >= {"intro", "rfl", "apply"}


def test_structured_scripts_and_the_core_program() -> None:
    script = "intro n\ninduction n with\n| zero => rfl\n| succ m ih => rw [Nat.add_succ, ih]"
    proc = prove("∀ n : Nat, 0 + n = n", "--by", script, "--expand")
    assert proc.returncode == 0, proc.stderr
    assert "| succ m ih => rw [Nat.add_succ, ih]" in proc.stdout
    assert 'op Elaborate(⟪fun n => ?_⟫, #goal "main")' in proc.stdout
    assert "-- rw [Nat.add_succ, ih]" in proc.stdout and 'op Rewrite(#goal "main", eq0, "->")' in proc.stdout
    assert "@Nat.rec" in proc.stdout  # induction's core program: the recursor with its motive
    bad = prove("∀ n : Nat, 0 + n = n", "--by", script.replace(", ih]", "]"))
    assert bad.returncode == 1 and "<by>:4:" in bad.stderr and "Traceback" not in bad.stderr


def test_the_whole_library_on_request() -> None:
    without = prove("∀ a b : Nat, a * b = b * a", "--budget", "1", "--max-nodes", "30", "--json")
    assert without.returncode == 1  # Nat.mul_comm is proved in tactics.tm, not in basics.tm
    proc = prove("∀ a b : Nat, a * b = b * a", "--library", "all", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "apply Nat.mul_comm" in json.loads(proc.stdout)["script"]


def test_search_uses_case_analysis_on_hypotheses() -> None:
    proc = prove("∀ p q r : Prop, (p ∧ q) ∧ r → p ∧ (q ∧ r)", "--json", "--budget", "60")
    assert proc.returncode == 0, proc.stderr
    assert any(step.lstrip("· ").startswith("cases ") for step in json.loads(proc.stdout)["script"])
