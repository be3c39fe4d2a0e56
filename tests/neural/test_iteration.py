"""Expert iteration on tiny budgets: what a harvest keeps, and a round that retrains
(``neural/iteration.py``, ``neural/pipeline.py``)."""

from __future__ import annotations

import random

import attrs
import pytest
import torch

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import FAMILIES
from tactic_mesh.handlers.search import Searcher
from tactic_mesh.neural.iteration import IterationConfig, base_samples, harvest_search, iterate
from tactic_mesh.neural.knn import KnnPolicy
from tactic_mesh.neural.model import ModelConfig, MoTModel, family_of
from tactic_mesh.neural.pipeline import Trained, refine
from tactic_mesh.neural.router_policy import RouterPolicy
from tactic_mesh.neural.search_graph import SearchGraph
from tactic_mesh.neural.sketch import END
from tactic_mesh.neural.traces import LibraryTheorem
from tactic_mesh.neural.train import Sample, TrainReport, train

TINY_SEARCH = IterationConfig(iterations=1, max_nodes=20, seconds=2.0, epochs=1)


def _named(theorems: list[LibraryTheorem], name: str) -> LibraryTheorem:
    return next(th for th in theorems if th.name == name)


def test_a_harvest_keeps_the_checked_proof_with_its_labels(theorems: list[LibraryTheorem]) -> None:
    th = _named(theorems, "Or.symm")
    h = harvest_search(th, None, TINY_SEARCH, random.Random(0))
    assert h.proved and h.steps and h.attempts > len(h.steps)
    labelled = [s for s in h.samples if s.remaining is not None]
    assert len(labelled) == len(h.steps)
    assert all(s.weight > 0 and s.remaining >= 1 for s in labelled if s.remaining is not None)
    assert max(s.remaining or 0 for s in labelled) >= 2
    for sample, (_, call) in zip(labelled, h.steps, strict=True):  # sketch depth 1 is the step's own family
        family = family_of(call)
        assert family is not None and sample.sketch[0] == FAMILIES.index(family)
        assert sample.sketch[-1] == END or len(sample.sketch) == 3
    attempts = [s for s in h.samples if s.attempts]
    assert attempts and any(ok for s in attempts for _, ok in s.attempts)
    assert any(not ok for s in attempts for _, ok in s.attempts)


def test_without_hindsight_or_critic_a_failed_search_teaches_nothing(theorems: list[LibraryTheorem]) -> None:
    th = _named(theorems, "Or.symm")
    bare = IterationConfig(max_nodes=2, seconds=2.0, hindsight=False, critic=False)
    h = harvest_search(th, None, bare, random.Random(0))
    assert not h.proved and h.samples == () and h.steps == () and h.subproofs == 0
    # 11 nodes: not enough for the proof, enough to close a sub-goal of it
    partial = IterationConfig(max_nodes=11, seconds=5.0, critic=False)
    with_hindsight = harvest_search(th, None, partial, random.Random(0))
    assert not with_hindsight.proved
    assert with_hindsight.subproofs >= 1 and with_hindsight.samples  # partial progress teaches
    without = harvest_search(th, None, attrs.evolve(partial, hindsight=False), random.Random(0))
    assert not without.proved and without.samples == ()


def test_a_round_retrains_and_fills_the_knn_store(theorems: list[LibraryTheorem], tiny_config: ModelConfig) -> None:
    chosen = [th for th in theorems if th.steps][:8]
    base = base_samples(chosen)
    model, _ = train(base, tiny_config, epochs=1)
    knn = KnnPolicy()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = iterate(chosen, model, knn, base, TINY_SEARCH, tiny_config,
                     evaluate=lambda m, k, it: {"round": it, "knn": len(k.store)})
    assert [r.iteration for r in result.rounds] == [0, 1]
    first, last = result.rounds
    assert first.evaluation == {"round": 0, "knn": 0}
    assert last.proved >= 1 and last.samples > len(base) and last.report is not None
    assert len(knn.store) > 0 and last.evaluation["knn"] == len(knn.store)
    after = result.model.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)  # warm-started, then trained further
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # the input model is untouched


def test_refine_adds_the_rounds_to_a_trained_model(tiny: Trained, theorems: list[LibraryTheorem]) -> None:
    chosen = [th for th in theorems if th.steps][:4]
    assert refine(tiny, chosen, IterationConfig(iterations=0)) is tiny
    refined = refine(tiny, chosen, TINY_SEARCH)
    assert len(refined.rounds) == 2 and refined.summary()["iterations"][0]["theorems"] == 4
    assert len(refined.knn) >= len(tiny.knn)


def test_the_critic_learns_which_candidates_apply(theorems: list[LibraryTheorem], tiny_config: ModelConfig) -> None:
    cfg = IterationConfig(max_nodes=15, seconds=2.0, attempt_states=20)
    chosen = [th for th in theorems if th.steps][:6]
    rng = random.Random(0)
    samples = [s for th in chosen for s in harvest_search(th, None, cfg, rng).samples]
    assert any(s.attempts for s in samples)
    model, _ = train(samples, tiny_config, epochs=12, seed=0)
    policy = RouterPolicy(model, critic=True)
    applied: list[float] = []
    failed: list[float] = []
    for th in chosen:  # the candidates a search tries on these theorems: applied ones score higher
        graph = SearchGraph()
        Searcher(15, 2.0, observer=graph).search(
            ProofState.initial(th.environment, th.statement, level_params=th.level_params))
        for a in graph.attempts[:60]:
            [p] = policy.accept_probabilities(a.state, [a.call])
            (applied if a.applied else failed).append(p)
    assert applied and failed
    assert sum(applied) / len(applied) > sum(failed) / len(failed) + 0.1


