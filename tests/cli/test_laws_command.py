"""``tactic-mesh laws``: the table, counterexamples for unclaimed variants, and the exit status."""

from __future__ import annotations

import json
import re

import pytest

from tactic_mesh.cli.main import main


def test_laws_table_and_counterexample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["laws", "--law", "bind-left-unit", "--law", "once-bind", "--examples", "10"]) == 0
    out = capsys.readouterr().out
    header, rule, *rows = out.splitlines()[:4]
    assert header.split()[:3] == ["law", "claim", "side"] and set(rule.replace(" ", "")) == {"-"}
    unit = re.split(r"\s{2,}", next(r for r in rows if r.startswith("bind-left-unit")))
    assert unit[:8] == ["bind-left-unit", "claimed", "—", "10", "10", "10", "none", "ok"]
    once = re.split(r"\s{2,}", next(r for r in rows if r.startswith("once-bind")))
    assert once[1] == "unclaimed" and once[6:8] == ["found", "ok"]
    assert "counterexample to once-bind" in out and "lhs =" in out and "rhs =" in out
    assert "2 law(s): 2 as claimed" in out


def test_laws_json_and_unknown_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["laws", "--law", "choice-assoc", "--examples", "10", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["law"] == "choice-assoc" and row["claimed"] and row["ok"] and row["policy"] == "backtrack"
    assert row["held"] == row["side_held"] >= 10 and row["counterexample"] is None
    assert main(["laws", "--law", "no-such-law"]) == 2
    assert "unknown law" in capsys.readouterr().err


def test_laws_exit_status_when_a_claim_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claimed law with a counterexample makes the command fail (here: the commit 'identity'
    claimed on purpose)."""
    import attrs

    from tactic_mesh.laws import catalogue

    wrong = attrs.evolve(catalogue.law_named("commit-left-identity"), claimed=True)
    monkeypatch.setattr(catalogue, "LAWS", (wrong,))
    assert main(["laws", "--examples", "60"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "FAILED: commit-left-identity" in out and "counterexample to commit-left-identity" in out
