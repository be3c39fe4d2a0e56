"""The sparse router over tactic experts (DeepSeek-V3 style), in torch.

* **affinities**: ``s_e = σ(u · e_e)`` for each expert ``e``, where ``u`` is the state vector
  joined with the routing features and ``e_e`` the expert's learned centroid;
* **selection**: the top ``k`` experts by ``s_e + b_e`` — the bias ``b`` only decides *which*
  experts are selected;
* **gates**: the un-biased ``s_e`` of the selected experts, normalised to sum 1;
* **auxiliary-loss-free balancing**: after each routing batch, ``b_e += γ · sign(mean_load −
  load_e)`` (``update_bias``; ``b`` is a buffer and gets no gradient): an over-loaded expert is
  selected a little less next time, an idle one a little more;
* an optional **sequence-wise balance loss** ``α · E · Σ_e f_e · P_e`` (``balance_loss``; f: the
  fraction of selections that went to ``e``, P: its mean normalised affinity), α ≈ 1e-4;
* **node-limited routing** (``groups``, ``max_groups``): experts hosted by peers form groups; only
  the ``M`` groups with the highest sums of their best affinities are eligible, as DeepSeek limits
  the nodes a token is sent to (the mesh's hook);
* **load statistics** (``LoadStats``): selections per expert and their coefficient of variation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import torch
from torch import Tensor, nn


@attrs.frozen
class Routing:
    selected: Tensor  # [B, k] expert indices, best first
    gates: Tensor  # [B, k], rows sum to 1
    affinities: Tensor  # [B, E], σ(u · e_e)


class LoadStats:
    def __init__(self, experts: int) -> None:
        self.counts = [0] * experts

    def add(self, selected: Tensor) -> None:
        for e in selected.flatten().tolist():
            self.counts[int(e)] += 1

    @property
    def total(self) -> int:
        return sum(self.counts)

    def shares(self) -> list[float]:
        t = self.total or 1
        return [c / t for c in self.counts]

    def cv(self) -> float:
        """Coefficient of variation of the load (standard deviation / mean; 0 is perfectly even)."""
        n = len(self.counts)
        mean = self.total / n
        if mean == 0:
            return 0.0
        return math.sqrt(sum((c - mean) ** 2 for c in self.counts) / n) / mean


class Router(nn.Module):
    bias: Tensor  # a buffer: updated by ``update_bias``, never by a gradient

    def __init__(self, d_in: int, experts: int, top_k: int = 3, gamma: float = 1e-3, alpha: float = 0.0,
                 groups: Sequence[int] | None = None, max_groups: int | None = None) -> None:
        super().__init__()
        if not 0 < top_k <= experts:
            raise ValueError(f"router: top_k must be in 1..{experts}, not {top_k}")
        self.experts, self.top_k, self.gamma, self.alpha = experts, top_k, gamma, alpha
        self.project = nn.Linear(d_in, d_in)
        self.centroids = nn.Parameter(torch.randn(experts, d_in) * (1.0 / math.sqrt(d_in)))
        self.register_buffer("bias", torch.zeros(experts))
        self.groups = list(groups) if groups is not None else None
        self.max_groups = max_groups
        self.load = LoadStats(experts)

    def affinities(self, u: Tensor) -> Tensor:
        return torch.sigmoid(torch.tanh(self.project(u)) @ self.centroids.t())

    def eligible(self, s: Tensor) -> Tensor:
        """The node-limited mask ``[B, E]``: experts of the ``max_groups`` best groups (all when
        routing is not node-limited)."""
        if self.groups is None or self.max_groups is None:
            return torch.ones_like(s, dtype=torch.bool)
        group_ids = torch.tensor(self.groups, dtype=torch.long)
        n_groups = int(group_ids.max().item()) + 1
        per = max(1, self.top_k // max(self.max_groups, 1))
        score = torch.full((s.shape[0], n_groups), float("-inf"))
        for g in range(n_groups):
            members = (group_ids == g).nonzero().flatten()
            if len(members):
                score[:, g] = s[:, members].topk(min(per, len(members)), dim=-1).values.sum(-1)
        keep = score.topk(min(self.max_groups, n_groups), dim=-1).indices  # [B, M]
        return (group_ids[None, :, None] == keep[:, None, :]).any(-1)

    def forward(self, u: Tensor) -> Routing:
        s = self.affinities(u)
        biased = (s + self.bias).masked_fill(~self.eligible(s), float("-inf"))
        k = min(self.top_k, int(torch.isfinite(biased).sum(-1).min().item()))
        selected = biased.topk(k, dim=-1).indices
        chosen = s.gather(-1, selected)
        gates = chosen / chosen.sum(-1, keepdim=True).clamp(min=1e-9)
        return Routing(selected, gates, s)

    @torch.no_grad()
    def update_bias(self, selected: Tensor) -> None:
        """``b_e += γ · sign(mean_load − load_e)`` over one routing batch; records the load."""
        load = torch.bincount(selected.flatten(), minlength=self.experts).to(self.bias.dtype)
        self.bias += self.gamma * torch.sign(load.mean() - load)
        self.load.add(selected)

    def balance_loss(self, routing: Routing) -> Tensor:
        """The sequence-wise balance loss over a batch (0 when ``alpha`` is 0)."""
        if self.alpha == 0.0:
            return routing.affinities.new_zeros(())
        b, k = routing.selected.shape
        f = torch.bincount(routing.selected.flatten(), minlength=self.experts).to(routing.affinities.dtype)
        f = f * self.experts / (k * b)
        p = (routing.affinities / routing.affinities.sum(-1, keepdim=True)).mean(0)
        return self.alpha * (f * p).sum()
