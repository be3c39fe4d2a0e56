"""The k-NN baseline (``neural/knn.py``): an IDF-weighted neighbour store with a JSON form, and a
policy that ranks what it learned from a proof first, with log-probabilities."""

from __future__ import annotations

import json
import math

import pytest
from neural_support import view_of

from tactic_mesh.api import Session
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, split_tactics
from tactic_mesh.handlers.policy import Step
from tactic_mesh.neural.actions import action_key
from tactic_mesh.neural.features import features
from tactic_mesh.neural.knn import KnnPolicy, KnnStore, step_entry

SESSION = Session()


def tiny_store() -> KnnStore:
    store = KnnStore()
    assert store.add([1, 2, 3], "a") is True
    assert store.add([2, 3], "b") is True
    assert store.add([3, 4], "c") is True
    return store


# ---------------------------------------------------------------------------------------------
# the store
# ---------------------------------------------------------------------------------------------


def test_add_deduplicates_feature_set_and_action() -> None:
    store = tiny_store()
    assert store.add([3, 2, 1, 1], "a") is False  # the same set, the same action
    assert len(store) == 3 and store.df[1] == 1 and store.df[3] == 3
    assert store.add([1, 2, 3], "b") is True  # the same set, another action: another entry
    assert len(store) == 4 and store.df[1] == 2 and store.index[1] == [0, 3]


def test_neighbours_are_idf_weighted_and_ordered() -> None:
    store = tiny_store()  # N = 3; df: 1 → 1, 2 → 2, 3 → 3, 4 → 1
    w = {1: math.log(1 + 3 / 1), 2: math.log(1 + 3 / 2), 3: math.log(1 + 3 / 3), 4: math.log(1 + 3 / 1)}
    # {1, 3}: entry a shares 1 and 3, b and c only 3 (ties in insertion order)
    got = store.neighbours([1, 3], k=3)
    assert [key for _, key in got] == ["a", "b", "c"]
    assert [s for s, _ in got] == pytest.approx([w[1] + w[3], w[3], w[3]])
    assert got[0][0] == pytest.approx(math.log(8))
    # {2, 4}: the rare feature 4 outweighs the common 2 — c before a and b
    got = store.neighbours([2, 4], k=3)
    assert [key for _, key in got] == ["c", "a", "b"]
    assert [s for s, _ in got] == pytest.approx([w[4], w[2], w[2]])
    # k cuts, a repeated query feature counts once, unknown features match nothing
    assert store.neighbours([1, 3], k=1) == [(pytest.approx(math.log(8)), "a")]
    assert store.neighbours([1, 1, 3, 3], k=3) == store.neighbours([1, 3], k=3)
    assert store.neighbours([99], k=5) == []
    assert KnnStore().neighbours([1, 2], k=5) == []


def test_json_round_trip() -> None:
    store = tiny_store()
    store.add([10, 5, 7], "rw [#0]")
    data = json.loads(json.dumps(store.to_json()))
    assert data[3] == [[5, 7, 10], "rw [#0]"]  # features sorted
    again = KnnStore.from_json(data)
    assert again.entries == store.entries and again.df == store.df and again.index == store.index
    for query in ([1, 3], [2, 4], [5, 3]):
        assert again.neighbours(query, 4) == store.neighbours(query, 4)
    assert again.add([1, 2, 3], "a") is False  # the dedup set is rebuilt too


