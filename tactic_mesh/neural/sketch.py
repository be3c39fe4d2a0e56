"""Multi-step sketching (torch): a multi-token head that proposes the next few tactics at once,
after DeepSeek-V3's multi-token prediction, read as a proof sketch.

Depth ``k`` predicts the family of the tactic ``k`` steps ahead on the goal's proof (or ``END``:
the goal is closed by then) from the state vector and the family predicted (in training: taken)
at depth ``k − 1``, so the depths are chained as in MTP: ``h_k = MLP_k([z, E(f_{k−1})])``.  Depth
1 is the router's question; depths 2 and 3 are what the sketch adds.

A sketch is only a proposal: ``run_sketch`` plays it **step by step** — at each depth the best
candidate of the sketched family is run in the machine on the state the previous step left — and
reports how many of its steps survived (applied), and whether it closed the goal.  Nothing it says
is taken on trust; a proof found with it is re-checked by the kernel like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
import torch
from torch import Tensor, nn

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import FAMILIES
from tactic_mesh.kernel.expr import MVar

DEPTH = 3
END = len(FAMILIES)  # "the goal is closed": no further tactic


class SketchHead(nn.Module):
    def __init__(self, d: int, depth: int = DEPTH) -> None:
        super().__init__()
        self.depth = depth
        self.embed = nn.Embedding(END + 2, d)  # the families, END, and "start"
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Linear(2 * d, d), nn.GELU(), nn.Linear(d, END + 1)) for _ in range(depth))

    def logits(self, z: Tensor, previous: Tensor, k: int) -> Tensor:
        """Depth ``k``'s logits ``[b, END + 1]`` for states ``z [b, d]`` after families ``previous [b]``."""
        return self.heads[k](torch.cat([z, self.embed(previous)], dim=-1))  # type: ignore[no-any-return]

    def start(self, n: int) -> Tensor:
        return torch.full((n,), END + 1, dtype=torch.long)

    @torch.no_grad()
    def propose(self, z: Tensor) -> list[int]:
        """The greedy sketch for one state ``z [d]``: families, stopping at ``END``."""
        out: list[int] = []
        prev = self.start(1)
        for k in range(self.depth):
            f = int(self.logits(z[None], prev, k)[0].argmax())
            if f == END:
                break
            out.append(f)
            prev = torch.tensor([f])
        return out


def goal_closed(state: ProofState, goal: int) -> bool:
    """Whether ``goal``'s metavariable is fully instantiated in ``state`` (a tactic that only replaced
    it by new goals has not closed it)."""
    return not state.metavar_graph.instantiate(MVar(goal)).has_mvar


@attrs.frozen
class SketchRun:
    sketch: tuple[str, ...]  # the families proposed
    survived: int  # how many of its steps applied, in order
    closed: bool  # whether the goal was closed by them

    @property
    def whole(self) -> bool:
        """Every step applied — or the goal was closed before the sketch ran out."""
        return self.closed or self.survived == len(self.sketch)


def run_sketch(sketch: Sequence[int], state: ProofState, step: Callable[[ProofState, str], ProofState | None],
               closed: Callable[[ProofState], bool]) -> SketchRun:
    """Play ``sketch`` from ``state``: ``step(state, family)`` runs the best candidate of that family
    and returns the state it leaves (``None``: nothing of the family applied); ``closed(state)``:
    the sketched goal is closed (``goal_closed``)."""
    names = tuple(FAMILIES[f] for f in sketch)
    survived = 0
    for family in names:
        nxt = step(state, family)
        if nxt is None:
            break
        state = nxt
        survived += 1
        if closed(state):
            return SketchRun(names, survived, True)
    return SketchRun(names, survived, False)
