"""``tactic-mesh prove-file``: statements proved by search in workers, every proof re-checked by the
kernel in the parent; bad input located at file:line:col (exit 2); a line not proved says why at
file:line (exit 1), whether the search failed, the worker failed, or its script fails the re-check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tactic_mesh.cli import prove_file
from tactic_mesh.cli.main import main

EASY = """\
# three easy statements (this line is a comment)
∀ n : Nat, n + 0 = n
∀ p : Prop, p → p   # the identity

∀ p q : Prop, p ∧ q → q ∧ p
"""


def _file(tmp_path: Path, text: str, name: str = "stmts.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _proves_easy(tmp_path: Path, capsys: pytest.CaptureFixture[str], executor: str) -> dict[str, Any]:
    path, out = _file(tmp_path, EASY), tmp_path / "out.json"
    assert main(["prove-file", str(path), "--executor", executor, "--jobs", "2", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    for line in (2, 3, 5):
        assert f"{path}:{line}: proved, re-checked by the kernel:" in text
    assert "3 of 3 statement(s) proved" in text
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert doc["executor"] == executor and doc["complete"] and doc["policy"] == "heuristic"
    assert [r["line"] for r in doc["results"]] == [2, 3, 5]
    assert [r["statement"] for r in doc["results"]][1] == "∀ p : Prop, p → p"
    for r in doc["results"]:
        assert r["status"] == "proved" and r["kernel_checked"] is True and r["rechecked_by"] == "kernel"
        assert r["script"] and r["proof_term"]
    return doc


@pytest.mark.parametrize("executor", ["inline", "process"])
def test_each_line_is_proved_and_rechecked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           executor: str) -> None:
    _proves_easy(tmp_path, capsys, executor)


def test_bad_input_is_located_and_nothing_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, out = _file(tmp_path, "∀ n : Nat, n + 0 = n\n  ∀ n : Nat, n + = n\n∀ x : Nat, foo x\n"), tmp_path / "o.json"
    assert main(["prove-file", str(path), "--executor", "inline", "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:18: unexpected '='" in err and f"{path}:3:12: unknown identifier 'foo'" in err
    assert "Traceback" not in err and not out.exists()
    assert main(["prove-file", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["prove-file", str(_file(tmp_path, "# nothing\n\n", "empty.txt"))]) == 2
    assert "no statement" in capsys.readouterr().err
    assert main(["prove-file", str(_file(tmp_path, EASY)), "--policy", "oracle"]) == 2
    assert "unknown search policy 'oracle'" in capsys.readouterr().err


def test_an_unprovable_line_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, out = _file(tmp_path, "∀ n : Nat, n + 0 = n\n∀ n : Nat, n * n = n + 1\n"), tmp_path / "o.json"
    assert main(["prove-file", str(path), "--executor", "process", "--jobs", "1", "--budget", "0.5",
                 "--max-nodes", "30", "--json", str(out)]) == 1
    captured = capsys.readouterr()
    assert f"{path}:1: proved, re-checked by the kernel" in captured.out
    assert f"{path}:2: not proved: no proof found" in captured.err and "1 of 2 statement(s) proved" in captured.out
    assert [r["status"] for r in json.loads(out.read_text(encoding="utf-8"))["results"]] == ["proved", "no-proof"]


def test_the_parent_believes_no_worker(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that claims a proof with a script that does not prove the statement, and one that
    fails: both lines are not proved, each with its reason, and no traceback."""

    def lying(job: prove_file.Job) -> dict[str, Any]:
        if job[0] == 3:
            raise RuntimeError("the worker broke")
        script = ["intro n", "rfl"] if job[0] == 2 else ["rfl"]  # right for line 2, wrong for line 5
        return {"line": job[0], "status": "found", "script": script, "stats": {}}

    monkeypatch.setattr(prove_file, "_search", lying)
    path, out = _file(tmp_path, EASY), tmp_path / "o.json"
    assert main(["prove-file", str(path), "--executor", "inline", "--json", str(out)]) == 1
    captured = capsys.readouterr()
    assert f"{path}:2: proved, re-checked by the kernel" in captured.out
    assert f"{path}:3: not proved: the worker raised: RuntimeError: the worker broke" in captured.err
    assert f"{path}:5: not proved: the worker's script failed the re-check here" in captured.err
    assert "Traceback" not in captured.err
    statuses = [r["status"] for r in json.loads(out.read_text(encoding="utf-8"))["results"]]
    assert statuses == ["proved", "error", "rejected"]


# -- Ray (last: no process pool forks beside a running Ray) -------------------------------------------

@pytest.fixture(scope="module")
def ray_running() -> Iterator[None]:
    pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")
    from tactic_mesh.net.executor import RayExecutor

    with RayExecutor(2):  # ray.init(num_cpus=2, include_dashboard=False) on 127.0.0.1, once for the module
        yield


def test_ray_workers_and_the_parent_rechecks(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             ray_running: None) -> None:
    doc = _proves_easy(tmp_path, capsys, "ray")
    assert doc["workers"] == 2
