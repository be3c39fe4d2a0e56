"""Federated expert updates (torch): nodes train their expert shards on their own kernel-checked
samples, send weight deltas, the deltas are averaged (FedAvg) and the router is distilled to agree
with the merged model (``bench/federated.py`` compares this with central training).

**What is federated.**  A node hosts a *shard*: a set of expert families (``FAMILIES``).
``local_update`` copies the round's base model, trains it on the node's own samples
(``train.train`` from the base's weights, a fresh optimiser) and returns the delta
``trained − base`` of the parameters it is responsible for:

* the **shared parameters** — everything that belongs to no single expert: the encoder, the action
  embedding, the router's projection and centroids, the progress critic and the sketch head.  Every
  node sends them: each one's router loss and expert losses train the shared encoder, and the
  averaged router is a better start for the distillation than the previous round's;
* the **heads of its hosted experts** (``heads.<e>.*`` and ``similarity.<e>.*``).  A node never
  trains the head of an expert it does not host: its samples labelled with such an expert keep their
  router label but lose their expert label (``attrs.evolve(sample, expert=None)``), so the head gets
  no gradient and is not sent.

Buffers are not federated: the router's balancing bias stays the base's through the average and is
then updated by the distillation's batches (``Router.update_bias``).  Optimiser state stays on the
node.

**FedAvg** (``fedavg``): each parameter's new value is ``base + Σ n_i δ_i / Σ n_i`` over the updates
that carry it (``n_i``: the update's sample count), computed in float64 and rounded once to
float32; a head hosted by one node gets that node's delta, a parameter nobody sent stays the
base's.  Every update must come from the same model configuration and the same base weights
(``model_fingerprint``, ``weights_digest``), else ``FederatedError``.  The sample counts are the
peers' claims: a lying peer can steer the weights — never a proof, which the kernel checks.

**Distillation** (``distil_router``): after the average the encoder's state vectors have moved
under the router, so the router alone (projection and centroids; everything else frozen) is
fine-tuned on the routing targets of kernel-checked steps — the family of the step's tactic, the
same binary cross-entropy as in training, weighted by the steps' credit.  Hard targets, not soft
ones from the merged model: the merged router's own affinities are what is being corrected, and the
merged experts score only the proposals of their own family, which says nothing about the other
families; a label is always a checked outcome, as in expert iteration.  The state vectors are
encoded once (the encoder is frozen), so it takes seconds.  ``distil_update`` does the same on a
node's own samples and returns the router's delta, for a distillation that is federated too.

**Wire form** (``encode_update`` / ``decode_update``; no pickle — a peer is untrusted)::

    b"TMFU"  u32 little-endian H  H bytes of ASCII JSON header  payload

The header (``dump_text``) is ``{"schema": "tactic-mesh/federated-update", "version": 1, "node":
N, "samples": n, "families": [...], "config": C, "base": B, "dtype": "<f4", "params": [{"name":
..., "shape": [...]}, ...], "payload_sha256": D}`` and the payload the parameters' deltas in that
order, each raw little-endian float32 in row-major order.  ``decode_update`` refuses, with an
``UpdateError`` (a ``CodecError``: a JSON path or byte offset, what was expected, what was found;
``kind`` ``oversized`` / ``unsupported`` / ``malformed`` / ``mismatch``): more bytes than the limits
allow, a truncated preamble, header or payload, trailing bytes, a header that is not the schema
(unknown or missing field, wrong type, another version), another model configuration or base,
a parameter the local model lacks or of another shape, a duplicated parameter, an expert head of a
family the node does not declare, a payload whose digest differs, and any non-finite value — never
anything but ``UpdateError``.  ``decode_update(encode_update(u), UpdateLimits.of(base))`` is ``u``,
bit for bit.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
import time
from collections.abc import Iterable, Mapping, Sequence

import attrs
import numpy as np
import torch
from torch import Tensor, nn

from tactic_mesh.calculus.tactics import FAMILIES
from tactic_mesh.codecs.json_base import CodecError, Limits, describe, lst, obj, small_int, string
from tactic_mesh.codecs.json_limits import dump_text, parse_text
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.neural.checkpoint import feature_config
from tactic_mesh.neural.model import MoTModel
from tactic_mesh.neural.train import Sample, train

SCHEMA = "tactic-mesh/federated-update"
VERSION = 1
MAGIC = b"TMFU"
PREAMBLE = 8  # the magic and the header's length
DTYPE = "<f4"
MAX_HEADER_BYTES = 256 * 1024
MAX_SAMPLES = 10**9
HEADER_KEYS = frozenset({"schema", "version", "node", "samples", "families", "config", "base", "dtype", "params",
                         "payload_sha256"})
PARAM_KEYS = frozenset({"name", "shape"})
_NODE = re.compile(r"[A-Za-z0-9._:-]{1,64}\Z")
_HEX = re.compile(r"[0-9a-f]{64}\Z")
_EXPERT = re.compile(r"(?:heads|similarity)\.(\d+)\.")


class FederatedError(TacticMeshError):
    """Updates that cannot be made or merged: an unknown family, no samples, a non-finite delta,
    another model configuration or base weights."""


class UpdateError(CodecError):
    """Bytes ``decode_update`` does not accept; ``kind`` is ``oversized``, ``unsupported``,
    ``malformed`` or ``mismatch`` (another model, base or shape)."""

    def __init__(self, kind: str, path: str, what: str, expected: str | None = None, found: str | None = None, *,
                 internal: bool = False) -> None:
        super().__init__(path, what, expected, found, internal=internal)
        self.kind = kind


@attrs.frozen
class Update:
    """A node's weight deltas (``trained − base``), by parameter name, for one round."""

    node: str
    samples: int  # the samples it trained on: its weight in the average
    families: tuple[str, ...]  # its shard: the experts it hosts
    config: str  # model_fingerprint of the base
    base: str  # weights_digest of the base
    deltas: Mapping[str, Tensor] = attrs.field(eq=False, repr=False)  # float32, the base's shapes


