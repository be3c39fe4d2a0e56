"""``tactic-mesh etp``: rows decided with kernel-checked certificates, contradictions fail loudly,
bad rows are reported per row, results resume, one pair by numbers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tactic_mesh.calculus.magma.equations import data_dir
from tactic_mesh.cli.main import main

HEADER = "lhs_eq\trhs_eq\tholds\tlhs_id\trhs_id\tstratum\n"
ROWS = [
    ("x ◇ y = x", "x ◇ y = y ◇ x", "false", "s_false"),  # left projection: refuted by a 2-element model
    ("x = x ◇ y", "x = x ◇ (y ◇ z)", "true", "s_true"),  # an instance: proved
    ("x = y", "x ◇ (y ◇ z) = (x ◇ w) ◇ u", "true", "s_true"),  # everything follows from x = y
    ("x ◇ (y ◇ z) = (x ◇ y) ◇ z", "x ◇ y = y ◇ x", "false", "s_false"),  # associativity ⇏ commutativity
    # true in every finite magma, false in general: refuted only by an infinite model (a rewrite certificate)
    ("x = y ◇ (x ◇ (x ◇ (y ◇ y)))", "x = ((x ◇ (x ◇ x)) ◇ x) ◇ x", "false", "s_false"),
]


def _tsv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    path.write_text(HEADER + "".join(f"{a}\t{b}\t{h}\t\t\t{s}\n" for a, b, h, s in rows), encoding="utf-8")
    return path


def test_rows_are_decided_with_certificates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tsv = _tsv(tmp_path / "rows.tsv", ROWS)
    out, results, plot = tmp_path / "certs", tmp_path / "results.json", tmp_path / "plot.svg"
    assert main(["etp", str(tsv), "--jobs", "1", "--budget", "10", "--out", str(out), "--json", str(results),
                 "--plot", str(plot)]) == 0
    records = json.loads(results.read_text(encoding="utf-8"))
    assert [r["verdict"] for r in records] == ["refuted", "proved", "proved", "refuted", "refuted"]
    summary = capsys.readouterr().out
    assert "proved        2" in summary and "refuted       3" in summary
    for r in records:
        assert {"lhs_eq", "rhs_eq", "verdict", "seconds", "expert", "certificate"} <= set(r)
        assert Path(r["certificate"]).is_file()
        assert (r["checked_by"], r["certificate_kind"], Path(r["certificate"]).suffix) in (
            ("kernel", "proof-term", ".tm"), ("kernel", "finite-model", ".tm"),
            ("rewrite-certificate", "rewrite-system", ".rwc"))
    # no finite magma refutes the last row; E saturates, and the saturation is a checked rewrite certificate
    assert records[4]["expert"] == "rewrite-certificate"
    # every certificate is re-checked by `tactic-mesh check` (theories by the kernel, .rwc by its checker)
    assert main(["check", *(r["certificate"] for r in records), "-q"]) == 0
    assert "not the kernel" in capsys.readouterr().out
    damaged = tmp_path / "damaged.rwc"
    damaged.write_text(Path(records[4]["certificate"]).read_text(encoding="utf-8").replace("->", "=>", 1),
                       encoding="utf-8")
    assert main(["check", str(damaged)]) == 1
    assert f"{damaged}:" in capsys.readouterr().err
    # with --json, theories and rewrite certificates together are one JSON document
    assert main(["check", "--json", records[0]["certificate"], records[4]["certificate"]]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and payload["rewrite_certificates"] == 1
    rwc = [r for r in payload["results"] if r["kind"] == "rewrite-certificate"]
    assert len(rwc) == 1 and "not the kernel" in rwc[0]["output"]
    root = ET.fromstring(plot.read_text(encoding="utf-8"))
    assert sum(1 for e in root.iter() if e.tag.endswith("rect") and e.get("class") == "proved") == 1


def test_a_contradiction_with_the_labels_fails_loudly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tsv = _tsv(tmp_path / "wrong.tsv", [("x ◇ y = x", "x ◇ y = y ◇ x", "true", "mislabelled")])
    assert main(["etp", str(tsv), "--jobs", "1"]) == 2
    assert "SOUNDNESS BUG: row 2" in capsys.readouterr().err


def test_bad_rows_and_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tsv = _tsv(tmp_path / "bad.tsv", [("x ◇ = y", "x = y", "", ""), ROWS[1]])
    results = tmp_path / "r.json"
    assert main(["etp", str(tsv), "--jobs", "1", "--json", str(results)]) == 0
    records = json.loads(results.read_text(encoding="utf-8"))
    assert records[0]["verdict"] == "error" and "row 2" in records[0]["reason"] and records[1]["verdict"] == "proved"
    assert "error: row 2:" in capsys.readouterr().err
    (tmp_path / "cols.tsv").write_text("a\tb\nx\ty\n", encoding="utf-8")
    assert main(["etp", str(tmp_path / "cols.tsv")]) == 2
    assert "missing column(s) lhs_eq, rhs_eq" in capsys.readouterr().err
    assert main(["etp", str(tmp_path / "nope.tsv")]) == 2
    assert main(["etp", "--eq", "4"]) == 2


def test_resume_skips_decided_rows(tmp_path: Path) -> None:
    tsv = _tsv(tmp_path / "rows.tsv", ROWS[:2])
    results = tmp_path / "r.json"
    assert main(["etp", str(tsv), "--jobs", "1", "--json", str(results)]) == 0
    first = json.loads(results.read_text(encoding="utf-8"))
    _tsv(tsv, ROWS[:3])
    assert main(["etp", str(tsv), "--jobs", "1", "--json", str(results), "--resume"]) == 0
    second = json.loads(results.read_text(encoding="utf-8"))
    assert second[:2] == first and second[2]["verdict"] == "proved"
    results.write_text("not json", encoding="utf-8")
    assert main(["etp", str(tsv), "--json", str(results), "--resume"]) == 2


@pytest.mark.skipif(data_dir() is None, reason="the shared ETP data (shared/data/etp) is not on this machine")
def test_one_pair_by_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["etp", "--eq", "1", "--implies", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "x = x  ⟹  x = y: refuted by finite-model" in out and "checked by the kernel" in out
    assert main(["etp", "--eq", "1", "--implies", "99999"]) == 2
    assert "unknown equation number(s) 99999" in capsys.readouterr().err
