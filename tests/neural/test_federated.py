"""Federated expert updates: a node's delta covers its shard, the wire form round-trips bit for bit
and refuses what does not fit the local model with a located error, FedAvg weights by sample count,
and the distillation touches the router only."""

from __future__ import annotations

import hashlib
import json
import random

import pytest
import torch

from tactic_mesh.calculus.tactics import FAMILIES
from tactic_mesh.neural.encoder import EncoderConfig
from tactic_mesh.neural.federated import (
    MAGIC,
    FederatedError,
    Update,
    UpdateError,
    UpdateLimits,
    accuracy,
    decode_update,
    distil_router,
    distil_update,
    encode_update,
    expert_of,
    family_shards,
    fedavg,
    local_update,
    model_fingerprint,
    responsible_parameters,
    shard_samples,
    weights_digest,
)
from tactic_mesh.neural.model import ModelConfig, MoTModel
from tactic_mesh.neural.traces import LibraryTheorem
from tactic_mesh.neural.train import Sample, make_samples

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def samples(theorems: list[LibraryTheorem]) -> list[Sample]:
    return make_samples([s for th in theorems for s in th.steps][:90], seed=0)


@pytest.fixture(scope="module")
def base(tiny_config: ModelConfig) -> MoTModel:
    torch.manual_seed(0)
    return MoTModel(tiny_config).eval()


@pytest.fixture(scope="module")
def update(base: MoTModel, samples: list[Sample]) -> Update:
    return local_update(base, samples, ("intro", "apply"), epochs=1, seed=0, node="n0")


def _bits(t: torch.Tensor) -> torch.Tensor:
    return t.contiguous().view(torch.int32)


def _frame(header: dict[str, object], payload: bytes) -> bytes:
    """Hand-made bytes with a correct payload digest (what a careful but hostile peer can send)."""
    h = json.dumps({**header, "payload_sha256": hashlib.sha256(payload).hexdigest()}).encode()
    return MAGIC + len(h).to_bytes(4, "little") + h + payload


def _split(data: bytes) -> tuple[dict[str, object], bytes]:
    h = int.from_bytes(data[4:8], "little")
    header = json.loads(data[8:8 + h])
    assert isinstance(header, dict)
    return header, data[8 + h:]


def _manual(base: MoTModel, node: str, samples: int, deltas: dict[str, float],
            families: tuple[str, ...] = ()) -> Update:
    params = dict(base.named_parameters())
    return Update(node, samples, families, model_fingerprint(base), weights_digest(base),
                  {n: torch.full(params[n].shape, v) for n, v in deltas.items()})


# -- local updates ---------------------------------------------------------------------------------------------------

def test_a_node_sends_the_shared_parameters_and_its_experts_heads(base: MoTModel, samples: list[Sample],
                                                                  update: Update) -> None:
    before = {k: v.clone() for k, v in base.state_dict().items()}
    names = set(update.deltas)
    assert names == set(responsible_parameters(base, ("intro", "apply")))
    hosted = {FAMILIES.index("intro"), FAMILIES.index("apply")}
    assert {expert_of(n) for n in names} == hosted | {None}
    assert "heads.0.0.weight" in names and "similarity.1.weight" in names and "heads.2.0.weight" not in names
    assert "router.centroids" in names and "encoder.label.weight" in names
    assert update.samples == len(samples) and update.families == ("intro", "apply")
    # the apply head learns (the intro expert proposes one call per state: its head has no choice to learn)
    assert any(bool(update.deltas[n].abs().sum() > 0) for n in names if expert_of(n) == 1)
    assert all(torch.equal(before[k], v) for k, v in base.state_dict().items())  # the base is untouched
    again = local_update(base, samples, ("intro", "apply"), epochs=1, seed=0, node="n0")
    assert all(torch.equal(update.deltas[n], again.deltas[n]) for n in names)


def test_a_node_does_not_train_the_heads_it_does_not_host(samples: list[Sample]) -> None:
    shard = shard_samples(samples, ("intro",))
    assert all(s.expert in (None, 0) for s in shard)
    assert [s.family for s in shard] == [s.family for s in samples]  # the router labels stay
    with pytest.raises(FederatedError, match="unknown expert family 'tactics'"):
        shard_samples(samples, ("tactics",))


