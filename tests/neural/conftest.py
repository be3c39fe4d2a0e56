"""A tiny Mixture-of-Tactics model trained once per test session (fixed seeds, seconds on a CPU)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactic_mesh.neural.encoder import EncoderConfig
from tactic_mesh.neural.model import ModelConfig
from tactic_mesh.neural.pipeline import Trained, build
from tactic_mesh.neural.traces import LibraryTheorem, library_theorems

TINY = ModelConfig(EncoderConfig(d_model=16, heads=2, d_head=8, d_latent=4, layers=1), top_k=3)


@pytest.fixture(scope="session")
def tiny_config() -> ModelConfig:
    return TINY


@pytest.fixture(scope="session")
def theorems() -> list[LibraryTheorem]:
    """The theorems of library ``all`` with the steps of their proofs (``basics`` proves by terms)."""
    return library_theorems("all")


@pytest.fixture(scope="session")
def tiny(theorems: list[LibraryTheorem]) -> Trained:
    return build(theorems[:200], TINY, epochs=2, seed=0)


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny: Trained, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tactic_mesh.neural.checkpoint import save
    from tactic_mesh.proofs.library import library_env

    return save(tmp_path_factory.mktemp("model") / "tiny.pt", tiny.model, tiny.knn, "all",
                library_env("all"), tiny.summary())
