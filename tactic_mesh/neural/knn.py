"""An online k-nearest-neighbour policy in the style of Tactician: the baseline the router is
measured against, in the same search harness.

The store holds ``(features, action)`` pairs: the hashed features of a goal (``neural/features.py``)
and the name-independent key of the tactic that was run on it (``neural/actions.py``).  The
similarity of two goals is the IDF-weighted overlap of their feature sets,
``Σ_{f ∈ A ∩ B} log(1 + N / df(f))``; a candidate's weight is the summed similarity of the ``k``
nearest stored goals whose action equals the candidate's key, plus a small share for candidates no
neighbour used (so nothing is ruled out).  Scores are the log of those weights, normalised
(``neural/scored.py``).  ``learn(path)`` adds the steps of every proof the kernel admitted: the
store grows after every checked step, as Tactician's does.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics import FAMILIES, Candidate, GoalView
from tactic_mesh.handlers.policy import Step, family_candidates
from tactic_mesh.neural.actions import action_key
from tactic_mesh.neural.features import features
from tactic_mesh.neural.scored import ScoredPolicy, normalised

UNSEEN_SHARE = 0.05  # the weight of a candidate no neighbour used, relative to the mean weight


class KnnStore:
    """Feature sets with the action taken on each, and an inverted index for the neighbours."""

    def __init__(self) -> None:
        self.entries: list[tuple[frozenset[int], str]] = []
        self.df: Counter[int] = Counter()
        self.index: dict[int, list[int]] = {}
        self._seen: set[tuple[frozenset[int], str]] = set()

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, feats: Iterable[int], key: str) -> bool:
        fs = frozenset(feats)
        if (fs, key) in self._seen:
            return False
        self._seen.add((fs, key))
        n = len(self.entries)
        self.entries.append((fs, key))
        for f in fs:
            self.df[f] += 1
            self.index.setdefault(f, []).append(n)
        return True

    def neighbours(self, feats: Iterable[int], k: int) -> list[tuple[float, str]]:
        """The ``k`` most similar stored goals: ``(similarity, action)``, most similar first."""
        n = len(self.entries)
        sims: dict[int, float] = {}
        for f in set(feats):
            posting = self.index.get(f)
            if not posting:
                continue
            w = math.log(1.0 + n / self.df[f])
            for i in posting:
                sims[i] = sims.get(i, 0.0) + w
        best = sorted(sims.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        return [(s, self.entries[i][1]) for i, s in best]

    def to_json(self) -> list[list[object]]:
        return [[sorted(fs), key] for fs, key in self.entries]

    @staticmethod
    def from_json(data: object) -> KnnStore:
        store = KnnStore()
        if not isinstance(data, list):
            raise ValueError("k-NN store: expected a list of [features, action] pairs")
        for i, item in enumerate(data):
            if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[1], str)
                    or not isinstance(item[0], list) or not all(_is_int(f) for f in item[0])):
                raise ValueError(f"k-NN store: entry {i} is not a [features, action] pair")
            store.add(item[0], item[1])
        return store


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)  # JSON true/false are not features


def step_entry(state: ProofState, call: TacticCall) -> tuple[dict[int, int], str] | None:
    """The store entry of one checked step: the goal's features and the action's key."""
    view = GoalView.of(state)
    if view is None:
        return None
    return features(state, view.goal), action_key(call, view.hypotheses)


class KnnPolicy(ScoredPolicy):
    name = "knn"

    def __init__(self, store: KnnStore | None = None, k: int = 16) -> None:
        super().__init__()
        self.store = store if store is not None else KnnStore()
        self.k = k

    def observe(self, state: ProofState, call: TacticCall) -> None:
        entry = step_entry(state, call)
        if entry is not None:
            self.store.add(entry[0], entry[1])

    def learn(self, path: Sequence[Step]) -> None:
        for state, call in path:
            self.observe(state, call)

    def rank(self, view: GoalView) -> list[tuple[Candidate, float]]:
        cands = [c for family in FAMILIES for c in family_candidates(family, view)]
        if not cands:
            return []
        votes: dict[str, float] = {}
        for sim, key in self.store.neighbours(features(view.state, view.goal), self.k):
            votes[key] = votes.get(key, 0.0) + sim
        keys = [action_key(c.call, view.hypotheses) for c in cands]
        mean: float = sum(votes.values()) / max(len(votes), 1) or 1.0
        weights = [votes.get(key, 0.0) or UNSEEN_SHARE * mean for key in keys]
        ranked = sorted(zip(cands, normalised(weights), strict=True), key=lambda cs: -cs[1])
        return ranked
