"""The proof-state encoder (``neural/encoder.py``): shapes, seeded determinism, the low-rank latent
it caches per node, padding that changes nothing, and states that are equal up to renaming and
commuting encoded alike."""

from __future__ import annotations

import pytest
import torch
from neural_support import state_of

from tactic_mesh.api import Session
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.neural.encoder import Batch, Encoder, EncoderConfig, Encoding, LatentAttention
from tactic_mesh.neural.tokens import MAX_SEGMENT, Tokens, state_tokens

SESSION = Session()
CFG = EncoderConfig(d_model=32, heads=2, d_head=8, d_latent=4, layers=2)


def state(statement: str, script: str = "") -> ProofState:
    return state_of(SESSION, statement, script)


@pytest.fixture(scope="module")
def states() -> list[list[Tokens]]:
    """Three states: one obligation with 2 hypotheses, three obligations with 5, and one without
    hypotheses (the statement itself)."""
    return [
        state_tokens(state("∀ a b : Nat, a + b = b + a", "intro a b")),
        state_tokens(state("∀ a b c : Nat, a ≤ b → b ≤ c → a ≤ c", "intro a b c h1 h2\napply Nat.le_trans")),
        state_tokens(state("∀ p q : Prop, p ∧ q → q ∧ p")),
    ]


def encoder(seed: int = 0, cfg: EncoderConfig = CFG) -> Encoder:
    torch.manual_seed(seed)
    return Encoder(cfg).eval()


def encode(enc: Encoder, states: list[list[Tokens]]) -> Encoding:
    with torch.no_grad():
        out: Encoding = enc(Batch.of(states))
    return out


def test_batch_pads_to_the_longest_obligation(states: list[list[Tokens]]) -> None:
    batch = Batch.of(states)
    lengths = [len(ob) for st in states for ob in st]
    assert len(lengths) == 5 and len(set(lengths)) > 1
    assert batch.labels.shape == batch.depth.shape == batch.child.shape == batch.segment.shape == (5, max(lengths))
    assert batch.mask.sum(1).tolist() == lengths
    for row, n in enumerate(lengths):
        assert not batch.mask[row, n:].any() and (batch.labels[row, n:] == 0).all()
    assert batch.state_of.tolist() == [0, 1, 1, 1, 2]
    assert batch.main.tolist() == [0, 1, 4]
    with pytest.raises(ValueError, match="at least one obligation"):
        Batch.of([states[0], []])
    with pytest.raises(ValueError, match="at least one obligation"):
        Batch.of([])


def test_output_shapes(states: list[list[Tokens]]) -> None:
    out = encode(encoder(), states)
    length = max(len(ob) for st in states for ob in st)
    d = CFG.d_model
    assert out.nodes.shape == (5, length, d)
    assert out.latent.shape == (5, length, CFG.d_latent)
    assert out.mask.shape == (5, length)
    assert out.expressions.shape == (5, MAX_SEGMENT + 1, d)
    assert out.present.shape == (5, MAX_SEGMENT + 1)
    assert out.obligations.shape == (5, d)
    assert out.states.shape == (3, d)
    assert out.main.tolist() == [0, 1, 4]
    assert torch.isfinite(out.nodes).all() and torch.isfinite(out.states).all()
    # which expressions exist: the target and each hypothesis
    assert out.present[0].nonzero().flatten().tolist() == [0, 1, 2]  # a b ⊢ …
    assert out.present[1].sum().item() == 6  # a b c h1 h2 ⊢ …
    assert out.present[4].nonzero().flatten().tolist() == [0]  # no hypotheses


def test_two_states_in_a_batch_of_two(states: list[list[Tokens]]) -> None:
    out = encode(encoder(), [states[0], states[2]])
    assert out.states.shape == (2, CFG.d_model) and out.obligations.shape == (2, CFG.d_model)
    assert not torch.allclose(out.states[0], out.states[1])


def test_the_same_seed_gives_the_same_encoder(states: list[list[Tokens]]) -> None:
    one, two, other = encoder(7), encoder(7), encoder(8)
    p1, p2, p3 = one.state_dict(), two.state_dict(), other.state_dict()
    assert p1.keys() == p2.keys()
    assert all(torch.equal(p1[k], p2[k]) for k in p1)
    assert not all(torch.equal(p1[k], p3[k]) for k in p1)
    e1, e2, e3 = encode(one, states), encode(two, states), encode(other, states)
    assert torch.equal(e1.states, e2.states) and torch.equal(e1.latent, e2.latent)
    assert not torch.allclose(e1.states, e3.states)
    assert torch.equal(encode(one, states).states, e1.states)  # and running again changes nothing