@attrs.frozen
class DistilReport:
    samples: int  # with a routing label
    epochs: int
    seconds: float
    accuracy_before: float  # router top-k accuracy on the samples, before and after
    accuracy_after: float
    final_loss: float


@attrs.frozen
class Accuracy:
    router_topk: float  # the step's family among the router's selected experts (bias included)
    routed: int  # samples with a routing label
    expert_top1: float  # the taken tactic ranked first by its family's expert among the proposals
    scored: int  # samples with an expert label and at least two proposals


# -- parameters ---------------------------------------------------------------------------------------------------

def expert_of(name: str) -> int | None:
    """The expert a parameter belongs to (``heads.<e>.*``, ``similarity.<e>.*``), None when shared."""
    m = _EXPERT.match(name)
    return int(m.group(1)) if m else None


def is_router(name: str) -> bool:
    return name.startswith("router.")


def _check_families(families: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(families))
    unknown = [f for f in out if f not in FAMILIES]
    if unknown:
        raise FederatedError(f"unknown expert family '{unknown[0]}' (known: {', '.join(FAMILIES)})")
    return out


def responsible_parameters(model: MoTModel, hosted: Iterable[str]) -> list[str]:
    """The parameters a node hosting ``hosted`` sends, in the model's order: the shared ones and its
    experts' heads."""
    index = {FAMILIES.index(f) for f in _check_families(hosted)}
    return [name for name, _ in model.named_parameters() if (e := expert_of(name)) is None or e in index]


def family_shards(nodes: int) -> list[tuple[str, ...]]:
    """``FAMILIES`` dealt to ``nodes`` nodes in turn (disjoint, together all of them)."""
    if nodes < 1:
        raise FederatedError(f"family_shards: at least one node, not {nodes}")
    return [FAMILIES[i::nodes] for i in range(nodes)]


def model_fingerprint(model: MoTModel) -> str:
    """A sha256 of what a delta must agree with: the model configuration, the feature configuration
    and the parameters' names and shapes."""
    doc = {"config": model.cfg.as_dict(), "features": feature_config(),
           "params": [[n, list(p.shape)] for n, p in model.named_parameters()]}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def weights_digest(model: MoTModel) -> str:
    """A sha256 of the model's weights and buffers (which base a delta was trained from)."""
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().to(torch.float32).contiguous().numpy().tobytes())
    return h.hexdigest()


