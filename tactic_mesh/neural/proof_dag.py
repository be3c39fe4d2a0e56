"""Proof-DAG credit assignment: which steps of a search deserve to be learned from, and how much.

A search is an **AND/OR hypergraph**: an OR-node is a goal (keyed by its canonical goal hash, so
the same goal reached on two branches is one node — a DAG, not a tree); a step is a
**hyperedge** from the goal it acted on to the obligations it left (its children, all of which
must be closed: AND).  A step with no children closed its goal outright.

**Closure** is the least fixpoint of: a goal is closed when one of its hyperedges has every child
closed.  Computed bottom-up, so a cycle (a goal that reappears below itself) never closes itself.
Each closed goal keeps its *smallest* closing sub-proof (size = number of steps in the tree).

**Coupled children** (obligations that share a metavariable, e.g. ``?w`` and ``P ?w`` after
``apply Exists.intro``) cannot be closed one by one in different branches: each branch may choose
another value for the shared metavariable.  A coupled hyperedge therefore counts only with joint
evidence — ``close_jointly(edge, steps)``, called when one search path closed all of its
children — and then closes its goal (its children are not closed on their own by it: another
step that needs one of them still needs its own proof).

**Credit** (``credit()``), per hyperedge; zero for a step that is on no closed sub-proof:

* step-level reward: ``1`` if the step closed its goal by itself, plus ``½`` per further goal it
  discharged as a side effect (``discharged``: a unification that solved another goal);
* sub-proof reward: ``γ^(size − 1)`` for the smallest closed sub-proof through the step (``γ`` =
  0.9: a step that closes its goal in fewer steps earns more);
* episode-level reward: if the root goal is closed, every step of its smallest proof gets
  ``1 + 1/L`` more (``L`` its length: the theorem proved, shorter proofs preferred).

A step whose smallest sub-proof returns to its own goal (``a → b``, ``b → a``, ``b`` closed: the
step ``b → a`` is on a closed but roundabout proof of ``b``) earns nothing: it made no progress.

Only closed sub-proofs earn credit, so every credited step lies on a proof the kernel can check
(``neural/hindsight.py`` re-checks each one before it becomes training data).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

GAMMA = 0.9
SIDE_EFFECT = 0.5


@attrs.frozen
class Hyperedge:
    goal: str  # the OR-node (goal key) the step acted on
    tactic: str
    children: tuple[str, ...] = ()  # the obligations it left, all to be closed
    coupled: bool = False  # the children share metavariables: they close jointly or not at all
    discharged: int = 0  # further goals the step solved as a side effect


@attrs.frozen
class Closure:
    size: dict[str, int]  # closed goal → size of its smallest closing sub-proof
    best: dict[str, int]  # closed goal → the hyperedge of that sub-proof
    through: dict[int, int]  # closing hyperedge → size of the smallest sub-proof through it

    def closed(self, goal: str) -> bool:
        return goal in self.size

    def goals_of(self, goal: str, edges: Sequence[Hyperedge]) -> set[str]:
        """The goals of ``goal``'s smallest closing sub-proof (``goal`` included)."""
        return {edges[e].goal for e in self.proof(goal, edges)}

    def proof(self, goal: str, edges: Sequence[Hyperedge]) -> list[int]:
        """The hyperedges of ``goal``'s smallest closing sub-proof, root first (each node once)."""
        out: list[int] = []
        todo = [goal]
        done: set[str] = set()
        while todo:
            g = todo.pop()
            if g in done or g not in self.best:
                continue
            done.add(g)
            e = self.best[g]
            out.append(e)
            todo.extend(reversed(edges[e].children))
        return out


class ProofDag:
    def __init__(self, root: str | None = None) -> None:
        self.root = root
        self.edges: list[Hyperedge] = []
        self._index: dict[Hyperedge, int] = {}
        self._joint: dict[int, int] = {}  # coupled hyperedge → steps one path took to close its children

    def add(self, goal: str, tactic: str, children: Sequence[str] = (), coupled: bool = False,
            discharged: int = 0) -> int:
        """The hyperedge's index (an identical step added twice is one hyperedge)."""
        edge = Hyperedge(goal, tactic, tuple(children), coupled and len(children) > 1, discharged)
        index = self._index.get(edge)
        if index is None:
            index = self._index[edge] = len(self.edges)
            self.edges.append(edge)
        return index

    def close_jointly(self, edge: int, steps: int) -> None:
        """Evidence that one search path closed all of a coupled hyperedge's children in ``steps``
        steps."""
        if steps < 1:
            raise ValueError("close_jointly: closing obligations takes at least one step")
        self._joint[edge] = min(steps, self._joint.get(edge, steps))

    def solve(self) -> Closure:
        size: dict[str, int] = {}
        best: dict[str, int] = {}
        through: dict[int, int] = {}
        changed = True
        while changed:  # sizes only decrease and are positive integers: this terminates
            changed = False
            for i, e in enumerate(self.edges):
                if e.coupled:
                    if i not in self._joint:
                        continue
                    total = 1 + self._joint[i]
                elif all(c in size for c in e.children):
                    total = 1 + sum(size[c] for c in e.children)
                else:
                    continue
                if through.get(i, total + 1) > total:
                    through[i] = total
                    changed = True
                if size.get(e.goal, total + 1) > total:
                    size[e.goal], best[e.goal] = total, i
                    changed = True
        return Closure(size, best, through)

    def credit(self, closure: Closure | None = None) -> list[float]:
        """Each hyperedge's credit (the rule in the module's docstring)."""
        closure = self.solve() if closure is None else closure
        out = [0.0] * len(self.edges)
        for i, e in enumerate(self.edges):
            if i not in closure.through or any(e.goal in closure.goals_of(c, self.edges) for c in e.children):
                continue
            out[i] = float(not e.children) + SIDE_EFFECT * e.discharged + GAMMA ** (closure.through[i] - 1)
        if self.root is not None and closure.closed(self.root):
            proof = closure.proof(self.root, self.edges)
            for i in proof:
                out[i] += 1.0 + 1.0 / len(proof)
        return out

    def credited(self) -> list[tuple[Hyperedge, float]]:
        return [(e, c) for e, c in zip(self.edges, self.credit(), strict=True) if c > 0]