def test_the_cached_latent_is_low_rank(states: list[list[Tokens]]) -> None:
    cfg = EncoderConfig(d_model=48, heads=3, d_head=8, d_latent=6, layers=2)
    enc = encoder(0, cfg)
    out = encode(enc, states)
    assert out.latent.shape[-1] == cfg.d_latent and cfg.d_latent * 4 <= cfg.d_model
    assert out.latent.shape[:2] == out.mask.shape
    attention = enc.blocks[-1].attention
    assert isinstance(attention, LatentAttention)
    assert attention.down_kv.weight.shape == (cfg.d_latent, cfg.d_model)
    assert attention.up_k.weight.shape == attention.up_v.weight.shape == (cfg.heads * cfg.d_head, cfg.d_latent)
    # the latent is the last block's: its down-projection of the normalised input of that block
    assert attention.latent(torch.zeros(2, 5, cfg.d_model)).shape == (2, 5, cfg.d_latent)


def test_attend_reads_the_cached_latent_and_ignores_padding(states: list[list[Tokens]]) -> None:
    enc = encoder()
    out = encode(enc, states)
    attention = enc.blocks[-1].attention
    assert isinstance(attention, LatentAttention)
    torch.manual_seed(1)
    queries = torch.randn(out.latent.shape[0], 3, CFG.d_model)
    with torch.no_grad():
        read = attention.attend(queries, out.latent, out.mask)
        assert read.shape == (out.latent.shape[0], 3, CFG.d_model)
        junk = out.latent.clone()
        junk[~out.mask] = 1e3  # padding positions
        assert torch.allclose(attention.attend(queries, junk, out.mask), read, atol=1e-6)
        real = out.latent.clone()
        real[out.mask] += 1.0  # real positions do matter
        assert not torch.allclose(attention.attend(queries, real, out.mask), read, atol=1e-3)


def test_padding_does_not_change_an_encoding(states: list[list[Tokens]]) -> None:
    enc = encoder()
    short = states[0]
    assert len(short[0]) < max(len(ob) for ob in states[1])
    alone = encode(enc, [short])
    together = encode(enc, [states[1], short, states[2]])
    assert torch.allclose(alone.states[0], together.states[1], atol=1e-5)
    assert torch.allclose(alone.obligations[0], together.obligations[together.main[1]], atol=1e-5)
    n = len(short[0])
    assert torch.allclose(alone.nodes[0, :n], together.nodes[together.main[1], :n], atol=1e-5)
    assert torch.allclose(alone.latent[0, :n], together.latent[together.main[1], :n], atol=1e-5)


def test_renamed_and_commuted_states_are_encoded_alike() -> None:
    base = state("∀ a b c : Nat, a + b * c = c", "intro a b c")
    renamed = state("∀ x y z : Nat, x + y * z = z", "intro u v w")
    commuted = state("∀ a b c : Nat, c = c * b + a", "intro a b c")
    different = state("∀ a b c : Nat, a * b + c = c", "intro a b c")
    toks = [state_tokens(s) for s in (base, renamed, commuted, different)]
    assert toks[0] == toks[1] == toks[2] != toks[3]
    out = encode(encoder(), toks)
    assert torch.allclose(out.states[0], out.states[1], atol=1e-6)
    assert torch.allclose(out.states[0], out.states[2], atol=1e-6)
    assert not torch.allclose(out.states[0], out.states[3], atol=1e-4)


def test_gradients_reach_the_embeddings(states: list[list[Tokens]]) -> None:
    enc = encoder().train()
    out = enc(Batch.of(states))
    out.states.sum().backward()
    assert enc.label.weight.grad is not None and enc.label.weight.grad.abs().sum() > 0
    assert enc.segment.weight.grad is not None and enc.segment.weight.grad.abs().sum() > 0
    for block in enc.blocks:
        for name, param in block.named_parameters():
            assert param.grad is not None and param.grad.abs().sum() > 0, name
