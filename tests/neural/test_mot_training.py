"""Training samples and training: labels come from checked steps, the same seed gives the same
model, and training lowers the loss."""

from __future__ import annotations

import random

import attrs
import torch

from tactic_mesh.calculus.tactics import FAMILIES, GoalView
from tactic_mesh.handlers.policy import Step
from tactic_mesh.neural.actions import action_key
from tactic_mesh.neural.experts import EXPERTS
from tactic_mesh.neural.model import ModelConfig, family_of
from tactic_mesh.neural.traces import LibraryTheorem
from tactic_mesh.neural.train import make_sample, make_samples, train


def _steps(theorems: list[LibraryTheorem], n: int) -> list[Step]:
    return [s for th in theorems for s in th.steps][:n]


def test_library_traces_are_the_proofs_steps(theorems: list[LibraryTheorem]) -> None:
    with_steps = [th for th in theorems if th.steps]
    assert len(with_steps) > 100
    th = with_steps[0]
    assert th.environment.find(th.name) is None  # the environment is the one before the theorem
    state, call = th.steps[0]
    assert state.environment is th.environment or state.environment.find(th.name) is None
    assert call.name  # a parsed tactic call


def test_samples_label_the_taken_tactic(theorems: list[LibraryTheorem]) -> None:
    rng = random.Random(0)
    with_expert = 0
    for step in _steps(theorems, 150):
        sample = make_sample(step, rng)
        assert sample is not None
        family = family_of(step[1])
        assert sample.family == (FAMILIES.index(family) if family is not None else None)
        if sample.expert is not None:
            with_expert += 1
            view = GoalView.of(step[0])
            assert view is not None
            gold = action_key(step[1], view.hypotheses)
            plain, premise = EXPERTS[sample.expert].candidates(view)
            keys = [action_key(c.call, view.hypotheses) for c in plain + premise]
            assert gold in keys and 0 <= sample.target < len(sample.actions)
    assert with_expert > 30


def test_same_seed_same_model_and_training_lowers_the_loss(theorems: list[LibraryTheorem],
                                                          tiny_config: ModelConfig) -> None:
    samples = make_samples(_steps(theorems, 120), seed=1)
    losses: list[float] = []
    a, report = train(samples, tiny_config, epochs=4, seed=3, progress=lambda e, n, loss: losses.append(loss))
    b, _ = train(samples, tiny_config, epochs=4, seed=3)
    c, _ = train(samples, tiny_config, epochs=4, seed=4)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert report.samples == len(samples) and 0 < report.expert_samples <= report.samples
    assert 0.0 <= report.router_accuracy <= 1.0 and report.seconds >= 0


def test_bias_balancing_during_training_lowers_the_load_cv(theorems: list[LibraryTheorem],
                                                          tiny_config: ModelConfig) -> None:
    samples = make_samples(_steps(theorems, 200), seed=0)
    cfg = ModelConfig(tiny_config.encoder, top_k=2, gamma=0.05)
    _, balanced = train(samples, cfg, epochs=3, seed=0, balance=True)
    _, free = train(samples, cfg, epochs=3, seed=0, balance=False)
    assert balanced.load_cv < free.load_cv


def test_a_batch_without_any_label_is_skipped_not_a_crash(theorems: list[LibraryTheorem],
                                                          tiny_config: ModelConfig) -> None:
    samples = make_samples(_steps(theorems, 40), seed=1)
    unlabelled = attrs.evolve(samples[0], family=None, expert=None, remaining=None, sketch=(), attempts=())
    # 33 samples in batches of 32: the short last batch may be the unlabelled one alone
    _, report = train([*samples[:32], unlabelled], tiny_config, epochs=3, seed=0)
    assert report.samples == 33 and report.epochs == 3
    alone, _ = train([unlabelled], tiny_config, epochs=1, seed=0)  # nothing to learn: the weights stay
    fresh, _ = train([], tiny_config, epochs=0, seed=0)
    kept = [k for k in fresh.state_dict() if k != "router.bias"]  # the balancing bias moves without a gradient
    assert kept and all(torch.equal(alone.state_dict()[k], fresh.state_dict()[k]) for k in kept)
