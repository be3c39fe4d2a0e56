"""``tactic-mesh laws``: the table, counterexamples for unclaimed variants, and the exit status."""

from __future__ import annotations

import json

import pytest

from tactic_mesh.cli.main import main


def test_laws_table_and_counterexample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["laws", "--law", "bind-left-unit", "--law", "once-bind", "--examples", "10"]) == 0
    out = capsys.readouterr().out
    assert "bind-left-unit" in out and "held   10" in out
    assert "counterexample to once-bind" in out and "lhs =" in out and "rhs =" in out
    assert "2 law(s): 2 as claimed" in out


def test_laws_json_and_unknown_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["laws", "--law", "choice-assoc", "--examples", "10", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["law"] == "choice-assoc" and row["claimed"] and row["ok"] and row["policy"] == "backtrack"
    assert row["held"] == row["side_held"] >= 10 and row["counterexample"] is None
    assert main(["laws", "--law", "no-such-law"]) == 2
    assert "unknown law" in capsys.readouterr().err