@pytest.mark.parametrize(("data", "message"), [
    ({"entries": []}, "expected a list"),
    ("[[1], 'a']", "expected a list"),
    ([[[1], "a"], [[1, "x"], "b"]], "entry 1"),
    ([[[1], "a"], [[2], "b"], [[3], 4]], "entry 2"),
    ([[[1], "a", "extra"]], "entry 0"),
    ([[[1], "a"], "pair"], "entry 1"),
    ([[[1], "a"], [(1, 2), "b"]], "entry 1"),
    ([[[1], "a"], [[1.5], "b"]], "entry 1"),
    ([[[1], "a"], [[2, True], "b"]], "entry 1"),  # JSON true is not a feature id
    ([[[1], "a"], [[1]]], "entry 1"),
])
def test_malformed_json_is_a_clear_error(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KnnStore.from_json(data)


# ---------------------------------------------------------------------------------------------
# the policy
# ---------------------------------------------------------------------------------------------


def proof_path(statement: str, script: str) -> tuple[list[Step], ProofState]:
    state = SESSION.goal(statement)
    path: list[Step] = []
    for call in split_tactics(script, 1, 1):
        path.append((state, call))
        state = SESSION.run(state, call)
    return path, state


def top_key(policy: KnnPolicy, state: ProofState) -> str:
    view = view_of(state)
    ranked = policy.rank(view)
    assert ranked
    return action_key(ranked[0][0].call, view.hypotheses)


def key_of(state: ProofState, call: TacticCall) -> str:
    return action_key(call, view_of(state).hypotheses)


PROOFS = [
    ("∀ a b : Nat, a = b → b = a", "intro a\nintro b\nintro h\nrw [h]"),  # one name an intro: what is proposed
    ("∀ p q : Prop, p → q → p", "intro p\nintro q\nintro hp\nintro hq\nassumption"),
    ("∀ n : Nat, n + 0 = n", "intro n\nrfl"),
]


@pytest.mark.parametrize(("statement", "script"), PROOFS)
def test_learned_actions_rank_first_on_their_states(statement: str, script: str) -> None:
    path, final = proof_path(statement, script)
    assert final.active_obligations == ()  # a real proof
    empty = KnnPolicy()
    before = [top_key(empty, s) for s, _ in path]
    policy = KnnPolicy(k=4)
    policy.learn(path)
    assert len(policy.store) == len({(frozenset(features(s)), key_of(s, c)) for s, c in path})
    after = [top_key(policy, s) for s, _ in path]
    assert after == [key_of(s, c) for s, c in path]
    assert after != before  # learning changed the ranking


def test_what_was_learned_transfers_to_a_renamed_goal() -> None:
    path, _ = proof_path(*PROOFS[0])
    policy = KnnPolicy()
    policy.learn(path)
    other = SESSION.run(SESSION.goal("∀ x y : Nat, x = y → y = x"), "intro x y e")
    view = view_of(other)
    best = policy.rank(view)[0][0]
    assert best.text == "rw [e]"  # rw [h] there, the same hypothesis position here


def test_scores_are_log_probabilities() -> None:
    path, _ = proof_path(*PROOFS[0])
    policy = KnnPolicy()
    for learned in range(len(PROOFS) + 1):  # an empty store, then one proof more each time
        if learned:
            policy.learn(proof_path(*PROOFS[learned - 1])[0])
        for state, _ in path:
            scores = [s for _, s in policy.rank(view_of(state))]
            assert len(scores) > 1 and all(s <= 0.0 for s in scores)
            assert scores == sorted(scores, reverse=True)
            top = max(scores)
            assert top + math.log(sum(math.exp(s - top) for s in scores)) == pytest.approx(0.0, abs=1e-9)
    # a learned action is much likelier than an unseen one
    ranked = policy.rank(view_of(path[-1][0]))
    assert ranked[0][1] - ranked[-1][1] > 1.0


def test_candidates_and_score_follow_rank() -> None:
    path, _ = proof_path(*PROOFS[0])
    policy = KnnPolicy()
    policy.learn(path)
    view = view_of(path[-1][0])
    ranked = policy.rank(view)
    cands = policy.candidates(view)
    assert list(cands) == [c for c, _ in ranked]
    assert policy.score(cands[0], view) == ranked[0][1]


def test_step_entry_is_features_and_key() -> None:
    path, final = proof_path(*PROOFS[0])
    state, call = path[-1]
    entry = step_entry(state, call)
    assert entry is not None
    assert entry[0] == features(state) and entry[1] == "rw [#2]"
    assert step_entry(final, call) is None  # no goal, no entry
    policy = KnnPolicy()
    policy.observe(final, call)
    assert len(policy.store) == 0
