"""The router as a search policy: every candidate it gives the search passed the typing judgment,
scores are log-probabilities (selected experts first, the fallback after), the bias moves online
only when asked, and a proof it finds is admitted by the kernel."""

from __future__ import annotations

import copy
import math

import torch
from neural_support import state_of, view_of

from tactic_mesh.api import Session
from tactic_mesh.calculus.tactics import Candidate, GoalView
from tactic_mesh.calculus.tactics.registry import call
from tactic_mesh.neural.experts import EXPERTS
from tactic_mesh.neural.pipeline import Trained
from tactic_mesh.neural.router_policy import RouterPolicy, well_typed

SESSION = Session("all")


def goal_view(statement: str, script: str = "") -> GoalView:
    return view_of(state_of(SESSION, statement, script))


def test_a_router_proof_is_kernel_checked(tiny: Trained) -> None:
    policy = RouterPolicy(copy.deepcopy(tiny.model))
    result = SESSION.prove("∀ p q : Prop, p → (p → q) → q", policy=policy, max_nodes=200, budget=30)
    assert result.kernel_checked and result.stats.policy == "router"
    assert policy.stats.calls >= 1 and policy.stats.route_seconds > 0


def test_candidates_are_typed_and_scored_as_log_probabilities(tiny: Trained) -> None:
    policy = RouterPolicy(copy.deepcopy(tiny.model), fallback=False)
    for statement, script in [("∀ a b : Nat, a + b = b + a", "intro a b"),
                              ("∀ p q : Prop, p ∧ q → q ∧ p", "intro p q h"),
                              ("∀ l : List Nat, (l ++ []).length = l.length", "intro l")]:
        view = goal_view(statement, script)
        ranked = policy.rank(view)
        assert ranked, statement
        assert all(well_typed(c, view) for c, _ in ranked)
        scores = [s for _, s in ranked]
        assert scores == sorted(scores, reverse=True) and all(s <= 1e-6 for s in scores)
        # the gates sum to 1 and each expert's softmax to 1: the probabilities sum to at most 1
        assert math.log(sum(math.exp(s) for s in scores)) <= 1e-5
    assert policy.stats.proposed > 0 and policy.stats.validity == 1.0


def test_fallback_comes_after_every_selected_candidate(tiny: Trained) -> None:
    view = goal_view("∀ a b : Nat, a + b = b + a", "intro a b")
    sparse = RouterPolicy(copy.deepcopy(tiny.model), fallback=False).rank(view)
    full = RouterPolicy(copy.deepcopy(tiny.model), fallback=True).rank(view)
    assert [c for c, _ in full[:len(sparse)]] == [c for c, _ in sparse]
    extra = full[len(sparse):]
    assert extra and max(s for _, s in extra) < min(s for _, s in sparse)
    # the router reorders; apart from premise selection (the few best library lemmas of a selected
    # expert) it removes no proposal
    plain = {c for e in EXPERTS for c in e.candidates(view)[0] if well_typed(c, view)}
    assert plain <= {c for c, _ in full}
    kept = tiny.model.cfg.premises_kept
    for e in EXPERTS:
        if e.selects_premises:
            lemma_calls = set(e.candidates(view)[1]) & {c for c, _ in sparse}
            assert len(lemma_calls) <= kept


def test_bias_moves_only_online(tiny: Trained) -> None:
    view = goal_view("∀ n : Nat, n + 0 = n", "intro n")
    frozen = RouterPolicy(copy.deepcopy(tiny.model), online=False)
    before = frozen.model.router.bias.clone()
    for _ in range(5):
        frozen.rank(view)
    assert torch.equal(frozen.model.router.bias, before)
    online = RouterPolicy(copy.deepcopy(tiny.model), online=True)
    for _ in range(5):
        online.rank(view)
    moved = online.model.router.bias - before
    assert moved.abs().sum() > 0
    assert online.load.total == 5 * online.model.cfg.top_k


def test_well_typed_refuses_what_the_judgment_refuses() -> None:
    view = goal_view("1 = 1")
    assert well_typed(Candidate(call("rfl"), "auto"), view)
    assert not well_typed(Candidate(call("intro", "x"), "intro"), view)  # not a ∀
    assert not well_typed(Candidate(call("exact", "no_such_lemma"), "apply"), view)


def test_experts_not_hosted_come_from_the_remote_and_are_checked_here(tiny: Trained) -> None:
    asked: list[list[str]] = []

    def remote(state: object, families: list[str]) -> list[tuple[str, str, float]]:
        asked.append(families)
        return [(f, "rw [Nat.add_comm]", -0.1) for f in families] + [
            ("rewrite", "exact sorry", -0.01),  # does not type-check here: dropped
            ("rewrite", "(((", -0.01),  # does not parse: dropped
            ("induction", "rw [Nat.add_comm]", float("nan")),  # not a finite score: dropped
            ("telepathy", "rfl", 0.0),  # a family that was not asked for: dropped
        ]

    view = goal_view("∀ a b : Nat, a + b = b + a", "intro a b")
    hosted = RouterPolicy(copy.deepcopy(tiny.model), fallback=False, hosted=frozenset({"intro"}), remote=remote)
    ranked = hosted.rank(view)
    assert asked and all("intro" not in fams for fams in asked)
    texts = [c.text for c, _ in ranked]
    assert texts.count("rw [Nat.add_comm]") == 1 and "exact sorry" not in texts and "rfl" not in texts
    assert all(well_typed(c, view) and (c.family == "intro" or c.text == "rw [Nat.add_comm]") for c, _ in ranked)
    lonely = RouterPolicy(copy.deepcopy(tiny.model), hosted=frozenset({"intro"}))  # no remote: the others are absent
    assert all(c.family == "intro" for c, _ in lonely.rank(view))
    served = RouterPolicy(copy.deepcopy(tiny.model)).propose_families(view, ["rewrite", "telepathy"])
    assert served and all(c.family == "rewrite" and s <= 1e-6 for c, s in served)
