"""``tactic-mesh etp --executor``: the rows decide the same inline, in the process pool (the default,
tests/cli/test_etp_command.py) and on Ray; a worker that fails makes its row an ``error``, and a
missing Ray is one error line.  The Ray test comes last (no pool forks beside a running Ray)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tactic_mesh.cli import etp
from tactic_mesh.cli.main import main

HEADER = "lhs_eq\trhs_eq\tholds\tlhs_id\trhs_id\tstratum\n"
ROWS = [
    ("x ◇ y = x", "x ◇ y = y ◇ x", "false", "s_false"),  # left projection: refuted by a 2-element model
    ("x = x ◇ y", "x = x ◇ (y ◇ z)", "true", "s_true"),  # an instance: proved
    ("x = y", "x ◇ (y ◇ z) = (x ◇ w) ◇ u", "true", "s_true"),  # everything follows from x = y
]
VERDICTS = ["refuted", "proved", "proved"]


def _tsv(path: Path) -> Path:
    path.write_text(HEADER + "".join(f"{a}\t{b}\t{h}\t\t\t{s}\n" for a, b, h, s in ROWS), encoding="utf-8")
    return path


def _decide(tmp_path: Path, executor: str, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    results = tmp_path / f"{executor}.json"
    code = main(["etp", str(_tsv(tmp_path / "rows.tsv")), "--executor", executor, "--jobs", "2", "--budget", "10",
                 "--json", str(results), *extra])
    return code, json.loads(results.read_text(encoding="utf-8")) if results.exists() else []


def test_inline_decides_the_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, records = _decide(tmp_path, "inline", "--out", str(tmp_path / "certs"))
    assert code == 0 and [r["verdict"] for r in records] == VERDICTS
    assert all(Path(r["certificate"]).is_file() for r in records)
    assert "3 of 3 row(s) decided" in capsys.readouterr().out


def test_a_failing_worker_is_an_error_row(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    real = etp._decide_row

    def flaky(job: etp.Job) -> dict[str, Any]:
        if job[0] == 3:
            raise MemoryError("the worker ran out")
        return real(job)

    monkeypatch.setattr(etp, "_decide_row", flaky)
    code, records = _decide(tmp_path, "inline")
    assert code == 0 and [r["verdict"] for r in records] == ["refuted", "error", "proved"]
    assert records[1]["reason"] == "worker error: MemoryError: the worker ran out"
    assert "error: row 3: worker error: MemoryError" in capsys.readouterr().err


def test_a_missing_ray_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    assert _decide(tmp_path, "ray")[0] == 2
    err = capsys.readouterr().err
    assert "install the ray extra: pip install -e '.[ray]'" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def ray_running() -> Iterator[None]:
    pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")
    from tactic_mesh.net.executor import RayExecutor

    with RayExecutor(2):  # ray.init(num_cpus=2, include_dashboard=False) on 127.0.0.1, once for the module
        yield


def test_ray_decides_the_rows(tmp_path: Path, ray_running: None) -> None:
    code, records = _decide(tmp_path, "ray")
    assert code == 0 and [r["verdict"] for r in records] == VERDICTS
    assert all(r["checked_by"] in ("kernel", "rewrite-certificate") for r in records)
