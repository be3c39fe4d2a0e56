"""Checkpoints: a round trip keeps the model, the k-NN store and the report; a damaged, foreign,
other-version, other-feature or stale checkpoint is a clear error, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import torch

from tactic_mesh.neural import checkpoint as ck
from tactic_mesh.neural.checkpoint import CheckpointError, load
from tactic_mesh.neural.pipeline import Trained


def _payload(path: Path) -> dict[str, Any]:
    data = torch.load(io.BytesIO(path.read_bytes()), weights_only=True)
    assert isinstance(data, dict)
    return data


def _write(path: Path, payload: dict[str, Any], redigest: bool = True) -> Path:
    if redigest:
        meta = {k: v for k, v in payload.items() if k not in ("state", "digest")}
        payload["digest"] = ck._digest(meta, payload["state"])
    torch.save(payload, path)
    return path


def test_round_trip_keeps_weights_store_and_report(tiny: Trained, tiny_checkpoint: Path) -> None:
    got = load(tiny_checkpoint)
    assert got.library == "all" and len(got.environment_hash) == 64
    want = tiny.model.state_dict()
    state = got.model.state_dict()
    assert set(state) == set(want) and "router.bias" in state
    assert all(torch.equal(state[k], want[k]) for k in want)
    assert got.knn.to_json() == tiny.knn.to_json() and len(got.knn) > 0
    assert got.report["samples"] == tiny.report.samples
    assert got.model.cfg == tiny.model.cfg


def test_stale_checkpoint_names_make_model(tiny_checkpoint: Path) -> None:
    same = load(tiny_checkpoint).environment_hash
    assert load(tiny_checkpoint, lambda library: same).library == "all"
    with pytest.raises(CheckpointError, match=r"stale checkpoint: trained on library 'all'.*make model"):
        load(tiny_checkpoint, lambda library: "0" * 64)


def test_missing_truncated_and_garbage_files(tiny_checkpoint: Path, tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="cannot read the checkpoint"):
        load(tmp_path / "absent.pt")
    raw = tiny_checkpoint.read_bytes()
    (tmp_path / "cut.pt").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CheckpointError, match=r"cut\.pt: not a readable checkpoint"):
        load(tmp_path / "cut.pt")
    (tmp_path / "junk.pt").write_bytes(b"\x00garbage" * 50)
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load(tmp_path / "junk.pt")


def test_a_changed_weight_is_detected(tiny_checkpoint: Path, tmp_path: Path) -> None:
    payload = _payload(tiny_checkpoint)
    name = sorted(payload["state"])[0]
    payload["state"][name] = payload["state"][name] + 1.0
    with pytest.raises(CheckpointError, match="damaged"):
        load(_write(tmp_path / "edited.pt", payload, redigest=False))


def test_other_format_version_and_features(tiny_checkpoint: Path, tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not a tactic-mesh model checkpoint"):
        load(_write(tmp_path / "foreign.pt", {"format": "something-else", "state": {}}, redigest=False))
    payload = _payload(tiny_checkpoint)
    payload["version"] = ck.VERSION + 1
    with pytest.raises(CheckpointError, match=f"version {ck.VERSION + 1}.*retrain"):
        load(_write(tmp_path / "v.pt", payload))
    payload = _payload(tiny_checkpoint)
    payload["features"] = {**payload["features"], "vocab": 17}
    with pytest.raises(CheckpointError, match=r"\$\.features\.vocab differs"):
        load(_write(tmp_path / "f.pt", payload))
    payload = _payload(tiny_checkpoint)
    del payload["knn"]
    with pytest.raises(CheckpointError, match="lacks knn"):
        load(_write(tmp_path / "k.pt", payload))


def test_weights_that_do_not_fit_the_config(tiny_checkpoint: Path, tmp_path: Path) -> None:
    payload = _payload(tiny_checkpoint)
    payload["config"] = {**payload["config"], "encoder": {**payload["config"]["encoder"], "d_model": 24}}
    with pytest.raises(CheckpointError, match=r"\$\.config / \$\.state do not make a model"):
        load(_write(tmp_path / "c.pt", payload))


def test_saving_replaces_atomically(tiny: Trained, tmp_path: Path) -> None:
    from tactic_mesh.proofs.library import library_env

    out = ck.save(tmp_path / "sub" / "m.pt", tiny.model, tiny.knn, "all", library_env("all"), {"note": 1})
    assert out.is_file() and not (tmp_path / "sub" / "m.pt.tmp").exists()
    assert load(out).report == {"note": 1}