def test_family_shards_partition_the_families() -> None:
    shards = family_shards(3)
    assert sorted(f for s in shards for f in s) == sorted(FAMILIES)
    assert all(s for s in shards) and len(set(sum(shards, ()))) == len(FAMILIES)


# -- the wire form ---------------------------------------------------------------------------------------------------

def test_the_delta_round_trips_bit_for_bit(base: MoTModel, update: Update) -> None:
    data = encode_update(update)
    back = decode_update(data, UpdateLimits.of(base))
    assert back == update  # every field but the deltas
    assert list(back.deltas) == list(update.deltas)
    assert all(torch.equal(_bits(back.deltas[n]), _bits(d)) for n, d in update.deltas.items())
    assert encode_update(back) == data


def test_decode_refuses_another_models_update(base: MoTModel, update: Update) -> None:
    for other in (MoTModel(ModelConfig(EncoderConfig(d_model=32, heads=2, d_head=8, d_latent=4, layers=1))),
                  MoTModel(ModelConfig(base.cfg.encoder, top_k=2))):  # other shapes; the same shapes, another config
        with pytest.raises(UpdateError, match=r"^\$\.config: an update for another model configuration") as err:
            decode_update(encode_update(update), UpdateLimits.of(other))
        assert err.value.kind == "mismatch"
    smaller = MoTModel(ModelConfig(EncoderConfig(d_model=8, heads=2, d_head=4, d_latent=4, layers=1)))
    with pytest.raises(UpdateError, match=r"^byte 0: update too large"):  # more bytes than all its parameters
        decode_update(encode_update(update), UpdateLimits.of(smaller))
    header, payload = _split(encode_update(update))
    params = header["params"]
    assert isinstance(params, list)
    params[3] = {"name": params[3]["name"], "shape": [*params[3]["shape"], 1]}
    with pytest.raises(UpdateError, match=r"^\$\.params\[3\]\.shape: another shape for 'encoder\.") as err:
        decode_update(_frame(header, payload), UpdateLimits.of(base))
    assert err.value.kind == "mismatch"
    params[3] = {"name": "encoder.nothing", "shape": [1]}
    with pytest.raises(UpdateError, match=r"^\$\.params\[3\]\.name: not a parameter of the local model"):
        decode_update(_frame(header, payload), UpdateLimits.of(base))


def test_decode_refuses_another_base(base: MoTModel, update: Update) -> None:
    moved = fedavg(base, [update])
    with pytest.raises(UpdateError, match=r"^\$\.base: trained from other base weights"):
        decode_update(encode_update(update), UpdateLimits.of(moved))
    assert decode_update(encode_update(update), UpdateLimits.of(moved, check_base=False)) == update


def test_decode_refuses_a_non_finite_value_at_its_offset(base: MoTModel, update: Update) -> None:
    header, payload = _split(encode_update(update))
    params = header["params"]
    assert isinstance(params, list)
    first = 1
    for d in params[0]["shape"]:
        first *= d
    bad = bytearray(payload)
    bad[4 * (first + 2):4 * (first + 3)] = bytes.fromhex("0000c07f")  # NaN, element 2 of the second parameter
    h = len(json.dumps({**header, "payload_sha256": "0" * 64}).encode())
    with pytest.raises(UpdateError, match=rf"^\$\.params\[1\]: non-finite value in '{params[1]['name']}'.*"
                                          rf"at element 2 \(byte {8 + h + 4 * (first + 2)}\)"):
        decode_update(_frame(header, bytes(bad)), UpdateLimits.of(base))
    bad[4 * (first + 2):4 * (first + 3)] = bytes.fromhex("0000807f")  # +inf
    with pytest.raises(UpdateError, match="non-finite"):
        decode_update(_frame(header, bytes(bad)), UpdateLimits.of(base))


