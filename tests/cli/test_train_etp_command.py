"""``tactic-mesh train --dataset equational_theories`` and ``tactic-mesh etp --policy router``: a router
checkpoint is trained on a few fresh pairs and used; a bad checkpoint is one clear error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tactic_mesh.calculus.magma.equations import data_dir
from tactic_mesh.cli.main import main
from tactic_mesh.symbolic import etp, etp_router

pytestmark = pytest.mark.skipif(data_dir() is None, reason="the shared ETP data (shared/data/etp) is not here")
torch = pytest.importorskip("torch", reason="tactic-mesh train needs the neural extra")  # cli/train.py checks it


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("etp_train") / "router.json"
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["train", "--dataset", "equational_theories", "--pairs", "5", "--budget", "1", "--jobs", "1",
                     "--seed", "3", "--out", str(out), "--json", "--quiet"])
    assert code == 0
    return out, json.loads(buffer.getvalue())


def test_train_writes_a_checkpoint_from_fresh_pairs(trained: tuple[Path, dict[str, object]]) -> None:
    out, summary = trained
    assert summary["checkpoint"] == str(out) and summary["pairs"] == 5 and summary["seed"] == 3
    assert summary["cap_seconds"] == 1.0 and float(str(summary["collect_seconds"])) > 0
    rates = summary["success_rate"]
    assert isinstance(rates, dict) and set(rates) == set(etp_router.ROUTED)
    router = etp_router.load(out)
    assert router.training["pairs"] == 5 and router.training["left_out_keys"] > 600  # the dev pairs and duals


def test_etp_policy_router_on_dev_rows(trained: tuple[Path, dict[str, object]], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = data_dir()
    assert root is not None
    lines = (root / "dev_implications.tsv").read_text(encoding="utf-8").splitlines()
    tsv = tmp_path / "rows.tsv"
    tsv.write_text("\n".join([lines[0], *lines[1:4]]) + "\n", encoding="utf-8")
    results = tmp_path / "r.json"
    assert main(["etp", str(tsv), "--jobs", "1", "--budget", "10", "--policy", "router", "--router",
                 str(trained[0]), "--json", str(results)]) == 0
    records = json.loads(results.read_text(encoding="utf-8"))
    assert len(records) == 3 and all(r["verdict"] in ("proved", "refuted") for r in records)
    for r in records:
        assert r["policy"] == "router" and etp.check_order(r["order"]) == tuple(r["order"])
        assert r["checked_by"] in ("kernel", "rewrite-certificate") and r["route_seconds"] < 1
    assert main(["etp", str(tsv), "--jobs", "1", "--json", str(results)]) == 0  # the fixed order, recorded
    assert {tuple(r["order"]) for r in json.loads(results.read_text(encoding="utf-8"))} == {etp.FIXED_ORDER}
    capsys.readouterr()


def test_bad_router_checkpoints_are_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "absent.json"
    assert main(["etp", "--eq", "4", "--implies", "381", "--policy", "router", "--router", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: {missing}: no such router checkpoint"
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"format": "tactic-mesh/etp-router", "version": 1, "sha256": "0"}', encoding="utf-8")
    assert main(["etp", "--eq", "4", "--implies", "381", "--policy", "router", "--router", str(damaged)]) == 1
    err = capsys.readouterr().err
    assert "damaged" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert main(["etp", "--eq", "4", "--implies", "381", "--router", str(damaged)]) == 2  # a usage error
    assert "--router goes with --policy router" in capsys.readouterr().err
