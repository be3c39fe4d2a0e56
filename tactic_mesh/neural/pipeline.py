"""From a library to a trained model: collect the checked steps, train the router and the experts,
fill the k-NN store with the same steps (``tactic-mesh train``, ``make model``, ``bench/router.py``).

The steps are the tactics of the library's own proofs (``traces.library_theorems``) and, with
``search_nodes > 0``, the steps of the heuristic search's proofs of the same theorems that the
kernel admitted (``traces.search_steps``) — a second, differently shaped proof of many of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import attrs

from tactic_mesh.handlers.policy import Step
from tactic_mesh.neural.knn import KnnPolicy, KnnStore
from tactic_mesh.neural.model import ModelConfig, MoTModel
from tactic_mesh.neural.traces import LibraryTheorem, search_steps
from tactic_mesh.neural.train import TrainReport, make_samples, train


@attrs.frozen
class Trained:
    model: MoTModel = attrs.field(repr=False)
    knn: KnnStore = attrs.field(repr=False)
    report: TrainReport
    theorems: int
    library_steps: int
    search_steps: int
    collect_seconds: float

    def summary(self) -> dict[str, object]:
        return {**attrs.asdict(self.report), "theorems": self.theorems, "library_steps": self.library_steps,
                "search_steps": self.search_steps, "collect_seconds": self.collect_seconds}


def collect(theorems: Sequence[LibraryTheorem], search_nodes: int = 0, search_seconds: float = 1.0,
            progress: Callable[[int, int], None] | None = None) -> tuple[list[Step], list[Step]]:
    """The library proofs' steps and the checked search steps of ``theorems``."""
    own = [s for th in theorems for s in th.steps]
    searched = search_steps(theorems, search_nodes, search_seconds, progress) if search_nodes > 0 else []
    return own, searched


def build(theorems: Sequence[LibraryTheorem], cfg: ModelConfig | None = None, epochs: int = 8, seed: int = 0,
          search_nodes: int = 0, search_seconds: float = 1.0,
          on_search: Callable[[int, int], None] | None = None,
          on_epoch: Callable[[int, int, float], None] | None = None) -> Trained:
    start = time.perf_counter()
    own, searched = collect(theorems, search_nodes, search_seconds, on_search)
    steps = own + searched
    collect_seconds = round(time.perf_counter() - start, 2)
    model, report = train(make_samples(steps, seed), cfg, epochs=epochs, seed=seed, progress=on_epoch)
    knn = KnnPolicy()
    knn.learn(steps)
    return Trained(model, knn.store, report, len(theorems), len(own), len(searched), collect_seconds)
