"""The progress critic: its heads, its calibration report, and the router policy's use of it
(``neural/critic.py``)."""

from __future__ import annotations

import pytest
import torch
from neural_support import state_of

from tactic_mesh.api import Session
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import call_of
from tactic_mesh.calculus.tactics import GoalView
from tactic_mesh.handlers.policy import SearchNode
from tactic_mesh.neural import router_policy
from tactic_mesh.neural.critic import Critic, calibration
from tactic_mesh.neural.model import ModelConfig, MoTModel
from tactic_mesh.neural.router_policy import RouterPolicy
from tactic_mesh.neural.tokens import state_tokens


def test_calibration_of_perfect_and_of_overconfident_predictions() -> None:
    labels = [True] * 3 + [False] * 7
    perfect = calibration([0.3] * 10, labels)
    assert perfect.ece == pytest.approx(0.0) and perfect.base_rate == pytest.approx(0.3)
    assert perfect.bins == ((0.3, 0.3, 10),)
    over = calibration([0.9] * 10, labels)
    assert over.ece == pytest.approx(0.6) and over.brier == pytest.approx(0.3 * 0.01 + 0.7 * 0.81)
    assert over.accuracy == pytest.approx(0.3)
    mixed = calibration([0.05, 0.95], [False, True], remaining=[(2.0, 3), (1.0, 1)])
    assert mixed.ece == pytest.approx(0.05) and mixed.remaining_mae == pytest.approx(0.5)
    assert mixed.remaining_samples == 2
    with pytest.raises(ValueError):
        calibration([0.5], [])


def test_the_heads_shapes() -> None:
    torch.manual_seed(0)
    critic = Critic(8)
    assert critic.accept_logits(torch.zeros(8), torch.zeros(5, 8)).shape == (5,)
    assert critic.log_remaining(torch.zeros(3, 8)).shape == (3,)


def test_the_router_policy_adds_the_critic_to_its_priority(tiny_config: ModelConfig) -> None:
    torch.manual_seed(0)
    model = MoTModel(tiny_config)
    session = Session("basics")
    state = state_of(session, "∀ p q : Prop, p → q → p ∧ q", "intro p q hp hq")
    node = SearchNode(state, ("intro p q hp hq",))
    plain = RouterPolicy(model, critic=False)
    guided = RouterPolicy(model, critic=True, beta=2.0)
    r = guided.remaining(state)
    assert r > 0
    assert guided.priority(node)[0] == pytest.approx(plain.priority(node)[0] + 2.0 * r, rel=1e-5)
    probs = guided.accept_probabilities(state, [call_of("constructor", 1, 1), call_of("exact hp", 1, 1)])
    assert len(probs) == 2 and all(0 < p < 1 for p in probs)
    done = session.run(state_of(session, "∀ p : Prop, p → p"), call_of("exact fun p h => h", 1, 1))
    assert guided.remaining(done) == 0.0  # no goal left: nothing remains


def test_a_state_is_encoded_once_for_its_priority_and_its_expansion(tiny_config: ModelConfig,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    model = MoTModel(tiny_config)
    session = Session("basics")
    state = state_of(session, "∀ p q : Prop, p → q → p ∧ q", "intro p q hp hq")
    other = state_of(session, "∀ p : Prop, p → p", "intro p hp")
    guided = RouterPolicy(model, critic=True)
    encoded: list[object] = []

    def counting(s: ProofState) -> object:
        encoded.append(s)
        return state_tokens(s)

    monkeypatch.setattr(router_policy, "state_tokens", counting)
    first = guided.remaining(state)
    view = GoalView.of(state)
    assert view is not None and guided.rank(view)
    guided.accept_probabilities(state, [call_of("constructor", 1, 1)])
    guided.sketch(state)
    assert encoded == [state] and guided.remaining(state) == first
    guided.remaining(other)
    assert encoded == [state, other]  # another state is encoded of its own
