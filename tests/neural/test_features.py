"""Proof states as data (``neural/features.py``): the canonical form and goal hash identify goals up
to renaming and commuting, and nothing else; hashed features and routing features."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neural_support import state_of, view_of

from tactic_mesh.api import Session
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import GoalView
from tactic_mesh.kernel.expr import Const, MVar, expr_size, mk_app
from tactic_mesh.neural.features import (
    CANON_VERSION,
    FEATURE_BUCKETS,
    RoutingFeatures,
    canonical_expr,
    canonical_goal,
    feature_names,
    features,
    goal_hash,
    routing_features,
)

SESSION = Session()
PROPERTY = settings(derandomize=True, max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def state(statement: str, script: str = "") -> ProofState:
    return state_of(SESSION, statement, script)


def main_goal(s: ProofState) -> int:
    return view_of(s).goal


def h(statement: str, script: str = "") -> str:
    return goal_hash(state(statement, script))


# ---------------------------------------------------------------------------------------------
# invariance: renaming and commuting
# ---------------------------------------------------------------------------------------------


def test_renamed_bound_variables_give_the_same_form_and_hash() -> None:
    a, b = state("∀ a b : Nat, a + b = b + a"), state("∀ x y : Nat, x + y = y + x")
    assert canonical_goal(a, main_goal(a)) == canonical_goal(b, main_goal(b))
    assert h("∀ a b : Nat, a + b = b + a") == h("∀ x y : Nat, x + y = y + x")
    assert features(a) == features(b)


def test_renamed_hypotheses_give_the_same_form_and_hash() -> None:
    a = state("∀ a b : Nat, a = b → b = a", "intro a b h")
    b = state("∀ x y : Nat, x = y → y = x", "intro m n hyp")
    ga, gb = canonical_goal(a, main_goal(a)), canonical_goal(b, main_goal(b))
    assert ga == gb and len(ga.hypotheses) == 3
    assert goal_hash(a) == goal_hash(b)
    assert features(a) == features(b)
    assert routing_features(a) == routing_features(b)
    # the hypotheses are their positions in the context, not their names
    assert ga.target == ("@", ("c", "Eq"), (("c", "Nat"), ("h", 0), ("h", 1)))


@pytest.mark.parametrize(("left", "right"), [
    ("∀ a b c : Nat, a + b = c", "∀ a b c : Nat, c = b + a"),
    ("∀ a b c : Nat, a * b = c", "∀ a b c : Nat, c = b * a"),
    ("∀ a b c : Nat, a + b * c = c", "∀ a b c : Nat, c = c * b + a"),
    ("∀ p q : Prop, p ∧ q", "∀ p q : Prop, q ∧ p"),
    ("∀ p q : Prop, p ∨ q", "∀ p q : Prop, q ∨ p"),
    ("∀ p q : Prop, p ↔ q", "∀ p q : Prop, q ↔ p"),
    ("∀ a b : Nat, a ≠ b", "∀ a b : Nat, b ≠ a"),
    ("∀ a b : Bool, Bool.and a b = Bool.true", "∀ a b : Bool, Bool.and b a = Bool.true"),
    ("∀ a b : Bool, Bool.or a b = Bool.true", "∀ a b : Bool, Bool.or b a = Bool.true"),
])
def test_commuted_arguments_give_the_same_hash(left: str, right: str) -> None:
    assert h(left) == h(right)
    names = "intro " + " ".join(left.split(":")[0].split()[1:])  # the bound names, in context
    renamed = "intro " + " ".join(f"v{i}" for i in range(len(names.split()) - 1))
    after_l, after_r = state(left, names), state(right, renamed)
    assert goal_hash(after_l) == goal_hash(after_r)
    assert features(after_l) == features(after_r)


def test_commuted_arguments_with_metavariables_give_the_same_form() -> None:
    # metavariables are numbered by first occurrence; the numbering must not depend on which side of
    # a commutative operator a metavariable was written on
    add, nat, inst, f, g = Const("Add.add"), Const("Nat"), Const("instAddNat"), Const("f"), Const("g")
    x, y = MVar(101), MVar(102)
    assert canonical_expr(mk_app(add, nat, inst, x, y)) == canonical_expr(mk_app(add, nat, inst, y, x))
    left = mk_app(add, nat, inst, mk_app(f, x), mk_app(g, y))
    right = mk_app(add, nat, inst, mk_app(g, y), mk_app(f, x))
    assert canonical_expr(left) == canonical_expr(right)


def test_metavariable_ids_do_not_matter() -> None:
    one = state("∀ a b c : Nat, a ≤ b → b ≤ c → a ≤ c", "intro a b c h1 h2\napply Nat.le_trans")
    two = state("∀ x y z : Nat, x ≤ y → y ≤ z → x ≤ z", "intro x\nintro y\nintro z\nintro h\nintro k\n"
                "apply Nat.le_trans")
    g1, g2 = one.focus_goals(), two.focus_goals()
    assert len(g1) == len(g2) == 3
    assert g1 != g2  # other metavariable ids ...
    for a, b in zip(g1, g2, strict=True):  # ... the same goals
        assert goal_hash(one, a) == goal_hash(two, b)
    target = canonical_goal(one, g1[1]).target
    assert ("?", 0) in target[2]  # type: ignore[operator]


# ---------------------------------------------------------------------------------------------
# sensitivity: real changes are other goals
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("left", "right"), [
    ("∀ a b : Nat, a + b = 0", "∀ a b : Nat, a * b = 0"),  # another operator
    ("∀ a b : Nat, a + b = 0", "∀ a b : Nat, a + b = 1"),  # another constant
    ("∀ a b : Nat, a + b = 0", "∀ a b : Nat, a + a = 0"),  # another variable
    ("∀ a b : Nat, a - b = 0", "∀ a b : Nat, b - a = 0"),  # subtraction does not commute
    ("∀ a b : Nat, a ≤ b", "∀ a b : Nat, b ≤ a"),  # nor does ≤
    ("∀ p q : Prop, p → q", "∀ p q : Prop, q → p"),  # nor does →
    ("∀ a : Nat, a = a", "∀ a : Bool, a = a"),  # another type
    ("∀ p q : Prop, p ∧ q", "∀ p q : Prop, p ∨ q"),
])
def test_real_changes_give_another_hash(left: str, right: str) -> None:
    assert h(left) != h(right)
    a, b = state(left), state(right)
    assert canonical_goal(a, main_goal(a)) != canonical_goal(b, main_goal(b))


def test_reordered_hypotheses_are_another_goal() -> None:
    # documented: the hash reads the context in order
    one = state("∀ a b : Nat, a = 0 → b = 0 → a = b", "intro a b h1 h2")
    two = state("∀ a b : Nat, b = 0 → a = 0 → a = b", "intro a b h1 h2")
    assert Counter(canonical_goal(one, main_goal(one)).hypotheses) == Counter(
        canonical_goal(two, main_goal(two)).hypotheses)  # the same hypotheses ...
    assert goal_hash(one) != goal_hash(two)  # ... in another order


def test_a_changed_target_is_another_goal() -> None:
    base = state("∀ a b : Nat, a = b → b = a", "intro a b h")
    other = state("∀ a b : Nat, a = b → b = b", "intro a b h")
    assert goal_hash(base) != goal_hash(other)
    # features see constants, not which hypothesis: ≤ for = is visible, b for a is not
    assert features(base) == features(other)
    assert features(base) != features(state("∀ a b : Nat, a = b → b ≤ a", "intro a b h"))
    # and a step changes the hash (the goal after intro is not the statement)
    assert goal_hash(state("∀ a b : Nat, a = b → b = a")) != goal_hash(base)


def test_a_state_without_goals_has_no_goal_hash() -> None:
    done = state("∀ n : Nat, n = n", "intro n\nrfl")
    assert done.active_obligations == ()
    with pytest.raises(ValueError, match="no goals"):
        goal_hash(done)
    with pytest.raises(ValueError, match="no goals"):
        features(done)


# ---------------------------------------------------------------------------------------------
# properties over generated statements
# ---------------------------------------------------------------------------------------------

POOL = list("abcdefgkmnpqrstuvwxyz")
Tree = object  # ("v", i) | ("l", n) | (op, left, right)


def trees(nvars: int) -> st.SearchStrategy[Tree]:
    leaves = st.one_of(st.tuples(st.just("v"), st.integers(0, nvars - 1)), st.tuples(st.just("l"), st.integers(0, 2)))
    return st.recursive(leaves, lambda sub: st.tuples(st.sampled_from(["+", "*"]), sub, sub), max_leaves=6)


def render(t: Tree, names: list[str]) -> str:
    assert isinstance(t, tuple)
    if t[0] == "v":
        return names[t[1]]
    if t[0] == "l":
        return str(t[1])
    return f"({render(t[1], names)} {t[0]} {render(t[2], names)})"


def commute(t: Tree, flips: list[bool]) -> Tree:
    """``t`` with the arguments of some operators swapped (one flip per operator, preorder)."""
    assert isinstance(t, tuple)
    if t[0] in ("v", "l"):
        return t
    flip = flips.pop() if flips else False
    left, right = commute(t[1], flips), commute(t[2], flips)
    return (t[0], right, left) if flip else (t[0], left, right)


def statement(lhs: Tree, rhs: Tree, names: list[str]) -> str:
    return f"∀ {' '.join(names)} : Nat, {render(lhs, names)} = {render(rhs, names)}"


NVARS = 3
names_st = st.lists(st.sampled_from(POOL), min_size=NVARS, max_size=NVARS, unique=True)


@PROPERTY
@given(trees(NVARS), trees(NVARS), names_st, names_st)
def test_hash_is_invariant_under_renaming(lhs: Tree, rhs: Tree, one: list[str], two: list[str]) -> None:
    s1, s2 = statement(lhs, rhs, one), statement(lhs, rhs, two)
    assert h(s1) == h(s2)
    # and after intro with the respective names (the names become hypotheses)
    a, b = state(s1, "intro " + " ".join(one)), state(s2, "intro " + " ".join(two))
    assert goal_hash(a) == goal_hash(b)
    assert features(a) == features(b)


@PROPERTY
@given(trees(NVARS), trees(NVARS), st.lists(st.booleans(), max_size=12), st.booleans())
def test_hash_is_invariant_under_commuting(lhs: Tree, rhs: Tree, flips: list[bool], swap_sides: bool) -> None:
    names = ["a", "b", "c"]
    l2, r2 = commute(lhs, list(flips)), commute(rhs, list(flips))
    if swap_sides:
        l2, r2 = r2, l2
    assert h(statement(lhs, rhs, names)) == h(statement(l2, r2, names))


def first_op_flipped(t: Tree) -> Tree | None:
    assert isinstance(t, tuple)
    if t[0] in ("v", "l"):
        return None
    return ({"+": "*", "*": "+"}[t[0]], t[1], t[2])


@PROPERTY
@given(trees(NVARS), trees(NVARS))
def test_hash_changes_when_an_operator_changes(lhs: Tree, rhs: Tree) -> None:
    flipped = first_op_flipped(lhs)
    names = ["a", "b", "c"]
    if flipped is None:  # no operator on the left: add one
        flipped = ("+", lhs, ("l", 1))
    assert h(statement(lhs, rhs, names)) != h(statement(flipped, rhs, names))


# ---------------------------------------------------------------------------------------------
# stability across processes
# ---------------------------------------------------------------------------------------------

GOLDEN = {  # ∀ a b : Nat, a + b = b + a
    1: "4ae6a884589f1445d19b48fa0b0f46d7d09e4b8d8954032d60e9651f954eabf1",
    # v2: metavariables numbered after the commutative sorting
    2: "825f5ab42b34a8a4f50505dad48f67dfcb45cd905d9beba6bb368aa19aedb638",
}

_CHILD = """
import json
from tactic_mesh.api import Session
from tactic_mesh.neural.features import features, goal_hash
s = Session()
st = s.goal("∀ a b : Nat, a + b = b + a")
after = s.run(st, "intro a b")
print(json.dumps({"goal": goal_hash(st), "after": goal_hash(after),
                  "features": sorted(features(after).items())}))
