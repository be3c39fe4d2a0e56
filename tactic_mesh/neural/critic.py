"""The progress critic ("soft kernel", torch): a differentiable guess at what the kernel will say.

Two heads on the encoder's state vector ``z`` (``neural/encoder.py``):

* **acceptance** ``p(a | z) = σ(MLP([z, a]))``: the probability that the machine accepts candidate
  ``a`` on the state (it applies and leaves a well-formed state).  Labels: every candidate a
  search tried, with whether it applied (``neural/search_graph.py``);
* **remaining** ``r(z) = exp(MLP(z))``: the number of steps left to close the main goal (regressed
  on ``log``).  Labels: the kernel-checked proofs and sub-proofs (``neural/hindsight.py``), where
  each step knows how many steps closed its goal.

The search uses it in the node priority ``Σ log p − β · r`` (``router_policy.RouterPolicy`` with
``beta > 0``; ``log p`` of a step adds the critic's ``log p(accept)``), and expert iteration uses
``r`` as a potential-based shaped reward (``neural/iteration.py``).  It only guides the search: a
step still has to run in the machine, and a proof still has to pass the kernel.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import torch
from torch import Tensor, nn


class Critic(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.accept = nn.Sequential(nn.Linear(2 * d, d), nn.GELU(), nn.Linear(d, 1))
        self.remaining = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 1))

    def accept_logits(self, z: Tensor, actions: Tensor) -> Tensor:
        """``[n]`` logits of acceptance of ``actions [n, d]`` on the state ``z [d]``."""
        return self.accept(torch.cat([z.expand(actions.shape[0], -1), actions], dim=-1)).squeeze(-1)  # type: ignore[no-any-return]

    def log_remaining(self, z: Tensor) -> Tensor:
        """``[b]`` predicted ``log`` of the steps left, for the states ``z [b, d]``."""
        return self.remaining(z).squeeze(-1)  # type: ignore[no-any-return]


@attrs.frozen
class Calibration:
    """How far the acceptance probabilities are from the observed frequencies."""

    samples: int
    ece: float  # expected calibration error over ``bins`` equal-width bins
    brier: float
    accuracy: float  # at threshold ½
    base_rate: float  # the fraction accepted
    bins: tuple[tuple[float, float, int], ...]  # (mean predicted, observed, count) per non-empty bin
    remaining_mae: float | None = None  # steps, on the states with a remaining label
    remaining_samples: int = 0


def calibration(probs: Sequence[float], labels: Sequence[bool], bins: int = 10,
                remaining: Sequence[tuple[float, int]] = ()) -> Calibration:
    """``probs`` against ``labels``; ``remaining``: (predicted, actual) steps left."""
    n = len(probs)
    if n != len(labels):
        raise ValueError("calibration: as many probabilities as labels expected")
    table: list[list[float]] = [[0.0, 0.0, 0.0] for _ in range(bins)]
    for p, y in zip(probs, labels, strict=True):
        row = table[min(int(p * bins), bins - 1)]
        row[0] += p
        row[1] += float(y)
        row[2] += 1
    ece = sum(abs(r[0] - r[1]) for r in table) / max(n, 1)
    brier = sum((p - float(y)) ** 2 for p, y in zip(probs, labels, strict=True)) / max(n, 1)
    acc = sum((p >= 0.5) == y for p, y in zip(probs, labels, strict=True)) / max(n, 1)
    rows = tuple((round(r[0] / r[2], 3), round(r[1] / r[2], 3), int(r[2])) for r in table if r[2])
    mae = sum(abs(p - a) for p, a in remaining) / len(remaining) if remaining else None
    return Calibration(n, round(ece, 4), round(brier, 4), round(acc, 4), round(sum(labels) / max(n, 1), 4), rows,
                       None if mae is None else round(mae, 3), len(remaining))