# -- local training -------------------------------------------------------------------------------------------------

def shard_samples(samples: Sequence[Sample], hosted: Iterable[str]) -> list[Sample]:
    """The samples as a node hosting ``hosted`` trains on them: the expert label of a family it does
    not host is dropped (the router label stays)."""
    index = {FAMILIES.index(f) for f in _check_families(hosted)}
    return [s if s.expert is None or s.expert in index
            else attrs.evolve(s, expert=None, actions=(), target=0, lemmas=()) for s in samples]


def _delta(base: MoTModel, trained: MoTModel, names: Sequence[str]) -> dict[str, Tensor]:
    b, t = dict(base.named_parameters()), dict(trained.named_parameters())
    out = {}
    for n in names:
        d = (t[n].detach() - b[n].detach()).to(torch.float32).contiguous().clone()
        if not bool(torch.isfinite(d).all()):
            raise FederatedError(f"local update: parameter '{n}' diverged (non-finite delta)")
        out[n] = d
    return out


def local_update(base_model: MoTModel, samples: Sequence[Sample], hosted_families: Iterable[str], epochs: int,
                 seed: int, node: str = "node", batch_size: int = 32, lr: float = 3e-3) -> Update:
    """The node's update: ``base_model`` (left unchanged) trained ``epochs`` epochs on ``samples``
    (``shard_samples``), the delta of its ``responsible_parameters``.  Deterministic: the same base,
    samples, shard and seed give the same delta."""
    hosted = _check_families(hosted_families)
    if not _NODE.match(node):
        raise FederatedError(f"local update: node name {node!r} is not 1-64 characters of [A-Za-z0-9._:-]")
    if not samples:
        raise FederatedError(f"local update of '{node}': no samples to train on")
    trained, _ = train(shard_samples(samples, hosted), base_model.cfg, epochs=epochs, seed=seed,
                       batch_size=batch_size, lr=lr, init=base_model)
    names = responsible_parameters(base_model, hosted)
    return Update(node, len(samples), hosted, model_fingerprint(base_model), weights_digest(base_model),
                  _delta(base_model, trained, names))


# -- FedAvg --------------------------------------------------------------------------------------------------------

def fedavg(base_model: MoTModel, updates: Sequence[Update]) -> MoTModel:
    """A copy of ``base_model`` with each parameter moved by the sample-weighted mean of the deltas of
    the updates that carry it (module docstring); ``base_model`` is left unchanged."""
    if not updates:
        raise FederatedError("fedavg: no update to average")
    config, digest = model_fingerprint(base_model), weights_digest(base_model)
    params = dict(base_model.named_parameters())
    sums: dict[str, tuple[Tensor, int]] = {}
    for u in updates:
        if u.config != config:
            raise FederatedError(f"fedavg: the update of '{u.node}' is for another model configuration "
                                 f"({u.config[:12]}…, the base's is {config[:12]}…)")
        if u.base != digest:
            raise FederatedError(f"fedavg: the update of '{u.node}' was trained from other base weights "
                                 f"({u.base[:12]}…, this round's base is {digest[:12]}…)")
        if not 0 < u.samples <= MAX_SAMPLES:
            raise FederatedError(f"fedavg: the update of '{u.node}' claims {u.samples} samples")
        for name, d in u.deltas.items():
            if name not in params or tuple(d.shape) != tuple(params[name].shape):
                raise FederatedError(f"fedavg: the update of '{u.node}' has a delta for '{name}' the base model "
                                     f"lacks or of another shape")
            acc, n = sums.get(name, (torch.zeros(d.shape, dtype=torch.float64), 0))
            sums[name] = (acc + d.to(torch.float64) * u.samples, n + u.samples)
    out = copy.deepcopy(base_model)
    with torch.no_grad():
        for name, p in out.named_parameters():
            if name in sums:
                acc, n = sums[name]
                p.copy_((p.detach().to(torch.float64) + acc / n).to(p.dtype))
    return out


