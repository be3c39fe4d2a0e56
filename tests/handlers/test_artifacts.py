"""Proof artifacts: writing, replaying from the artifacts alone, and rejecting damaged, hand-edited
or incompatible artifacts precisely (never repairing them)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tactic_mesh.cli.main import main
from tactic_mesh.codecs.json_limits import gzip_text
from tactic_mesh.proofs.artifacts import ArtifactError, artifacts_in, read_header, replay_artifact, write_artifacts

THEOREMS = '''
theorem two_eq : 2 = 2 := rfl

theorem and_swap2 (p q : Prop) (h : p ∧ q) : q ∧ p := by
  constructor
  · exact h.2
  · exact h.1

theorem ex_two (P : Nat → Prop) (h : P 2) : ∃ m, m = 2 ∧ P m := by
  constructor
  · exact 2
  · constructor
    · rfl
    · exact h
'''


@pytest.fixture(scope="module")
def proved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("prove")
    assert main(["prove", "∀ p q : Prop, p ∧ q → q ∧ p", "--trace", str(out), "--name", "and_swap"]) == 0
    return out


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("check")
    source = base / "small.tm"
    source.write_text(THEOREMS, encoding="utf-8")
    out = base / "artifacts"
    assert main(["check", str(source), "--trace", str(out), "-q"]) == 0
    return source, out


def _doc(path: Path) -> dict[str, object]:
    data = json.loads(gzip.decompress(path.read_bytes()))
    assert isinstance(data, dict)
    return data


def _write(path: Path, doc: dict[str, object]) -> None:
    path.write_bytes(gzip_text(json.dumps(doc), 6))


def test_prove_writes_both_artifacts_and_they_replay(proved: Path) -> None:
    assembly, proof_term = proved / "and_swap_assembly.json.gz", proved / "and_swap_proof_term.json.gz"
    assert read_header(assembly).kind == "assembly" and read_header(proof_term).kind == "certificate"
    assert read_header(assembly).source == (("library", "basics"),)
    report = replay_artifact(assembly)
    assert report.theorem == "and_swap" and report.steps >= 3
    assert replay_artifact(proof_term).theorem == "and_swap"


def test_check_traces_every_theorem(checked: tuple[Path, Path]) -> None:
    source, out = checked
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{t}_{kind}.json.gz" for t in ("two_eq", "and_swap2", "ex_two")
                           for kind in ("assembly", "proof_term"))
    reports = [replay_artifact(p) for p in artifacts_in([out])]
    assert {r.theorem: r.steps for r in reports}["two_eq"] == 1  # a term proof: one step closes the goal
    assert all(r.complete for r in reports)
    fields = dict(read_header(out / "ex_two_assembly.json.gz").source)
    assert fields["before"] == "ex_two" and fields["files"] == str(source.resolve())


def _copy(src: Path, tmp: Path, name: str = "and_swap") -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    for suffix in ("_assembly.json.gz", "_proof_term.json.gz"):
        (tmp / f"{name}{suffix}").write_bytes((src / f"{name}{suffix}").read_bytes())
    return tmp / f"{name}_assembly.json.gz"


def test_truncated_and_corrupted_artifacts_are_rejected(proved: Path, tmp_path: Path) -> None:
    path = _copy(proved, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArtifactError, match=r"and_swap_assembly\.json\.gz"):
        replay_artifact(path)
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(ArtifactError):
        replay_artifact(path)
    path.write_bytes(b"")
    with pytest.raises(ArtifactError):
        replay_artifact(path)
    with pytest.raises(ArtifactError, match="cannot read"):
        replay_artifact(tmp_path / "nope_assembly.json.gz")


def test_hand_edited_steps_are_rejected_not_repaired(proved: Path, tmp_path: Path) -> None:
    path = _copy(proved, tmp_path)
    original = _doc(path)

    def edited(change: object) -> str:
        doc = json.loads(json.dumps(original))
        change(doc["body"]["root"])  # type: ignore[index,operator]
        _write(path, doc)
        with pytest.raises(ArtifactError) as err:
            replay_artifact(path)
        return err.value.message

    def swap_terms(root: dict[str, list[dict[str, object]]]) -> None:
        step = root["steps"][0]
        step["before"], step["after"] = step["after"], step["before"]

    assert "replay step 0: the recorded before is not what the step builds" in edited(swap_terms)

    def retarget(root: dict[str, list[dict[str, object]]]) -> None:
        root["steps"][0]["target"] = "cp0:1"

    assert "target does not name the step's parent goal" in edited(retarget)

    def drop_last(root: dict[str, list[dict[str, object]]]) -> None:
        root["steps"].pop()

    assert "$.body.tables.exprs" in edited(drop_last)  # what only the dropped step used: located, refused

    def other_term(root: dict[str, object]) -> None:
        root["proof_term"] = root["statement"]

    assert "the recorded proof term is not the one the steps assemble" in edited(other_term)


def test_incompatible_provenance_is_reported_field_by_field(proved: Path, tmp_path: Path) -> None:
    path = _copy(proved, tmp_path)
    doc = _doc(path)
    provenance = doc["provenance"]
    assert isinstance(provenance, dict)
    provenance["kernel_version"] = "tactic-mesh-kernel/0.0.1"
    provenance["environment_hash"] = "0" * 64
    _write(path, doc)
    with pytest.raises(ArtifactError) as err:
        replay_artifact(path)
    message = err.value.message
    assert "incompatible provenance, the replay refuses to run" in message
    assert "kernel_version: recorded 'tactic-mesh-kernel/0.0.1'" in message
    assert "environment_hash: recorded '0000" in message


def test_a_changed_library_is_detected(checked: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = checked
    moved = tmp_path / "small.tm"
    moved.write_text(THEOREMS.replace("theorem two_eq : 2 = 2 := rfl", "theorem two_eq : 3 = 3 := rfl"),
                     encoding="utf-8")
    path = tmp_path / "ex_two_assembly.json.gz"
    doc = _doc(out / "ex_two_assembly.json.gz")
    root = doc["body"]["root"]  # type: ignore[index]
    root["source"] = [[k, str(moved) if k == "files" else v] for k, v in root["source"]]  # type: ignore[index]
    _write(path, doc)
    with pytest.raises(ArtifactError, match="the source files changed since the artifact was made"):
        replay_artifact(path)
    root["source"] = [[k, str(tmp_path / "gone.tm") if k == "files" else v] for k, v in root["source"]]  # type: ignore[index]
    _write(path, doc)
    with pytest.raises(ArtifactError, match="missing"):
        replay_artifact(path)


def test_a_proof_term_must_match_its_assembly(checked: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = checked
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "ex_two_assembly.json.gz").write_bytes((out / "ex_two_assembly.json.gz").read_bytes())
    (tmp_path / "ex_two_proof_term.json.gz").write_bytes((out / "and_swap2_proof_term.json.gz").read_bytes())
    with pytest.raises(ArtifactError, match="not the one its assembly replays to"):
        replay_artifact(tmp_path / "ex_two_proof_term.json.gz")
    (tmp_path / "ex_two_assembly.json.gz").unlink()
    with pytest.raises(ArtifactError, match="which is missing"):
        replay_artifact(tmp_path / "ex_two_proof_term.json.gz")


def test_incomplete_traces_are_not_written(tmp_path: Path) -> None:
    from tactic_mesh.calculus.assembly import assemble
    from tactic_mesh.calculus.state import ProofState
    from tactic_mesh.kernel.elab import elaborate_closed
    from tactic_mesh.kernel.prelude import prelude
    from tactic_mesh.kernel.syntax import parse_term

    env = prelude()
    e, _ = elaborate_closed(env, parse_term("True ∧ True"))
    trace = assemble(ProofState.initial(env, e).traced())
    assert trace.proof_term is None and trace.steps == ()
    with pytest.raises(ArtifactError, match="not complete"):
        write_artifacts(tmp_path, trace)


def test_file_stems_are_one_to_one() -> None:
    from tactic_mesh.proofs.artifacts import file_stem

    assert file_stem("Nat.add_comm") == "Nat.add_comm"
    names = ["foo'", "foo_", "foo%27", "a/b", "a_b", ".hidden", "∀x"]
    stems = [file_stem(n) for n in names]
    assert len(set(stems)) == len(names) and all("/" not in s and not s.startswith(".") for s in stems)