def test_decode_refuses_truncated_oversized_and_other_versions(base: MoTModel, update: Update) -> None:
    data = encode_update(update)
    limits = UpdateLimits.of(base)
    with pytest.raises(UpdateError, match=rf"^byte {len(data) - 5}: truncated payload") as err:
        decode_update(data[:-5], limits)
    assert err.value.kind == "malformed"
    with pytest.raises(UpdateError, match=r"^byte 6: truncated preamble"):
        decode_update(data[:6], limits)
    with pytest.raises(UpdateError, match=r"^byte 40: truncated header"):
        decode_update(data[:40], limits)
    with pytest.raises(UpdateError, match=rf"^byte {len(data)}: trailing bytes after the payload"):
        decode_update(data + b"\0", limits)
    with pytest.raises(UpdateError, match=r"^byte 0: update too large: expected at most 1000 bytes") as err:
        decode_update(data, UpdateLimits.of(base, max_bytes=1000))
    assert err.value.kind == "oversized"
    with pytest.raises(UpdateError, match=r"^byte 4: header too large"):
        decode_update(MAGIC + (10**9).to_bytes(4, "little") + b"{}", limits)
    with pytest.raises(UpdateError, match=r"^byte 0: not a federated update") as err:
        decode_update(b"PK\3\4" + data[4:], limits)
    assert err.value.kind == "unsupported"
    header, payload = _split(data)
    with pytest.raises(UpdateError, match=r"^\$\.version: unsupported schema version: expected 1, found integer 2"):
        decode_update(_frame({**header, "version": 2, "extra": True}, payload), limits)
    with pytest.raises(UpdateError, match=r"^\$\.version: unsupported schema version"):
        decode_update(_frame({**header, "version": True}, payload), limits)
    with pytest.raises(UpdateError, match=r"^\$\.dtype: unsupported dtype"):
        decode_update(_frame({**header, "dtype": "<f8"}, payload), limits)
    with pytest.raises(UpdateError, match=r"^\$\.samples: integer out of range"):
        decode_update(_frame({**header, "samples": 0}, payload), limits)
    with pytest.raises(UpdateError, match=r"^\$\.extra: unexpected field"):
        decode_update(_frame({**header, "extra": 1}, payload), limits)
    with pytest.raises(UpdateError, match=r"^\$\.params\[\d+\]\.name: a head of an expert the node does not declare"):
        decode_update(_frame({**header, "families": ["intro"]}, payload), limits)
    with pytest.raises(UpdateError, match=r"^byte \d+: damaged payload"):
        decode_update(data[:-1] + bytes([data[-1] ^ 1]), limits)


def test_encode_refuses_what_decode_would(base: MoTModel) -> None:
    nan = _manual(base, "n", 1, {"router.project.bias": float("nan")})
    with pytest.raises(FederatedError, match="non-finite"):
        encode_update(nan)
    foreign = _manual(base, "n", 1, {"heads.2.0.bias": 1.0}, families=("intro",))
    with pytest.raises(FederatedError, match="does not host"):
        encode_update(foreign)
    with pytest.raises(FederatedError, match="node name"):
        encode_update(_manual(base, "a node", 1, {}))


def test_fuzzed_bytes_give_a_clean_error_or_an_update_of_the_local_shapes(base: MoTModel, tiny_config: ModelConfig,
                                                                          samples: list[Sample]) -> None:
    small = local_update(base, samples[:20], ("rewrite",), epochs=1, seed=1, node="n2")
    # a small update (the router and one head) keeps the fuzz fast while covering every section
    names = [n for n in small.deltas if n.startswith("router.") or expert_of(n) is not None]
    small = Update(small.node, small.samples, small.families, small.config, small.base,
                   {n: small.deltas[n] for n in names})
    data = encode_update(small)
    h = int.from_bytes(data[4:8], "little")
    limits = UpdateLimits.of(base)
    shapes = dict(limits.shapes)
    rng = random.Random(0)
    outcomes = {"error": 0, "update": 0}
    for i in range(600):
        b = bytearray(data)
        op = i % 5
        if op == 0:  # flip bytes in the header
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(0, 8 + h)] = rng.randrange(256)
        elif op == 1:  # flip bytes anywhere
            for _ in range(rng.randint(1, 8)):
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 2:  # truncate
            b = b[:rng.randrange(len(b))]
        elif op == 3:  # insert or delete in the header
            at = rng.randrange(8, 8 + h)
            if rng.random() < 0.5:
                del b[at:at + rng.randint(1, 5)]
            else:
                b[at:at] = bytes(rng.randrange(32, 127) for _ in range(rng.randint(1, 5)))
        else:  # append garbage
            b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        try:
            got = decode_update(bytes(b), limits)
        except UpdateError as err:
            assert not err.internal, str(err)
            assert str(err).split(":")[0]  # a location first
            outcomes["error"] += 1
            continue
        outcomes["update"] += 1
        assert all(tuple(d.shape) == shapes[n] and bool(torch.isfinite(d).all()) for n, d in got.deltas.items())
    assert outcomes["error"] > 500


