"""The proof-state encoder (PSLA: proof-state latent attention), in torch.

Hierarchical: **AST** — each node of an obligation (``neural/tokens.py``) is embedded from its
label, its tree position (depth and child index, in place of token positions) and its segment
(target or which hypothesis); **type graph** — ``layers`` multi-head latent attention blocks let
every node of an obligation attend to every other (the target's nodes to the hypotheses'),
then the nodes are pooled per expression (target, each hypothesis) and the expressions into one
vector per obligation; **proof state** — the main obligation and the mean of all obligations of
the state give the state vector.

**Multi-head latent attention** (``LatentAttention``): keys and values are not projected from a
node's vector directly but from one low-rank latent ``c = W_dkv x`` of size ``d_c ≪ d_model``
(``k = W_uk c``, ``v = W_uv c``), so what has to be kept per node to attend to it later is ``c``
alone: ``encode`` returns the last block's latents (``Encoding.latent``, ``d_c`` numbers per node),
and ``attend`` lets new queries — a candidate tactic's embedding, in the experts — read a state
from its cached latents without re-running the encoder.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import torch
from torch import Tensor, nn

from tactic_mesh.neural.tokens import MAX_CHILD, MAX_DEPTH, MAX_SEGMENT, VOCAB, Tokens


@attrs.frozen
class EncoderConfig:
    d_model: int = 64
    heads: int = 4
    d_head: int = 16
    d_latent: int = 16  # d_c: the size of the cached latent per node
    layers: int = 2

    def as_dict(self) -> dict[str, int]:
        return attrs.asdict(self)


@attrs.frozen
class Batch:
    """Obligations padded to one length: ``[O, L]`` columns, which state each belongs to, and the
    index of each state's main obligation."""

    labels: Tensor
    depth: Tensor
    child: Tensor
    segment: Tensor
    mask: Tensor  # True where there is a node
    state_of: Tensor  # [O]
    main: Tensor  # [B]

    @staticmethod
    def of(states: Sequence[Sequence[Tokens]]) -> Batch:
        obligations = [ob for st in states for ob in st]
        if not obligations or any(not st for st in states):
            raise ValueError("encoder: every state needs at least one obligation")
        length = max(len(ob) for ob in obligations)

        def column(get: str) -> Tensor:
            rows = [list(getattr(ob, get)) + [0] * (length - len(ob)) for ob in obligations]
            return torch.tensor(rows, dtype=torch.long)

        mask = torch.tensor([[i < len(ob) for i in range(length)] for ob in obligations], dtype=torch.bool)
        state_of = torch.tensor([i for i, st in enumerate(states) for _ in st], dtype=torch.long)
        starts, n = [], 0
        for st in states:
            starts.append(n)
            n += len(st)
        return Batch(column("labels"), column("depth"), column("child"), column("segment"), mask, state_of,
                     torch.tensor(starts, dtype=torch.long))


@attrs.frozen
class Encoding:
    nodes: Tensor  # [O, L, d_model]
    latent: Tensor  # [O, L, d_c]: the last block's cached keys/values
    mask: Tensor  # [O, L]
    expressions: Tensor  # [O, MAX_SEGMENT + 1, d_model]: target, hypothesis 0, 1, …
    present: Tensor  # [O, MAX_SEGMENT + 1]: which expressions exist
    obligations: Tensor  # [O, d_model]
    states: Tensor  # [B, d_model]
    main: Tensor  # [B]: the main obligation of each state


