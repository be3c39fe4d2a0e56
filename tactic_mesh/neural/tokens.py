"""Proof states as token sequences with tree positions, the encoder's input (no torch here).

An expression's canonical form (``neural/features.py``) is read in preorder; each node becomes a
token with a **label** (its constant, ``h:k`` for hypothesis ``k``, ``b:k`` for a bound variable, a
literal class, a binder kind — hashed into ``VOCAB`` buckets), its **depth** in the tree and its
**child index** under its parent: the tree positions that replace token positions.  An obligation
is its target (segment 0) followed by its hypotheses, the last declared first (segment ``1 + k``
for hypothesis ``k``), cut at ``MAX_TOKENS``.  Depth, child index and segment are clamped to the
embedding tables' sizes.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.local_context import LocalDecl
from tactic_mesh.neural.features import CExpr, bucket, canonical_of, goal_parts

VOCAB = 4096
MAX_TOKENS = 160  # per obligation
MAX_DEPTH = 15
MAX_CHILD = 7
MAX_SEGMENT = 16  # hypotheses beyond 15 share the last segment
MAX_OBLIGATIONS = 4  # per state: the main goal and the next ones


def node_label(c: CExpr) -> str:
    kind = c[0]
    if kind == "c":
        return f"c:{c[1]}"
    if kind == "@":
        head = c[1]
        assert isinstance(head, tuple)
        return "@" + node_label(head)
    if kind in ("h", "b"):
        return f"{kind}:{min(int(str(c[1])), 15)}"
    if kind == "n":
        value = int(str(c[1]))
        return f"n:{value}" if value < 4 else "n:lit"
    if kind == "s":
        return f"s:{c[1]}"
    return str(kind)


def _children(c: CExpr) -> tuple[CExpr, ...]:
    if c[0] == "@":
        args = c[2]
        assert isinstance(args, tuple)
        return args
    if c[0] in ("∀", "λ", "let"):
        return tuple(x for x in c[1:] if isinstance(x, tuple))
    return ()


@attrs.frozen
class Tokens:
    """One obligation as parallel token columns."""

    labels: tuple[int, ...]
    depth: tuple[int, ...]
    child: tuple[int, ...]
    segment: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.labels)


def expression_tokens(c: CExpr, segment: int, limit: int) -> list[tuple[int, int, int, int]]:
    out: list[tuple[int, int, int, int]] = []
    stack: list[tuple[CExpr, int, int]] = [(c, 0, 0)]
    while stack and len(out) < limit:
        node, depth, child = stack.pop()
        out.append((bucket(node_label(node), VOCAB), min(depth, MAX_DEPTH), min(child, MAX_CHILD), segment))
        kids = _children(node)
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], depth + 1, i))
    return out


def obligation_tokens(hyps: Sequence[LocalDecl], target: Expr, limit: int = MAX_TOKENS) -> Tokens:
    canon = canonical_of(hyps, target)
    rows = expression_tokens(canon.target, 0, limit)
    for k in range(len(canon.hypotheses) - 1, -1, -1):
        if len(rows) >= limit:
            break
        rows += expression_tokens(canon.hypotheses[k], min(1 + k, MAX_SEGMENT), limit - len(rows))
    labels, depth, child, segment = zip(*rows, strict=True)
    return Tokens(labels, depth, child, segment)


def state_tokens(state: ProofState) -> list[Tokens]:
    """The obligations of ``state`` (main goal first), at most ``MAX_OBLIGATIONS``."""
    goals = list(state.focus_goals() or state.active_obligations)[:MAX_OBLIGATIONS]
    return [obligation_tokens(*goal_parts(state, g)) for g in goals]


def statement_tokens(statement: Expr) -> Tokens:
    """A lemma's statement as an obligation without hypotheses."""
    return obligation_tokens((), statement)
