"""The learned policies by name, without importing torch until one is made.

* ``router``: the Mixture-of-Tactics router (``neural/router_policy.py``) from a checkpoint —
  ``--model PATH``, else ``$TACTIC_MESH_MODEL``, else the model that ships with the package
  (``tactic_mesh/neural/model.pt``, rebuilt by ``make model``);
* ``knn``: the Tactician-style k-NN (``neural/knn.py``), starting from the store of the same
  checkpoint (the steps the router learned from) when torch and a checkpoint are there, empty
  otherwise; it grows with every proof the kernel admits.

``default_policy()`` is what ``auto`` means: ``router`` when torch and a usable checkpoint are
there, else ``heuristic`` together with the reason (the CLI says it).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from tactic_mesh.handlers.policy import SearchPolicy, register_policy
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.neural.knn import KnnPolicy, KnnStore

if TYPE_CHECKING:
    from tactic_mesh.neural.checkpoint import Checkpoint

MODEL_VARIABLE = "TACTIC_MESH_MODEL"


class NeuralUnavailable(TacticMeshError):
    """A learned policy cannot be made here: torch is not installed or there is no model."""


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def shipped_model() -> Path:
    return Path(str(resources.files("tactic_mesh.neural").joinpath("model.pt")))


def model_path(path: str | Path | None = None) -> Path:
    if path is not None:
        return Path(path)
    env = os.environ.get(MODEL_VARIABLE)
    return Path(env) if env else shipped_model()


def _library_hash(library: str) -> str | None:
    from tactic_mesh.kernel.fingerprint import environment_hash
    from tactic_mesh.proofs.library import LIBRARIES, library_env

    return environment_hash(library_env(library)) if library in LIBRARIES else None


@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Checkpoint:
    from tactic_mesh.neural.checkpoint import load

    return load(path, _library_hash)


def load_checkpoint(path: str | Path | None = None) -> Checkpoint:
    """The checkpoint at ``path`` (see ``model_path``), checked against the library it was trained
    on: a stale one is an error."""
    if not torch_available():
        raise NeuralUnavailable("the learned policies need torch (pip install 'tactic-mesh[neural]')")
    where = model_path(path)
    if not where.is_file():
        raise NeuralUnavailable(f"{where}: no model checkpoint there (tactic-mesh train --out {where})")
    return _load(where, where.stat().st_mtime)


def make_router(path: str | Path | None = None, online: bool = True) -> SearchPolicy:
    from tactic_mesh.neural.router_policy import RouterPolicy

    return RouterPolicy(load_checkpoint(path).model_copy(), online=online)


def make_knn(path: str | Path | None = None) -> SearchPolicy:
    if not torch_available():
        return KnnPolicy()
    try:
        store = load_checkpoint(path).knn
    except NeuralUnavailable:
        return KnnPolicy()
    return KnnPolicy(KnnStore.from_json(store.to_json()))  # a copy: the policy's store grows


def default_policy() -> tuple[str, str]:
    """``(name, reason)``: ``router`` when it can be made here, else ``heuristic`` and why not."""
    try:
        load_checkpoint()
    except TacticMeshError as err:
        return "heuristic", err.message
    return "router", ""


register_policy("router", make_router)
register_policy("knn", make_knn)