class LatentAttention(nn.Module):
    """Multi-head attention whose keys and values come from a joint low-rank latent."""

    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        inner = cfg.heads * cfg.d_head
        self.heads, self.d_head = cfg.heads, cfg.d_head
        self.down_kv = nn.Linear(cfg.d_model, cfg.d_latent, bias=False)  # W_dkv
        self.up_k = nn.Linear(cfg.d_latent, inner, bias=False)  # W_uk
        self.up_v = nn.Linear(cfg.d_latent, inner, bias=False)  # W_uv
        self.query = nn.Linear(cfg.d_model, inner, bias=False)
        self.out = nn.Linear(inner, cfg.d_model, bias=False)

    def latent(self, x: Tensor) -> Tensor:
        latent: Tensor = self.down_kv(x)
        return latent

    def attend(self, queries: Tensor, latent: Tensor, mask: Tensor) -> Tensor:
        """``queries [O, Q, d_model]`` read ``latent [O, L, d_c]`` (``mask [O, L]``)."""
        o, q_len, _ = queries.shape
        length = latent.shape[1]
        q = self.query(queries).view(o, q_len, self.heads, self.d_head).transpose(1, 2)
        k = self.up_k(latent).view(o, length, self.heads, self.d_head).transpose(1, 2)
        v = self.up_v(latent).view(o, length, self.heads, self.d_head).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.d_head)
        scores = scores.masked_fill(~mask[:, None, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        mixed = (weights @ v).transpose(1, 2).reshape(o, q_len, self.heads * self.d_head)
        return self.out(mixed)  # type: ignore[no-any-return]


class Block(nn.Module):
    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.d_model)
        self.attention = LatentAttention(cfg)
        self.norm2 = nn.LayerNorm(cfg.d_model)
        self.ffn = nn.Sequential(nn.Linear(cfg.d_model, 2 * cfg.d_model), nn.GELU(),
                                 nn.Linear(2 * cfg.d_model, cfg.d_model))

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        h = self.norm1(x)
        latent = self.attention.latent(h)
        x = x + self.attention.attend(h, latent, mask)
        x = x + self.ffn(self.norm2(x))
        return x, latent


class Encoder(nn.Module):
    def __init__(self, cfg: EncoderConfig | None = None) -> None:
        super().__init__()
        self.cfg = cfg = cfg or EncoderConfig()
        d = cfg.d_model
        self.label = nn.Embedding(VOCAB, d)
        self.depth = nn.Embedding(MAX_DEPTH + 1, d)
        self.child = nn.Embedding(MAX_CHILD + 1, d)
        self.segment = nn.Embedding(MAX_SEGMENT + 1, d)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = nn.LayerNorm(d)
        self.obligation = nn.Linear(2 * d, d)
        self.state = nn.Linear(2 * d, d)

    def forward(self, batch: Batch) -> Encoding:
        x = self.label(batch.labels) + self.depth(batch.depth) + self.child(batch.child) + self.segment(batch.segment)
        latent = x.new_zeros((*x.shape[:2], self.cfg.d_latent))
        for block in self.blocks:
            x, latent = block(x, batch.mask)
        x = self.norm(x)
        m = batch.mask.unsqueeze(-1).to(x.dtype)
        seg = nn.functional.one_hot(batch.segment, MAX_SEGMENT + 1).to(x.dtype) * m  # [O, L, S]
        counts = seg.sum(dim=1)  # [O, S]
        expressions = (seg.transpose(1, 2) @ x) / counts.clamp(min=1.0).unsqueeze(-1)  # [O, S, d]
        present = counts > 0
        hyp_present = present[:, 1:].to(x.dtype)
        hyps = (expressions[:, 1:] * hyp_present.unsqueeze(-1)).sum(1) / hyp_present.sum(1, keepdim=True).clamp(min=1.0)
        obligations = torch.tanh(self.obligation(torch.cat([expressions[:, 0], hyps], dim=-1)))
        n_states = batch.main.shape[0]
        total = obligations.new_zeros((n_states, obligations.shape[1])).index_add(0, batch.state_of, obligations)
        per = torch.bincount(batch.state_of, minlength=n_states).clamp(min=1).to(x.dtype).unsqueeze(-1)
        states = torch.tanh(self.state(torch.cat([obligations[batch.main], total / per], dim=-1)))
        return Encoding(x, latent, batch.mask, expressions, present, obligations, states, batch.main)
