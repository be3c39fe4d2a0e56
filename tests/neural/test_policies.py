"""The learned policies by name: ``router`` and ``knn`` from a checkpoint, ``auto`` falling back to
the heuristic with a reason, and the model that ships with the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactic_mesh.api import Session
from tactic_mesh.handlers.policy import policy_names
from tactic_mesh.neural import policies
from tactic_mesh.neural.knn import KnnPolicy
from tactic_mesh.neural.pipeline import Trained
from tactic_mesh.neural.router_policy import RouterPolicy


def test_learned_policies_are_registered() -> None:
    assert {"heuristic", "knn", "router"} <= set(policy_names())


def test_router_and_knn_from_a_checkpoint(tiny: Trained, tiny_checkpoint: Path) -> None:
    router = policies.make_router(tiny_checkpoint)
    assert isinstance(router, RouterPolicy)
    router.model.router.bias += 1.0  # a copy: the cached checkpoint is not touched
    assert float(policies.load_checkpoint(tiny_checkpoint).model.router.bias.abs().sum()) < float(
        router.model.router.bias.abs().sum())
    knn = policies.make_knn(tiny_checkpoint)
    assert isinstance(knn, KnnPolicy) and len(knn.store) == len(tiny.knn)


def test_missing_model_is_a_clear_error_and_auto_falls_back(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    absent = tmp_path / "none.pt"
    with pytest.raises(policies.NeuralUnavailable, match=r"none\.pt: no model checkpoint"):
        policies.make_router(absent)
    monkeypatch.setenv(policies.MODEL_VARIABLE, str(absent))
    name, why = policies.default_policy()
    assert name == "heuristic" and "none.pt" in why
    empty = policies.make_knn()
    assert isinstance(empty, KnnPolicy) and len(empty.store) == 0
    result = Session("basics").prove("∀ p : Prop, p → p", policy="auto")
    assert result.kernel_checked and result.stats.policy == "heuristic"


def test_auto_is_the_router_when_a_model_is_there(tiny_checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(policies.MODEL_VARIABLE, str(tiny_checkpoint))
    assert policies.default_policy() == ("router", "")
    session = Session("all")
    result = session.prove("∀ p q : Prop, p ∧ q → p", policy="auto", budget=30)
    assert result.kernel_checked and result.stats.policy == "router"


def test_knn_learns_from_admitted_proofs_only(tiny_checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(policies.MODEL_VARIABLE, str(tiny_checkpoint))
    session = Session("all")
    knn = session.policy("knn")
    assert isinstance(knn, KnnPolicy)
    before = len(knn.store)
    session.prove("∀ p q : Prop, p → q → p ∧ q", policy="knn", budget=30)
    assert len(knn.store) > before  # the steps of the admitted proof were added
    assert session.policy("knn") is knn  # one instance per session


def test_the_shipped_model_loads_and_is_current() -> None:
    path = policies.shipped_model()
    assert path.is_file(), "tactic_mesh/neural/model.pt is missing: run `make model`"
    ckpt = policies.load_checkpoint(path)  # checked against the library's hash: not stale
    assert ckpt.library == "all" and len(ckpt.knn) > 0
