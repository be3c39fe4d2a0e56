"""Proof-DAG credit on hand-built AND/OR hypergraphs (``neural/proof_dag.py``)."""

from __future__ import annotations

import pytest

from tactic_mesh.neural.proof_dag import GAMMA, SIDE_EFFECT, ProofDag


def test_a_closed_tree_credits_every_step_with_the_episode_bonus() -> None:
    dag = ProofDag("root")
    split = dag.add("root", "constructor", ["a", "b"])
    leaf_a = dag.add("a", "rfl")
    mid_b = dag.add("b", "intro h", ["c"])
    leaf_c = dag.add("c", "exact h")
    closure = dag.solve()
    assert closure.size == {"a": 1, "c": 1, "b": 2, "root": 4}
    assert closure.closed("root")
    assert sorted(closure.proof("root", dag.edges)) == [split, leaf_a, mid_b, leaf_c]
    credit = dag.credit()
    episode = 1 + 1 / 4
    assert credit[leaf_a] == pytest.approx(1 + 1 + episode)
    assert credit[leaf_c] == pytest.approx(1 + 1 + episode)
    assert credit[mid_b] == pytest.approx(GAMMA + episode)
    assert credit[split] == pytest.approx(GAMMA ** 3 + episode)


def test_an_open_child_leaves_its_parent_open_and_uncredited() -> None:
    dag = ProofDag("root")
    split = dag.add("root", "constructor", ["a", "b"])
    leaf_a = dag.add("a", "rfl")
    dag.add("b", "intro h", ["c"])  # c is never closed
    closure = dag.solve()
    assert not closure.closed("root") and not closure.closed("b")
    credit = dag.credit()
    assert credit[split] == 0.0
    # a failed search still teaches: the closed sub-goal's step earns its step-level reward, no episode bonus
    assert credit[leaf_a] == pytest.approx(2.0)
    assert [e.tactic for e, _ in dag.credited()] == ["rfl"]


def test_a_cycle_never_closes_itself() -> None:
    dag = ProofDag("a")
    dag.add("a", "t1", ["b"])
    dag.add("b", "t2", ["a"])
    closure = dag.solve()
    assert closure.size == {}
    assert dag.credit() == [0.0, 0.0]


def test_a_step_back_into_a_cycle_earns_nothing() -> None:
    dag = ProofDag("a")
    forward = dag.add("a", "t1", ["b"])
    back = dag.add("b", "t2", ["a"])
    leaf = dag.add("b", "rfl")
    closure = dag.solve()
    assert closure.size == {"b": 1, "a": 2}
    assert closure.best["b"] == leaf
    credit = dag.credit()
    assert credit[back] == 0.0  # b → a → b: closed, but it returns to its own goal
    assert credit[forward] > 0 and credit[leaf] > credit[forward]


def test_the_smallest_sub_proof_is_kept_and_a_longer_one_still_earns_less() -> None:
    dag = ProofDag("a")
    long = dag.add("a", "constructor", ["b", "c"])
    dag.add("b", "rfl")
    dag.add("c", "rfl")
    short = dag.add("a", "simp")
    closure = dag.solve()
    assert closure.size["a"] == 1 and closure.best["a"] == short
    assert closure.through[long] == 3
    credit = dag.credit()
    assert credit[short] == pytest.approx(1 + 1 + 2)  # closes alone, γ⁰, the whole proof (L = 1)
    assert credit[long] == pytest.approx(GAMMA ** 2)  # on a closed sub-proof, not on the root's best one


def test_coupled_children_close_only_with_joint_evidence() -> None:
    dag = ProofDag("ex")
    intro = dag.add("ex", "apply Exists.intro", ["?w", "p ?w"], coupled=True)
    dag.add("?w", "exact 0")
    dag.add("p ?w", "rfl")  # each child closed on some branch, perhaps with different witnesses
    assert not dag.solve().closed("ex")
    assert dag.credit()[intro] == 0.0
    dag.close_jointly(intro, 2)
    closure = dag.solve()
    assert closure.size["ex"] == 3 and closure.best["ex"] == intro
    assert dag.credit()[intro] > 0
    with pytest.raises(ValueError):
        dag.close_jointly(intro, 0)


def test_a_shared_sub_goal_is_one_node_of_the_dag() -> None:
    dag = ProofDag("root")
    left = dag.add("root", "cases h", ["x", "shared"])
    right = dag.add("x", "apply f", ["shared"])
    shared = dag.add("shared", "rfl")
    assert dag.add("shared", "rfl") == shared  # the same step reached twice is one hyperedge
    closure = dag.solve()
    assert closure.size == {"shared": 1, "x": 2, "root": 4}
    credit = dag.credit()
    assert all(credit[i] > 0 for i in (left, right, shared))


def test_side_effects_add_to_the_step_reward() -> None:
    dag = ProofDag(None)
    plain = dag.add("g", "rfl")
    effect = dag.add("h", "exact foo", discharged=2)
    credit = dag.credit()
    assert credit[effect] - credit[plain] == pytest.approx(2 * SIDE_EFFECT)