# -- distillation into the router -----------------------------------------------------------------------------------

def _routing_inputs(model: MoTModel, samples: Sequence[Sample], batch_size: int) -> Tensor:
    parts = []
    with torch.no_grad():
        for i in range(0, len(samples), batch_size):
            batch = samples[i:i + batch_size]
            enc = model.encode([s.tokens for s in batch])
            parts.append(torch.cat([enc.states, torch.tensor([s.routing for s in batch], dtype=torch.float32)], -1))
    return torch.cat(parts)


def _topk_hits(model: MoTModel, u: Tensor, families: Tensor) -> int:
    with torch.no_grad():
        selected = model.router(u).selected
    return int((selected == families[:, None]).any(-1).sum().item())


def distil_router(model: MoTModel, samples: Sequence[Sample], epochs: int = 3, seed: int = 0, batch_size: int = 32,
                  lr: float = 3e-3, balance: bool = True) -> tuple[MoTModel, DistilReport]:
    """A copy of ``model`` whose router (projection and centroids; the balancing bias updated per
    batch with ``balance``) is fine-tuned ``epochs`` epochs on the routing labels of ``samples``,
    every other parameter and buffer unchanged (module docstring); ``model`` is left unchanged."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    out = copy.deepcopy(model)
    out.eval()
    start = time.perf_counter()
    labelled = [s for s in samples if s.family is not None]
    if not labelled:
        return out, DistilReport(0, epochs, 0.0, 0.0, 0.0, 0.0)
    u = _routing_inputs(out, labelled, batch_size)
    families = torch.tensor([s.family for s in labelled], dtype=torch.long)
    weights = torch.tensor([s.weight for s in labelled], dtype=torch.float32)
    target = nn.functional.one_hot(families, len(FAMILIES)).to(torch.float32)
    before = _topk_hits(out, u, families)
    router_params = list(out.router.parameters())
    frozen = [p for p in out.parameters() if all(p is not q for q in router_params)]
    for p in frozen:
        p.requires_grad_(False)
    opt = torch.optim.Adam(router_params, lr=lr)
    order = list(range(len(labelled)))
    loss_value = 0.0
    try:
        for _ in range(epochs):
            rng.shuffle(order)
            losses = []
            for i in range(0, len(order), batch_size):
                rows = torch.tensor(order[i:i + batch_size], dtype=torch.long)
                routing = out.router(u[rows])
                bce = nn.functional.binary_cross_entropy(routing.affinities, target[rows], reduction="none").mean(-1)
                w = weights[rows]
                loss = (bce * w).sum() / w.sum() + out.router.balance_loss(routing)
                opt.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]
                opt.step()
                losses.append(float(loss.item()))
                if balance:
                    out.router.update_bias(routing.selected.detach())
            loss_value = sum(losses) / max(len(losses), 1)
    finally:
        for p in frozen:
            p.requires_grad_(True)
    after = _topk_hits(out, u, families)
    n = len(labelled)
    return out, DistilReport(n, epochs, round(time.perf_counter() - start, 3), round(before / n, 4),
                             round(after / n, 4), round(loss_value, 4))


def distil_update(model: MoTModel, samples: Sequence[Sample], node: str = "node", epochs: int = 3,
                  seed: int = 0) -> Update:
    """``distil_router`` on a node's own samples, as an update carrying the router's parameters only
    (its ``families`` are empty: it sends no expert head)."""
    if not _NODE.match(node):
        raise FederatedError(f"distil update: node name {node!r} is not 1-64 characters of [A-Za-z0-9._:-]")
    if not any(s.family is not None for s in samples):
        raise FederatedError(f"distil update of '{node}': no sample with a routing label")
    distilled, report = distil_router(model, samples, epochs, seed)
    names = [n for n, _ in model.named_parameters() if is_router(n)]
    return Update(node, report.samples, (), model_fingerprint(model), weights_digest(model),
                  _delta(model, distilled, names))


# -- evaluation ----------------------------------------------------------------------------------------------------

def accuracy(model: MoTModel, samples: Sequence[Sample], batch_size: int = 64) -> Accuracy:
    """Router top-k accuracy over the samples with a routing label (the router's bias included, as
    in a search) and expert top-1 accuracy over those with an expert label and more than one
    proposal — a single proposal is no choice (ties count as misses)."""
    hits = routed = top1 = scored = 0
    model.eval()
    with torch.no_grad():
        for i in range(0, len(samples), batch_size):
            batch = samples[i:i + batch_size]
            enc = model.encode([s.tokens for s in batch])
            routing = model.route(enc, torch.tensor([s.routing for s in batch], dtype=torch.float32))
            lemma_vecs = model.lemma_vectors({name: toks for s in batch for name, toks in s.lemmas})
            for b, s in enumerate(batch):
                if s.family is not None:
                    routed += 1
                    hits += int(s.family in routing.selected[b].tolist())
                if s.expert is not None and len(s.actions) > 1:
                    scored += 1
                    scores = model.expert_scores(enc, b, s.expert, model.action_vectors(enc, b, s.actions, lemma_vecs))
                    best = scores.max()
                    top1 += int(bool(scores[s.target] == best) and int((scores == best).sum().item()) == 1)
    return Accuracy(round(hits / max(routed, 1), 4), routed, round(top1 / max(scored, 1), 4), scored)


# -- the wire form -------------------------------------------------------------------------------------------------

@attrs.frozen
class UpdateLimits:
    """What ``decode_update`` accepts: the local model's parameter shapes and fingerprint, the base
    the round started from (None: any), and the sizes."""

    shapes: tuple[tuple[str, tuple[int, ...]], ...]
    config: str
    base: str | None
    max_bytes: int
    max_header_bytes: int = MAX_HEADER_BYTES

    @staticmethod
    def of(model: MoTModel, check_base: bool = True, max_header_bytes: int = MAX_HEADER_BYTES,
           max_bytes: int | None = None) -> UpdateLimits:
        """The limits of updates to ``model`` (its shapes; its weights as the base with
        ``check_base``); ``max_bytes`` defaults to the size of an update of every parameter."""
        shapes = tuple((n, tuple(p.shape)) for n, p in model.named_parameters())
        full = PREAMBLE + max_header_bytes + 4 * sum(p.numel() for p in model.parameters())
        return UpdateLimits(shapes, model_fingerprint(model), weights_digest(model) if check_base else None,
                            full if max_bytes is None else max_bytes, max_header_bytes)


def _header_json_limits(limits: UpdateLimits) -> Limits:
    return Limits(max_document_chars=limits.max_header_bytes, max_string_chars=1024, max_depth=8, max_nat_digits=24)


def encode_update(update: Update) -> bytes:
    """The update's bytes (module docstring); refuses (``FederatedError``) what ``decode_update``
    would: a bad node name or sample count, an unknown family, a non-finite or non-float32 delta."""
    if not _NODE.match(update.node):
        raise FederatedError(f"encode: node name {update.node!r} is not 1-64 characters of [A-Za-z0-9._:-]")
    if not 0 < update.samples <= MAX_SAMPLES:
        raise FederatedError(f"encode: sample count {update.samples} out of 1..{MAX_SAMPLES}")
    families = _check_families(update.families)
    if len(families) != len(update.families):
        raise FederatedError("encode: a family is listed twice")
    params, chunks = [], []
    for name, d in update.deltas.items():
        if d.dtype != torch.float32:
            raise FederatedError(f"encode: delta '{name}' is {d.dtype}, not float32")
        arr = d.detach().contiguous().numpy()
        if not np.isfinite(arr).all():
            raise FederatedError(f"encode: delta '{name}' has a non-finite value")
        e = expert_of(name)
        if e is not None and (e >= len(FAMILIES) or FAMILIES[e] not in families):
            raise FederatedError(f"encode: delta '{name}' is a head of an expert the node does not host")
        params.append({"name": name, "shape": list(d.shape)})
        chunks.append(arr.astype(DTYPE).tobytes())
    payload = b"".join(chunks)
    header = dump_text({"schema": SCHEMA, "version": VERSION, "node": update.node, "samples": update.samples,
                        "families": list(families), "config": update.config, "base": update.base, "dtype": DTYPE,
                        "params": params, "payload_sha256": hashlib.sha256(payload).hexdigest()}).encode("ascii")
    return MAGIC + len(header).to_bytes(4, "little") + header + payload


def _hex(value: object, path: str) -> str:
    if type(value) is not str or not _HEX.match(value):
        raise UpdateError("malformed", path, "not a sha256", "64 lowercase hex digits", describe(value))
    return value


def decode_update(data: bytes, limits: UpdateLimits) -> Update:
    """Decode an untrusted update (module docstring): an ``Update`` whose deltas have the local
    model's shapes and are finite, or an ``UpdateError`` naming where the bytes go wrong."""
    try:
        return _decode(data, limits)
    except UpdateError:
        raise
    except CodecError as err:
        raise UpdateError("oversized" if "too" in err.what else "malformed", err.path, err.what, err.expected,
                          err.found) from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError, MemoryError) as err:
        raise UpdateError("malformed", "$", "undecodable update", "a federated update",
                          f"{type(err).__name__}", internal=True) from None


