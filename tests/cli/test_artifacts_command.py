"""``tactic-mesh prove/check --trace``, ``tactic-mesh replay`` and ``tactic-mesh graph``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tactic_mesh.cli.main import main


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("traced")
    assert main(["prove", "∀ p q : Prop, p → q → (p ∧ q) ∧ (q ∧ p)", "--trace", str(out), "--name", "pq"]) == 0
    return out


def test_prove_trace_reports_the_artifacts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "∀ p : Prop, p → p", "--trace", str(tmp_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["proved"] and payload["kernel_checked"]
    assert [Path(p).name for p in payload["artifacts"]] == ["goal_assembly.json.gz", "goal_proof_term.json.gz"]


def test_replay_command(traced: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(traced)]) == 0
    out = capsys.readouterr().out
    assert "replayed pq" in out and "the kernel re-checked the proof term" in out
    assert "1 of 1 artifact(s) replayed and kernel-checked" in out
    assert main(["replay", str(traced / "pq_proof_term.json.gz"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and payload["results"][0]["kernel_checked"] and payload["results"][0]["steps"] > 5


def test_replay_of_garbage_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x_assembly.json.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    assert main(["replay", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "x_assembly.json.gz" in err and "Traceback" not in err
    assert main(["replay", str(tmp_path / "empty-dir-or-missing")]) == 1


def test_graph_formats(traced: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assembly = str(traced / "pq_assembly.json.gz")
    assert main(["graph", assembly, "--format", "json"]) == 0
    graph = json.loads(capsys.readouterr().out)
    assert graph["theorem"] == "pq" and graph["complete"] and len(graph["hyperedges"]) > 5
    assert all(n["status"] in ("closed", "solved") for n in graph["nodes"])
    assert main(["graph", assembly, "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert dot.startswith("digraph") and dot.count("{") == dot.count("}")
    svg_path = tmp_path / "pq.svg"
    assert main(["graph", assembly, "--format", "svg", "-o", str(svg_path)]) == 0
    root = ET.fromstring(svg_path.read_text(encoding="utf-8"))
    assert root.tag.endswith("svg")


def test_graph_needs_an_assembly(traced: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(traced / "pq_proof_term.json.gz")]) == 1
    assert "drawn from an assembly artifact" in capsys.readouterr().err


def test_check_trace_into_an_unwritable_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "t.tm"
    source.write_text("theorem t : True := True.intro\n", encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    assert main(["check", str(source), "--trace", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert "trace t" in err and "Traceback" not in err


def test_replay_shows_the_assembly_step_by_step(traced: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(traced), "--steps"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("theorem pq : ")
    terms = [line.strip() for line in out if line.startswith("    ")]
    assert terms[0].startswith("fun (p : Prop) => ?m")  # the first intro: the rest is an open goal
    assert "?m" not in terms[-1] and terms[-1].startswith("fun (p : Prop) (q : Prop)")
    assert any("opens 2" in line for line in out)  # the split into two goals