# -- FedAvg ----------------------------------------------------------------------------------------------------------

def test_fedavg_of_identical_updates_is_one_update(base: MoTModel, update: Update) -> None:
    one = fedavg(base, [update]).state_dict()
    three = fedavg(base, [update, update, update]).state_dict()
    assert all(torch.equal(_bits(one[k]), _bits(v)) for k, v in three.items())
    b = base.state_dict()
    for name, d in update.deltas.items():
        assert torch.allclose(one[name], b[name] + d, atol=1e-6)


def test_fedavg_weights_by_sample_count_over_the_senders(tiny_config: ModelConfig) -> None:
    torch.manual_seed(0)
    base = MoTModel(tiny_config)
    with torch.no_grad():
        for p in base.parameters():
            p.zero_()
    a = _manual(base, "a", 1, {"router.project.bias": 1.0, "heads.0.2.bias": 2.0}, families=("intro",))
    b = _manual(base, "b", 3, {"router.project.bias": 5.0, "encoder.norm.bias": -1.0})
    merged = {n: p.detach() for n, p in fedavg(base, [a, b]).named_parameters()}
    assert torch.equal(merged["router.project.bias"], torch.full_like(merged["router.project.bias"], 4.0))  # (1+15)/4
    assert torch.equal(merged["heads.0.2.bias"], torch.tensor([2.0]))  # sent by a alone
    assert torch.equal(merged["encoder.norm.bias"], torch.full_like(merged["encoder.norm.bias"], -1.0))  # b alone
    assert float(merged["heads.1.2.bias"].abs().sum()) == 0.0  # sent by nobody: the base's
    assert all(float(p.detach().abs().sum()) == 0.0 for p in base.parameters())  # the base is untouched


def test_fedavg_refuses_updates_of_another_base_or_model(base: MoTModel, update: Update,
                                                         tiny_config: ModelConfig) -> None:
    moved = fedavg(base, [update])
    with pytest.raises(FederatedError, match="'n0' was trained from other base weights"):
        fedavg(moved, [update])
    other = MoTModel(ModelConfig(tiny_config.encoder, top_k=2))
    with pytest.raises(FederatedError, match="another model configuration"):
        fedavg(other, [update])
    with pytest.raises(FederatedError, match="no update"):
        fedavg(base, [])


# -- distillation ----------------------------------------------------------------------------------------------------

def test_distillation_changes_the_router_only(base: MoTModel, update: Update, samples: list[Sample]) -> None:
    merged = fedavg(base, [update])
    before = {k: v.clone() for k, v in merged.state_dict().items()}
    distilled, report = distil_router(merged, samples, epochs=2, seed=0)
    after = distilled.state_dict()
    assert all(torch.equal(before[k], v) for k, v in merged.state_dict().items())  # the input is untouched
    changed = {k for k in after if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith("router.") for k in changed)
    assert {"router.centroids", "router.project.weight"} <= changed
    assert all(p.requires_grad for p in distilled.parameters())
    assert report.samples == sum(s.family is not None for s in samples) and report.epochs == 2
    assert 0.0 <= report.accuracy_before <= 1.0 and 0.0 <= report.accuracy_after <= 1.0
    again, _ = distil_router(merged, samples, epochs=2, seed=0)
    assert all(torch.equal(v, again.state_dict()[k]) for k, v in after.items())


def test_a_distil_update_carries_the_router_only(base: MoTModel, update: Update, samples: list[Sample]) -> None:
    merged = fedavg(base, [update])
    u = distil_update(merged, samples[:40], node="n1", epochs=1)
    assert u.deltas and all(n.startswith("router.") for n in u.deltas) and u.families == ()
    back = decode_update(encode_update(u), UpdateLimits.of(merged))
    routed = fedavg(merged, [back]).state_dict()
    m = merged.state_dict()
    assert all(torch.equal(m[k], v) for k, v in routed.items() if not k.startswith("router."))


def test_accuracy_counts_the_labelled_samples(base: MoTModel, samples: list[Sample]) -> None:
    acc = accuracy(base, samples)
    assert acc.routed == sum(s.family is not None for s in samples)
    assert acc.scored == sum(s.expert is not None and len(s.actions) > 1 for s in samples) > 0
    assert 0.0 <= acc.router_topk <= 1.0 and 0.0 <= acc.expert_top1 <= 1.0
