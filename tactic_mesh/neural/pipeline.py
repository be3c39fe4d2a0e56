"""From a library to a trained model: collect the checked steps, train the router, the experts, the
progress critic and the sketch head, fill the k-NN store with the same steps (``tactic-mesh train``,
``make model``, ``bench/router.py``, ``bench/learning.py``).

The steps are the tactics of the library's own proofs (``traces.library_theorems``) and, with
``search_nodes > 0``, one observed heuristic search of each theorem (``iteration.harvest_search``):
the steps of its proof once the kernel admitted it, and of every sub-goal it closed that the kernel
re-checked (hindsight), weighted by proof-DAG credit, with the critic's and the sketch head's
labels, and the candidates it tried (the critic's acceptance labels).  ``refine`` continues with
rounds of expert iteration (``neural/iteration.py``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

import attrs

from tactic_mesh.neural.iteration import IterationConfig, Round, base_samples, harvest_search, iterate
from tactic_mesh.neural.knn import KnnPolicy, KnnStore
from tactic_mesh.neural.model import ModelConfig, MoTModel
from tactic_mesh.neural.traces import LibraryTheorem
from tactic_mesh.neural.train import Sample, TrainReport, train


@attrs.frozen
class Trained:
    model: MoTModel = attrs.field(repr=False)
    knn: KnnStore = attrs.field(repr=False)
    report: TrainReport
    theorems: int
    library_steps: int
    search_steps: int
    collect_seconds: float
    subproofs: int = 0  # hindsight sub-goals the kernel re-checked
    rounds: tuple[Round, ...] = ()  # expert iteration after the first model

    def summary(self) -> dict[str, object]:
        out: dict[str, object] = {**attrs.asdict(self.report), "theorems": self.theorems,
                                  "library_steps": self.library_steps, "search_steps": self.search_steps,
                                  "subproofs": self.subproofs, "collect_seconds": self.collect_seconds}
        if self.rounds:
            out["iterations"] = [{"iteration": r.iteration, "proved": r.proved, "theorems": r.theorems,
                                  "subproofs": r.subproofs, "samples": r.samples,
                                  "search_seconds": r.search_seconds, "train_seconds": r.train_seconds}
                                 for r in self.rounds[1:]]
        return out


def collect(theorems: Sequence[LibraryTheorem], search_nodes: int = 0, search_seconds: float = 1.0,
            progress: Callable[[int, int], None] | None = None,
            seed: int = 0) -> tuple[list[Sample], list[Sample], KnnPolicy, int, int]:
    """The library proofs' samples, the heuristic search harvests' samples, the k-NN policy of all
    checked steps, the number of checked search steps and of hindsight sub-goals."""
    own = base_samples(theorems, seed)
    knn = KnnPolicy()
    knn.learn([s for th in theorems for s in th.steps])
    searched: list[Sample] = []
    steps = subproofs = 0
    if search_nodes > 0:
        cfg = IterationConfig(max_nodes=search_nodes, seconds=search_seconds, seed=seed)
        rng = random.Random(seed)
        for i, th in enumerate(theorems):
            h = harvest_search(th, None, cfg, rng)
            knn.learn(h.steps)
            searched += h.samples
            steps += len(h.steps)
            subproofs += h.subproofs
            if progress is not None:
                progress(i + 1, len(theorems))
    return own, searched, knn, steps, subproofs


def build(theorems: Sequence[LibraryTheorem], cfg: ModelConfig | None = None, epochs: int = 8, seed: int = 0,
          search_nodes: int = 0, search_seconds: float = 1.0,
          on_search: Callable[[int, int], None] | None = None,
          on_epoch: Callable[[int, int, float], None] | None = None) -> Trained:
    start = time.perf_counter()
    own, searched, knn, steps, subproofs = collect(theorems, search_nodes, search_seconds, on_search, seed)
    collect_seconds = round(time.perf_counter() - start, 2)
    model, report = train([*own, *searched], cfg, epochs=epochs, seed=seed, progress=on_epoch)
    return Trained(model, knn.store, report, len(theorems), len(own), steps, collect_seconds, subproofs)


def refine(trained: Trained, theorems: Sequence[LibraryTheorem], cfg: IterationConfig,
           progress: Callable[[int, int, int], None] | None = None) -> Trained:
    """``trained`` after ``cfg.iterations`` rounds of expert iteration on ``theorems``."""
    if cfg.iterations <= 0:
        return trained
    knn = KnnPolicy(KnnStore.from_json(trained.knn.to_json()))
    result = iterate(theorems, trained.model, knn, base_samples(theorems, cfg.seed), cfg, trained.model.cfg,
                     progress=progress)
    last = result.rounds[-1]
    assert last.report is not None
    return attrs.evolve(trained, model=result.model, knn=knn.store, report=last.report,
                        subproofs=trained.subproofs + sum(r.subproofs for r in result.rounds),
                        rounds=result.rounds)