"""


def test_hash_and_features_are_stable_across_processes() -> None:
    here = state("∀ a b : Nat, a + b = b + a")
    after = SESSION.run(here, "intro a b")
    outs = []
    for seed in ("1", "12345"):  # str hashing differs between these processes
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env,
                              timeout=120, check=True)
        outs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    for out in outs:
        assert out["goal"] == goal_hash(here)
        assert out["after"] == goal_hash(after)
        assert [tuple(x) for x in out["features"]] == sorted(features(after).items())
    assert len(goal_hash(here)) == 64 and int(goal_hash(here), 16) >= 0
    # a changed canonical form must bump CANON_VERSION: the hash is a cache key
    assert goal_hash(here) == GOLDEN[CANON_VERSION]


# ---------------------------------------------------------------------------------------------
# hashed features
# ---------------------------------------------------------------------------------------------


def test_features_are_bucket_counts() -> None:
    s = state("∀ a b : Nat, a ≤ b → a ≤ b + 1", "intro a b h")
    names = feature_names(canonical_goal(s, main_goal(s)))
    feats = features(s)
    assert feats and all(0 <= k < FEATURE_BUCKETS for k in feats)
    assert all(isinstance(v, int) and v > 0 for v in feats.values())
    assert sum(feats.values()) == sum(names.values())
    small = features(s, buckets=7)
    assert set(small) <= set(range(7)) and sum(small.values()) == sum(names.values())
    # atoms and walks of length 1 and 2, goal side and hypothesis side
    assert {"G:LE.le", "G:LE.le>Add.add", "G:LE.le>Add.add>lit", "H:Nat", "H:LE.le>hyp"} <= set(names)
    assert names["H:Nat"] == 3  # the types of a and b, and the type argument of h : a ≤ b


def test_goal_and_hypothesis_features_are_distinct() -> None:
    # the same expressions, once as hypothesis and target, once the other way round
    hyp_eq = state("∀ a b : Nat, a = b → True", "intro a b h")
    goal_eq = state("∀ a b : Nat, True → a = b", "intro a b h")
    n1 = feature_names(canonical_goal(hyp_eq, main_goal(hyp_eq)))
    n2 = feature_names(canonical_goal(goal_eq, main_goal(goal_eq)))
    def strip(names: Counter[str]) -> Counter[str]:
        out: Counter[str] = Counter()
        for k, v in names.items():
            out[k[2:]] += v
        return out

    assert strip(n1) == strip(n2)  # the same walks without the G:/H: prefix ...
    assert n1 != n2 and features(hyp_eq) != features(goal_eq)  # ... but other features
    assert "G:Eq" in n2 and "H:Eq" in n1 and "G:Eq" not in n1
    assert all(k.startswith(("G:", "H:")) for k in n1)


# ---------------------------------------------------------------------------------------------
# routing features
# ---------------------------------------------------------------------------------------------


def test_routing_features_of_an_inequality() -> None:
    s = state("∀ a b : Nat, a ≤ b → a ≤ b + 1", "intro a b h")
    view = GoalView.of(s)
    assert view is not None
    rf = routing_features(s)
    assert rf.goal_head == "LE.le"
    assert rf.hypotheses == 3 and rf.goals == 1 and rf.metavariables == 0
    assert rf.has_motive is True  # a Nat variable the target mentions
    assert rf.complexity == expr_size(view.target)
    assert set(rf.instances) >= {"instLENat", "instAddNat"} and list(rf.instances) == sorted(rf.instances)


@pytest.mark.parametrize(("statement_text", "script", "head", "motive"), [
    ("∀ n : Nat, n + 0 = n", "", "∀", False),  # no context variable yet
    ("∀ n : Nat, n + 0 = n", "intro n", "Eq", True),
    ("∀ b : Bool, b = b", "intro b", "Eq", False),  # Bool is not recursive
    ("∀ n : Nat, True", "intro n", "True", False),  # n is not mentioned
    ("∀ p q : Prop, p → q → p", "intro p q hp hq", "local", False),
    ("∀ p : Prop, ¬ p → ¬ p", "intro p h", "Not", False),
    ("∀ a b : Nat, a < b", "intro a b", "LT.lt", True),
])
def test_routing_heads_and_motives(statement_text: str, script: str, head: str, motive: bool) -> None:
    rf = routing_features(state(statement_text, script))
    assert rf.goal_head == head
    assert rf.has_motive is motive


def test_routing_features_count_metavariables_and_goals() -> None:
    s = state("∀ a b c : Nat, a ≤ b → b ≤ c → a ≤ c", "intro a b c h1 h2\napply Nat.le_trans")
    goals = s.focus_goals()
    by_goal = [routing_features(s, g) for g in goals]
    assert [rf.goals for rf in by_goal] == [3, 3, 3]
    assert [rf.hypotheses for rf in by_goal] == [5, 5, 5]
    assert by_goal[0].goal_head == "Nat" and by_goal[0].metavariables == 0  # the witness ?m : Nat
    assert by_goal[1].goal_head == "LE.le" and by_goal[1].metavariables == 1  # a ≤ ?m
    assert by_goal[2].metavariables == 1  # ?m ≤ c
    assert routing_features(s) == by_goal[0]  # default: the main goal


def test_routing_instances() -> None:
    rf = routing_features(state("∀ a : Nat, a * 2 = a + a", "intro a"))
    assert rf.instances == ("instAddNat", "instMulNat")
    assert routing_features(state("∀ p : Prop, p → p", "intro p h")).instances == ()


def test_routing_vector_has_the_documented_width() -> None:
    assert RoutingFeatures.WIDTH == len(RoutingFeatures.HEADS) + 8
    heads = len(RoutingFeatures.HEADS)
    for text, script in [("∀ a b : Nat, a ≤ b → a ≤ b + 1", "intro a b h"), ("∀ n : Nat, n + 0 = n", ""),
                         ("∀ a b c : Nat, a ≤ b → b ≤ c → a ≤ c", "intro a b c h1 h2\napply Nat.le_trans")]:
        rf = routing_features(state(text, script))
        v = rf.vector()
        assert len(v) == RoutingFeatures.WIDTH
        assert all(0.0 <= x <= 1.0 for x in v)
        assert sum(v[:heads + 1]) == 1.0  # one head slot (or "other")
        if rf.goal_head in RoutingFeatures.HEADS:
            assert v[RoutingFeatures.HEADS.index(rf.goal_head)] == 1.0
        else:
            assert v[heads] == 1.0
    big = RoutingFeatures("Nat", 1000, 100, 100, 100, True, ("a", "b", "c", "d", "e"))
    assert big.vector()[heads:] == [1.0] * 8  # every count is clamped to 1
    small = RoutingFeatures("Eq", 32, 4, 2, 1, False, ("i",))
    assert small.vector()[heads:] == [0.0, 0.5, 0.25, 0.25, 0.25, 0.0, 0.25, 1.0]
