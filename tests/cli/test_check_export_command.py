"""``tactic-mesh check-export``: exit 0 accepted, 1 rejected, 2 declined or malformed; messages and
``--json`` name the declaration (and the line) at fault."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from tactic_mesh.cli.main import main
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.lean.ndjson import Export, TheoremVal, export_text
from tactic_mesh.lean.ndjson_export import export_environment

FIXTURE = Path(__file__).parent.parent / "lean" / "exports" / "structures.ndjson"


def prelude_export() -> Export:
    return export_environment(prelude())


def tampered(export: Export) -> tuple[str, str]:
    """The export's text with a later theorem given an earlier one's proof, and that theorem's name."""
    theorems = [(i, item) for i, item in enumerate(export.items) if isinstance(item, TheoremVal)]
    first = theorems[0][1]
    i, later = next((i, t) for i, t in theorems[1:] if t.type != first.type)
    items = list(export.items)
    items[i] = attrs.evolve(later, value=first.value)
    return export_text(attrs.evolve(export, items=tuple(items))), export.name_str(later.name)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check-export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_accepted_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(FIXTURE))
    assert code == 0
    assert out.splitlines()[-1].startswith("accepted: 36 constant(s): 36 accepted, 0 rejected")
    assert len(out.splitlines()) == 1  # nothing to report but the verdict


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", str(FIXTURE))
    doc = json.loads(out)
    assert code == 0 == doc["exit_code"]
    assert set(doc) == {"file", "verdict", "exit_code", "format_version", "lean_version", "counts", "error",
                        "declarations", "generated"}
    assert doc["verdict"] == "accepted" and doc["error"] is None and doc["format_version"] == "3.1.0"
    assert doc["counts"] == {"accepted": 36, "rejected": 0, "declined": 0, "skipped": 0}
    first = doc["declarations"][0]
    assert first == {"name": "Nat", "kind": "inductive", "status": "accepted", "line": first["line"]}
    assert first["line"] > 1
    assert "Prod..proj.0" in doc["generated"]


def test_rejected_exit_1_names_the_theorem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, victim = tampered(prelude_export())
    path = tmp_path / "bad.ndjson"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, str(path))
    assert code == 1
    lines = out.splitlines()
    bad = [line for line in lines if ": rejected: " in line]
    assert len(bad) == 1 and f"theorem '{victim}'" in bad[0] and "declared to have type" in bad[0]
    assert bad[0].startswith(f"{path}:")
    line_no = int(bad[0][len(str(path)) + 1:].split(":", 1)[0])
    assert '"name":' in text.splitlines()[line_no - 1] and '"thm"' in text.splitlines()[line_no - 1]
    assert lines[-1].startswith("rejected:") and f"theorem '{victim}'" in lines[-1]
    code, out, _ = run(capsys, "--json", str(path))
    doc = json.loads(out)
    assert code == 1 and doc["verdict"] == "rejected" and doc["counts"]["rejected"] == 1
    (row,) = [d for d in doc["declarations"] if d["status"] == "rejected"]
    assert row["name"] == victim and row["kind"] == "theorem" and row["line"] == line_no and row["reason"]


def test_quiet_prints_the_verdict_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, victim = tampered(prelude_export())
    path = tmp_path / "bad.ndjson"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "--quiet", str(path))
    assert code == 1 and len(out.splitlines()) == 1 and victim in out


def test_declined_exit_2_names_the_feature(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = prelude_export()
    sort_id = next(e.id for e in export.exprs.values() if type(e).__name__ == "ExprSort")
    text = export_text(export)
    text += json.dumps({"in": 900001, "str": {"pre": 0, "str": "Quot"}}) + "\n"
    text += json.dumps({"quot": {"name": 900001, "levelParams": [], "type": sort_id, "kind": "type"}}) + "\n"
    path = tmp_path / "quot.ndjson"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, str(path))
    assert code == 2
    assert f"{path}:{len(text.splitlines())}: declined: quotient 'Quot' (Quot)" in out
    assert out.splitlines()[-1].startswith("declined:")
    doc = json.loads(run(capsys, "--json", str(path))[1])
    assert doc["verdict"] == "declined" and doc["exit_code"] == 2
    assert [d["feature"] for d in doc["declarations"] if d["status"] == "declined"] == ["Quot"]


def test_malformed_exit_2_with_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = export_text(prelude_export()).splitlines()
    path = tmp_path / "cut.ndjson"
    path.write_text("\n".join([*lines[:40], lines[40][:10]]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, str(path))
    assert code == 2 and "Traceback" not in out + err
    assert out.startswith(f"malformed: {path}:41:")
    doc = json.loads(run(capsys, "--json", str(path))[1])
    assert doc["verdict"] == "malformed" and doc["error"]["line"] == 41 and doc["declarations"] == []


def test_dangling_reference_is_malformed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = export_text(prelude_export())
    text += json.dumps({"axiom": {"name": 1, "levelParams": [], "type": 987654, "isUnsafe": False}}) + "\n"
    path = tmp_path / "dangling.ndjson"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, str(path))
    assert code == 2 and f"{path}:{len(text.splitlines())}:" in out and "987654" in out and "malformed" in out


def test_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(tmp_path / "nope.ndjson"))
    assert code == 2 and "cannot read" in out and "Traceback" not in err