def _decode(data: bytes, limits: UpdateLimits) -> Update:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UpdateError("malformed", "$", "wrong input type", "bytes", type(data).__name__)
    data = bytes(data)
    n = len(data)
    if n > limits.max_bytes:
        raise UpdateError("oversized", "byte 0", "update too large", f"at most {limits.max_bytes} bytes", f"{n} bytes")
    if n < PREAMBLE:
        raise UpdateError("malformed", f"byte {n}", "truncated preamble", f"{PREAMBLE} bytes (magic, header length)",
                          f"{n} bytes")
    if data[:4] != MAGIC:
        raise UpdateError("unsupported", "byte 0", "not a federated update", repr(MAGIC), repr(data[:4]))
    h = int.from_bytes(data[4:PREAMBLE], "little")
    if h > limits.max_header_bytes:
        raise UpdateError("oversized", "byte 4", "header too large", f"at most {limits.max_header_bytes} bytes",
                          f"{h} bytes")
    if PREAMBLE + h > n:
        raise UpdateError("malformed", f"byte {n}", "truncated header", f"{h} header bytes from byte {PREAMBLE}",
                          f"{n - PREAMBLE}")
    try:
        text = data[PREAMBLE:PREAMBLE + h].decode("ascii")
    except UnicodeDecodeError as err:
        raise UpdateError("malformed", f"byte {PREAMBLE + err.start}", "header is not ASCII JSON", "ASCII",
                          f"byte 0x{data[PREAMBLE + err.start]:02x}") from None
    try:
        doc = parse_text(text, _header_json_limits(limits))
    except CodecError as err:
        raise UpdateError("oversized" if "too" in err.what else "malformed", f"header (byte {PREAMBLE}) {err.path}",
                          err.what, err.expected, err.found) from None
    if type(doc) is dict:  # the schema and the version first: another version may have other fields
        if doc.get("schema") != SCHEMA:
            raise UpdateError("unsupported", "$.schema", "not a federated update", repr(SCHEMA),
                              describe(doc.get("schema")) if "schema" in doc else "no 'schema'")
        if "version" in doc and (type(doc["version"]) is not int or doc["version"] != VERSION):
            raise UpdateError("unsupported", "$.version", "unsupported schema version", str(VERSION),
                              describe(doc["version"]))
    top = obj(doc, "$", HEADER_KEYS)
    node = string(top["node"], "$.node", _header_json_limits(limits))
    if not _NODE.match(node):
        raise UpdateError("malformed", "$.node", "not a node name", "1-64 characters of [A-Za-z0-9._:-]",
                          describe(node))
    samples = small_int(top["samples"], "$.samples", 1, MAX_SAMPLES)
    families: list[str] = []
    for i, f in enumerate(lst(top["families"], "$.families")):
        if type(f) is not str or f not in FAMILIES:
            raise UpdateError("malformed", f"$.families[{i}]", "unknown expert family", ", ".join(FAMILIES),
                              describe(f))
        if f in families:
            raise UpdateError("malformed", f"$.families[{i}]", "family listed twice", None, repr(f))
        families.append(f)
    config = _hex(top["config"], "$.config")
    if config != limits.config:
        raise UpdateError("mismatch", "$.config", "an update for another model configuration",
                          f"{limits.config[:12]}… (the local model)", f"{config[:12]}…")
    base = _hex(top["base"], "$.base")
    if limits.base is not None and base != limits.base:
        raise UpdateError("mismatch", "$.base", "trained from other base weights (another round?)",
                          f"{limits.base[:12]}… (this round's base)", f"{base[:12]}…")
    if top["dtype"] != DTYPE:
        raise UpdateError("unsupported", "$.dtype", "unsupported dtype", repr(DTYPE), describe(top["dtype"]))
    digest = _hex(top["payload_sha256"], "$.payload_sha256")
    local = dict(limits.shapes)
    raw_params = lst(top["params"], "$.params")
    if len(raw_params) > len(local):
        raise UpdateError("malformed", "$.params", "more parameters than the local model has", f"at most {len(local)}",
                          str(len(raw_params)))
    entries: list[tuple[str, tuple[int, ...]]] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_params):
        path = f"$.params[{i}]"
        p = obj(raw, path, PARAM_KEYS)
        name = p["name"]
        if type(name) is not str or name not in local:
            raise UpdateError("mismatch", f"{path}.name", "not a parameter of the local model", None, describe(name))
        if name in seen:
            raise UpdateError("malformed", f"{path}.name", "parameter listed twice", None, repr(name))
        seen.add(name)
        e = expert_of(name)
        if e is not None and FAMILIES[e] not in families:
            raise UpdateError("malformed", f"{path}.name", "a head of an expert the node does not declare",
                              f"a head of {', '.join(families) or 'no expert'} ($.families)", repr(name))
        dims = lst(p["shape"], f"{path}.shape")
        if len(dims) > 8:
            raise UpdateError("mismatch", f"{path}.shape", f"another shape for '{name}'", str(list(local[name])),
                              f"{len(dims)} dimensions")
        shape = tuple(small_int(d, f"{path}.shape[{j}]", 0, 1 << 31) for j, d in enumerate(dims))
        if shape != local[name]:
            raise UpdateError("mismatch", f"{path}.shape", f"another shape for '{name}'", str(list(local[name])),
                              str(list(shape)))
        entries.append((name, shape))
    start = PREAMBLE + h
    need = 4 * sum(int(np.prod(s, dtype=np.int64)) for _, s in entries)
    have = n - start
    if have < need:
        raise UpdateError("malformed", f"byte {n}", "truncated payload",
                          f"{need} bytes from byte {start} for the header's parameters", f"{have}")
    if have > need:
        raise UpdateError("malformed", f"byte {start + need}", "trailing bytes after the payload",
                          f"{need} payload bytes", f"{have}")
    if hashlib.sha256(memoryview(data)[start:]).hexdigest() != digest:
        raise UpdateError("malformed", f"byte {start}", "damaged payload (its sha256 differs from $.payload_sha256)",
                          digest[:12] + "…", hashlib.sha256(memoryview(data)[start:]).hexdigest()[:12] + "…")
    deltas: dict[str, Tensor] = {}
    offset = start
    for i, (name, shape) in enumerate(entries):
        count = int(np.prod(shape, dtype=np.int64))
        arr = np.frombuffer(data, dtype=DTYPE, count=count, offset=offset)
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            j = int(bad[0])
            raise UpdateError("malformed", f"$.params[{i}]", f"non-finite value in '{name}'", "finite float32",
                              f"{arr[j]!r} at element {j} (byte {offset + 4 * j})")
        deltas[name] = torch.from_numpy(arr.astype(np.float32).reshape(shape))
        offset += 4 * count
    return Update(node, samples, tuple(families), config, base, deltas)
