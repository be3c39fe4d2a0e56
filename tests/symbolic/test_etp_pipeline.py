"""``symbolic.etp.decide``: the order of the experts, and the infinite affine models over ℤ in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactic_mesh.calculus.magma.equations import parse_equation
from tactic_mesh.cli.main import main
from tactic_mesh.symbolic import etp

ROW_13_A = parse_equation("x = (y ◇ x) ◇ y")
ROW_13_B = parse_equation("x = (y ◇ z) ◇ ((x ◇ w) ◇ w)")


def test_the_experts_run_in_the_documented_order() -> None:
    names = [name for name, _ in etp.EXPERTS]
    assert names == ["instance", "eprover", "finite-model", "linear-over-Z", "model-family",
                     "rewrite-certificate", "eprover"]


def test_without_small_tables_an_affine_model_over_the_integers_refutes(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # as if no table of size ≤ 4 existed: the next expert is the infinite model over ℤ
    monkeypatch.setattr(etp, "find_counter_model", lambda *args: None)
    verdict = etp.decide(ROW_13_A, ROW_13_B, budget=10.0)
    assert verdict.verdict == "refuted"
    assert verdict.expert == "linear-over-Z (x ◇ y = -1·x - 1·y over ℤ)"
    assert (verdict.checked_by, verdict.certificate_kind) == ("kernel", "infinite-model")
    # the written certificate is re-checked from the prelude by `tactic-mesh check`
    cert = tmp_path / "row13.tm"
    cert.write_text(verdict.certificate, encoding="utf-8")
    assert main(["check", str(cert), "-q"]) == 0
    # and a certificate whose model does not satisfy the hypothesis is refused
    forged = tmp_path / "forged.tm"
    forged.write_text(verdict.certificate.replace("Lin.Affine.mk 0 1 0 1", "Lin.Affine.mk 0 1 1 0"), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(forged), "-q"]) == 1
    refused = capsys.readouterr()
    assert ".law" in refused.out + refused.err and ".refutation" in refused.out + refused.err


def test_a_true_implication_never_reaches_the_models(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object) -> None:
        raise AssertionError("a counter-model search ran on a proved row")

    monkeypatch.setattr(etp, "find_linear_model", forbidden)
    verdict = etp.decide(parse_equation("x = x ◇ y"), parse_equation("x = x ◇ (y ◇ z)"), budget=10.0)
    assert verdict.verdict == "proved" and verdict.expert == "instance"
