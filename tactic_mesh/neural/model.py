"""The Mixture-of-Tactics model: the encoder, the router over the experts, and one scoring head
per expert (torch).

A candidate tactic is embedded from its action key's tokens (``neural/actions.py``), plus the
embedding of the hypothesis it mentions (the encoder's vector of that hypothesis) and of the
library lemma it mentions (the encoder's vector of the lemma's statement).  Expert ``e`` scores a
candidate ``a`` on a state ``z`` as ``head_e([z, a, attend(a)]) + ⟨P_e z, a⟩``: an MLP over the
state, the action and what the action reads from the state's cached latents (``attend``: the
latent attention of ``neural/encoder.py``), plus an embedding similarity — which is what premise
selection ranks library lemmas by.  The progress critic (``neural/critic.py``) and the sketch head
(``neural/sketch.py``) read the same state vector.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import torch
from torch import Tensor, nn

from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics import FAMILIES
from tactic_mesh.calculus.tactics.registry import spec_of
from tactic_mesh.neural.actions import action_tokens, referenced_hypothesis
from tactic_mesh.neural.critic import Critic
from tactic_mesh.neural.encoder import Batch, Block, Encoder, EncoderConfig, Encoding
from tactic_mesh.neural.features import RoutingFeatures, bucket
from tactic_mesh.neural.router import Router, Routing
from tactic_mesh.neural.sketch import SketchHead
from tactic_mesh.neural.tokens import MAX_SEGMENT, VOCAB, Tokens

# tactics without a proposer that an expert family stands for
EXTRA_FAMILIES = {"exact": "apply", "refine": "apply"}


def family_of(call: TacticCall) -> str | None:
    spec = spec_of(call.name)
    if spec is not None and spec.family is not None:
        return spec.family
    return EXTRA_FAMILIES.get(call.name)


@attrs.frozen
class ModelConfig:
    encoder: EncoderConfig = attrs.field(factory=EncoderConfig)
    top_k: int = 3
    gamma: float = 1e-3  # the bias update's step
    alpha: float = 0.0  # the sequence-wise balance loss's weight (0: off)
    premises_kept: int = 6  # per premise-selecting expert and state

    def as_dict(self) -> dict[str, object]:
        return {"encoder": self.encoder.as_dict(), "top_k": self.top_k, "gamma": self.gamma, "alpha": self.alpha,
                "premises_kept": self.premises_kept}

    @staticmethod
    def from_dict(d: Mapping[str, object]) -> ModelConfig:
        enc = d["encoder"]
        if not isinstance(enc, dict):
            raise ValueError("config.encoder: expected an object")
        return ModelConfig(EncoderConfig(**{k: int(v) for k, v in enc.items()}), int(str(d["top_k"])),
                           float(str(d["gamma"])), float(str(d["alpha"])), int(str(d["premises_kept"])))


@attrs.frozen
class Action:
    """A candidate as the model sees it: its key's token buckets, the hypothesis and the library
    lemma it mentions."""

    tokens: tuple[int, ...]
    hypothesis: int | None
    lemma: str | None

    @staticmethod
    def of(key: str, lemma: str | None) -> Action:
        return Action(tuple(bucket(t, VOCAB) for t in action_tokens(key)), referenced_hypothesis(key), lemma)


class MoTModel(nn.Module):
    def __init__(self, cfg: ModelConfig | None = None) -> None:
        super().__init__()
        self.cfg = cfg = cfg or ModelConfig()
        d = cfg.encoder.d_model
        self.encoder = Encoder(cfg.encoder)
        self.router = Router(d + RoutingFeatures.WIDTH, len(FAMILIES), cfg.top_k, cfg.gamma, cfg.alpha)
        self.action = nn.EmbeddingBag(VOCAB, d, mode="mean")
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Linear(3 * d, d), nn.GELU(), nn.Linear(d, 1)) for _ in FAMILIES)
        self.similarity = nn.ModuleList(nn.Linear(d, d, bias=False) for _ in FAMILIES)
        self.critic = Critic(d)  # the progress critic (neural/critic.py)
        self.sketch = SketchHead(d)  # the multi-step sketch head (neural/sketch.py)

    def encode(self, states: Sequence[Sequence[Tokens]]) -> Encoding:
        return self.encoder(Batch.of(states))  # type: ignore[no-any-return]

    def route(self, enc: Encoding, routing_features: Tensor) -> Routing:
        return self.router(torch.cat([enc.states, routing_features], dim=-1))  # type: ignore[no-any-return]

    def lemma_vectors(self, statements: Mapping[str, Tokens]) -> dict[str, Tensor]:
        """The encoder's vector of each lemma statement."""
        if not statements:
            return {}
        names = list(statements)
        enc = self.encode([[statements[n]] for n in names])
        return {n: enc.obligations[i] for i, n in enumerate(names)}

    def action_vectors(self, enc: Encoding, b: int, actions: Sequence[Action], lemmas: Mapping[str, Tensor]) -> Tensor:
        d = self.cfg.encoder.d_model
        flat = [t for a in actions for t in (a.tokens or (0,))]
        offsets, n = [], 0
        for a in actions:
            offsets.append(n)
            n += len(a.tokens or (0,))
        vec: Tensor = self.action(torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long))
        main = int(enc.main[b])
        extra = []
        for a in actions:
            v = vec.new_zeros(d)
            if a.hypothesis is not None:
                seg = min(1 + a.hypothesis, MAX_SEGMENT)
                if bool(enc.present[main, seg]):
                    v = v + enc.expressions[main, seg]
            if a.lemma is not None and a.lemma in lemmas:
                v = v + lemmas[a.lemma]
            extra.append(v)
        return vec + torch.stack(extra)

    def expert_scores(self, enc: Encoding, b: int, expert: int, actions: Tensor) -> Tensor:
        """The scores ``[n]`` expert ``expert`` gives the ``actions [n, d]`` on state ``b``."""
        main = int(enc.main[b])
        block = self.encoder.blocks[-1]
        assert isinstance(block, Block)
        read = block.attention.attend(actions[None], enc.latent[main][None], enc.mask[main][None])[0]
        z = enc.states[b].expand(actions.shape[0], -1)
        head = self.heads[expert](torch.cat([z, actions, read], dim=-1)).squeeze(-1)
        sim = (self.similarity[expert](enc.states[b]) * actions).sum(-1)
        return head + sim  # type: ignore[no-any-return]
