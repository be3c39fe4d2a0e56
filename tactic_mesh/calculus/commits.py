"""A committed step as the assembly trail records it (DESIGN §8), and the change to the
metavariable context it is replayed from.  ``ProofState`` makes them at each commit of a traced
run; ``assembly`` replays them."""

from __future__ import annotations

from typing import TypeVar

import attrs
from immutables import Map

from tactic_mesh.kernel.mctx import MetavarContext

T = TypeVar("T")


def mctx_changes(before: MetavarContext, after: MetavarContext) -> MetavarContext:
    """What ``after`` adds to ``before``: new or renamed declarations, new assignments (plain,
    delayed, universe) and new postponed universe constraints."""

    def new(a: Map[int, T], b: Map[int, T]) -> Map[int, T]:
        return Map({k: v for k, v in b.items() if a.get(k) != v})

    return MetavarContext(
        decls=new(before.decls, after.decls),
        assignments=new(before.assignments, after.assignments),
        delayed=new(before.delayed, after.delayed),
        level_decls=new(before.level_decls, after.level_decls),
        level_assignments=new(before.level_assignments, after.level_assignments),
        postponed_levels=after.postponed_levels[len(before.postponed_levels):],
    )


@attrs.frozen
class Commit:
    """A committed step as it is replayed: the goal it closed (``parent``), the goals it opened in
    its place and those it closed, the operation that made it, the checkpoint it was made at, and
    its change to the metavariable context."""

    parent: int
    opened: tuple[int, ...]
    closed: tuple[int, ...]
    via: str
    checkpoint: int
    changes: MetavarContext

    @property
    def target(self) -> str:
        """The goal id, checkpoint-scoped: ``cp<checkpoint>:<mvar>``."""
        return f"cp{self.checkpoint}:{self.parent}"
