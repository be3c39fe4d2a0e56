"""Saving and loading a trained Mixture-of-Tactics model (torch).

A checkpoint is one ``torch.save`` file holding plain data only (it is read back with
``weights_only=True``, so loading never runs code from the file):

* ``format`` (``"tactic-mesh/mot"``) and ``version`` (``VERSION``);
* ``features``: the feature configuration the model was trained with (``feature_config()``:
  vocabulary, token limits, hash buckets, the canonical form's version, the expert families) — a
  model trained on other features would read garbage, so any difference is an error;
* ``library`` and ``environment_hash``: the library whose proofs it learned from and the content
  hash of that environment (``kernel/fingerprint.environment_hash``); when the library has
  changed since, the checkpoint is stale (an error naming ``make model``);
* ``config`` (``ModelConfig``), ``state`` (the weights and the router's bias), ``knn`` (the k-NN
  store of the same training steps, as JSON), ``report`` (the training report);
* ``digest``: a sha256 over all of the above, so a damaged file is detected even where the
  container still parses.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs
import torch

from tactic_mesh.calculus.tactics import FAMILIES
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.fingerprint import environment_hash
from tactic_mesh.neural import features as F
from tactic_mesh.neural import tokens as T
from tactic_mesh.neural.knn import KnnStore
from tactic_mesh.neural.model import ModelConfig, MoTModel

FORMAT = "tactic-mesh/mot"
VERSION = 2  # 2: the progress critic and the sketch head


class CheckpointError(TacticMeshError):
    """A checkpoint that cannot be used: missing, damaged, of another format or version, trained on
    other features, or stale."""


def feature_config() -> dict[str, object]:
    return {"vocab": T.VOCAB, "max_tokens": T.MAX_TOKENS, "max_depth": T.MAX_DEPTH, "max_child": T.MAX_CHILD,
            "max_segment": T.MAX_SEGMENT, "max_obligations": T.MAX_OBLIGATIONS,
            "feature_buckets": F.FEATURE_BUCKETS, "canon_version": F.CANON_VERSION,
            "routing_width": F.RoutingFeatures.WIDTH, "families": list(FAMILIES)}


@attrs.frozen
class Checkpoint:
    model: MoTModel = attrs.field(repr=False)
    knn: KnnStore = attrs.field(repr=False)
    library: str
    environment_hash: str
    report: Mapping[str, object]

    def model_copy(self) -> MoTModel:
        """A copy of the model (a policy updates its router's bias online)."""
        return copy.deepcopy(self.model)


def _digest(meta: Mapping[str, object], state: Mapping[str, torch.Tensor]) -> str:
    h = hashlib.sha256(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode())
    for name in sorted(state):
        h.update(name.encode())
        h.update(state[name].detach().contiguous().numpy().tobytes())
    return h.hexdigest()


def save(path: str | Path, model: MoTModel, knn: KnnStore, library: str, env: Environment,
         report: Mapping[str, object]) -> Path:
    meta: dict[str, object] = {
        "format": FORMAT, "version": VERSION, "features": feature_config(), "library": library,
        "environment_hash": environment_hash(env), "config": model.cfg.as_dict(),
        "knn": json.dumps(knn.to_json()), "report": dict(report),
    }
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    payload = {**meta, "state": state, "digest": _digest(meta, state)}
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    torch.save(payload, buf)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(out)  # never a half-written checkpoint under the real name
    return out


def load(path: str | Path, library_hash: Callable[[str], str | None] | None = None) -> Checkpoint:
    """The checkpoint at ``path``; ``library_hash(library)``: the environment hash of the
    checkpoint's library as it is now (a different one makes the checkpoint stale; ``None``: not
    known, nothing to compare)."""
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise CheckpointError(f"{where}: cannot read the checkpoint: {err.strerror or err}") from None
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds for a damaged container
        raise CheckpointError(f"{where}: not a readable checkpoint (damaged or not a torch file): "
                              f"{type(err).__name__}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{where}: not a tactic-mesh model checkpoint (format {FORMAT!r} expected)")
    if payload.get("version") != VERSION:
        raise CheckpointError(f"{where}: checkpoint format version {payload.get('version')!r}; this tactic-mesh "
                              f"reads version {VERSION}: retrain it (tactic-mesh train)")
    missing = [k for k in ("features", "library", "environment_hash", "config", "knn", "report", "state", "digest")
               if k not in payload]
    if missing:
        raise CheckpointError(f"{where}: the checkpoint lacks {', '.join(missing)}")
    state = payload["state"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{where}: $.state is not a table of tensors")
    meta = {k: payload[k] for k in payload if k not in ("state", "digest")}
    if _digest(meta, state) != payload["digest"]:
        raise CheckpointError(f"{where}: the checkpoint is damaged (its digest does not match its content)")
    expected = feature_config()
    got = payload["features"]
    if got != expected:
        diff = [k for k in expected if not isinstance(got, dict) or got.get(k) != expected[k]]
        field = diff[0] if diff else "?"
        raise CheckpointError(f"{where}: trained with another feature configuration ($.features.{field} differs): "
                              f"retrain it (tactic-mesh train)")
    library, env_hash = payload["library"], payload["environment_hash"]
    if not isinstance(library, str) or not isinstance(env_hash, str):
        raise CheckpointError(f"{where}: $.library and $.environment_hash must be strings")
    current_hash = library_hash(library) if library_hash is not None else None
    if current_hash is not None and current_hash != env_hash:
        raise CheckpointError(f"{where}: stale checkpoint: trained on library '{library}' with environment hash "
                              f"{env_hash[:12]}…, the library's hash is now {current_hash[:12]}…: rebuild it "
                              f"(make model)")
    try:
        cfg_raw = payload["config"]
        if not isinstance(cfg_raw, dict):
            raise ValueError("expected an object")
        model = MoTModel(ModelConfig.from_dict(cfg_raw))
        model.load_state_dict(state)
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{where}: $.config / $.state do not make a model: {err}".splitlines()[0]) from None
    model.eval()
    try:
        knn = KnnStore.from_json(json.loads(str(payload["knn"])))
    except ValueError as err:
        raise CheckpointError(f"{where}: $.knn: {err}") from None
    report = payload["report"]
    return Checkpoint(model, knn, library, env_hash, report if isinstance(report, dict) else {})