def test_a_harvest_is_deep_safe_beyond_the_search(theorems: list[LibraryTheorem]) -> None:
    """Admission, hindsight checks and samples recurse over the proof too: all of the harvest runs
    under ``run_deep``, so a caller's low recursion limit (a long path's deep terms) is no crash."""
    import inspect
    import sys

    th = _named(theorems, "Or.symm")
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 30)
    try:
        h = harvest_search(th, None, TINY_SEARCH, random.Random(0))
    finally:
        sys.setrecursionlimit(saved)
    assert h.proved and h.steps


def test_a_lazy_harvest_keeps_its_checked_proof(theorems: list[LibraryTheorem]) -> None:
    th = _named(theorems, "Or.symm")
    h = harvest_search(th, None, attrs.evolve(TINY_SEARCH, lazy=True, max_nodes=60), random.Random(0))
    assert h.proved and h.steps and h.attempts >= len(h.steps)
    assert any(s.remaining is not None for s in h.samples)



def test_a_round_from_base_fine_tunes_the_first_model(theorems: list[LibraryTheorem], tiny_config: ModelConfig,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """``from_base``: every round starts from the iteration-0 weights (not the previous round's, not
    a fresh initialisation)."""
    import tactic_mesh.neural.iteration as iteration

    chosen = [th for th in theorems if th.steps][:6]
    base = base_samples(chosen)
    model, _ = train(base, tiny_config, epochs=1)
    inits: list[MoTModel | None] = []

    def spy(samples: list[Sample], cfg: ModelConfig, epochs: int, seed: int,
            init: MoTModel | None = None) -> tuple[MoTModel, TrainReport]:
        inits.append(init)
        return train(samples, cfg, epochs=epochs, seed=seed, init=init)

    monkeypatch.setattr(iteration, "train", spy)
    iterate(chosen, model, KnnPolicy(), base, attrs.evolve(TINY_SEARCH, iterations=2, from_base=True), tiny_config)
    iterate(chosen, model, KnnPolicy(), base, attrs.evolve(TINY_SEARCH, iterations=2), tiny_config)
    assert inits[0] is model and inits[1] is model and inits[2:] == [None, None]


def test_an_accumulating_round_keeps_every_step_an_earlier_round_checked(
        theorems: list[LibraryTheorem], tiny_config: ModelConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """``accumulate``: a round trains on the base, every distinct checked step found so far, and the
    latest searches' acceptance samples; a step found again is kept once."""
    import tactic_mesh.neural.iteration as iteration

    chosen = [th for th in theorems if th.steps][:6]
    base = base_samples(chosen)
    model, _ = train(base, tiny_config, epochs=1)
    seen: list[list[Sample]] = []

    def spy(samples: list[Sample], cfg: ModelConfig, epochs: int, seed: int,
            init: MoTModel | None = None) -> tuple[MoTModel, TrainReport]:
        seen.append(list(samples))
        return train(samples, cfg, epochs=epochs, seed=seed, init=init)

    monkeypatch.setattr(iteration, "train", spy)
    iterate(chosen, model, KnnPolicy(), base, attrs.evolve(TINY_SEARCH, iterations=2, accumulate=True), tiny_config)
    first, second = ([iteration._step_key(s) for s in r[len(base):] if not s.attempts] for r in seen)
    assert first, "the first round checked no step: the test would show nothing"
    assert set(first) <= set(second)
    assert len(second) == len(set(second))  # each step once
    assert all(s.attempts for s in seen[1][len(base) + len(second):])  # then only acceptance samples


def test_a_search_beyond_the_kernels_limits_costs_its_theorem_not_the_run(
        theorems: list[LibraryTheorem], tiny_config: ModelConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """A harvest whose terms are nested beyond what the kernel processes (``KernelLimitError``) is a
    failed search that teaches nothing; the round goes on and counts it."""
    import tactic_mesh.neural.iteration as iteration
    from tactic_mesh.kernel.errors import KernelLimitError

    chosen = [th for th in theorems if th.steps][:4]
    base = base_samples(chosen)
    model, _ = train(base, tiny_config, epochs=1)
    real = iteration.harvest_search

    def deep_on_first(theorem: LibraryTheorem, *args: object) -> object:
        if theorem is chosen[0]:
            raise KernelLimitError("input nested too deeply to process")
        return real(theorem, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(iteration, "harvest_search", deep_on_first)
    result = iterate(chosen, model, KnnPolicy(), base, attrs.evolve(TINY_SEARCH, iterations=1), tiny_config)
    [_, round1] = result.rounds
    assert round1.too_deep == 1 and round1.theorems == 4
    assert round1.proved <= 3 and round1.samples > len(base)  # the other theorems still taught
