"""Core syntax, the effect signature and proof states: data invariants."""

from __future__ import annotations

import attrs
import pytest

from tactic_mesh.calculus import effects
from tactic_mesh.calculus.state import ProofState, Provenance, Visibility
from tactic_mesh.calculus.terms import (
    TERM_CLASSES,
    VALUE_CLASSES,
    Bind,
    Choice,
    Contract,
    Fail,
    Fix,
    Focus,
    Foreign,
    Handle,
    Op,
    Policy,
    Pure,
    Rec,
    Scoped,
    Term,
    Value,
    VExpr,
    VGoal,
    VList,
    VName,
    VNum,
    VRecord,
    VStr,
    VSurface,
    VSuspension,
    VUnit,
    VVar,
    free_value_vars,
    seq,
)
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.expr import Const, MVar
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term

SAMPLE_VALUES: list[Value] = [
    VUnit(),
    VExpr(Const("Nat.zero")),
    VGoal("cp0:1"),
    VName("h"),
    VNum(3),
    VStr("x"),
    VSurface("n + 0"),
    VList((VNum(1), VVar("x"))),
    VRecord((("k", VNum(1)),)),
    VVar("x"),
    VSuspension(None),
]
SAMPLE_TERMS: list[Term] = [
    Pure(VNum(1)),
    Fail(VStr("no")),
    Bind("x", Op("ViewActiveObligations"), Pure(VVar("x"))),
    Choice(Policy.BACKTRACK, (Pure(), Fail())),
    Scoped("checkpoint", Pure()),
    Focus("main", Pure()),
    Handle("kernel", Pure()),
    Fix("loop", Choice(Policy.COMMIT, (Rec("loop"), Pure()))),
    Rec("loop"),
    Op("Elaborate", (VSurface("rfl"), VUnit())),
    Foreign("z3", VStr("(assert true)"), Contract(frozenset({"CheckWitness"}), replay_codec="smt-proof")),
]


def test_samples_cover_every_node_class() -> None:
    """Meta-test: a new term or value class must get a sample (and so the invariants below)."""
    assert {type(t) for t in SAMPLE_TERMS} == set(TERM_CLASSES)
    assert {type(v) for v in SAMPLE_VALUES} == set(VALUE_CLASSES)
    ours = lambda classes: {c for c in classes if c.__module__.startswith("tactic_mesh.")}  # noqa: E731
    assert ours(Term.__subclasses__()) == set(TERM_CLASSES)  # tests may define their own
    assert ours(Value.__subclasses__()) == set(VALUE_CLASSES)


@pytest.mark.parametrize("node", SAMPLE_TERMS + SAMPLE_VALUES, ids=lambda n: type(n).__name__)
def test_rebuild_invariant(node: Term | Value) -> None:
    assert type(node)(*node.args()) == node
    assert hash(type(node)(*node.args())) == hash(node)


def test_programs_are_immutable_data() -> None:
    t = Bind("x", Pure(), Pure())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        t.var = "y"  # type: ignore[misc]
    assert Bind("x", Pure(), Pure()) == t and {t: 1}[Bind("x", Pure(), Pure())] == 1


def test_free_value_variables() -> None:
    assert free_value_vars(Bind("x", Pure(), Pure(VVar("x")))) == set()
    assert free_value_vars(Bind("x", Pure(VVar("y")), Pure(VList((VVar("x"), VVar("z")))))) == {"y", "z"}
    assert free_value_vars(seq(Pure(), Pure(VVar("a")))) == {"a"}


def test_effect_signature_matches_the_design() -> None:
    groups = {
        effects.Group.INSPECTION: {"ViewActiveObligations", "ReadObligation", "ReadLocalContext",
                                   "ReadMetavarGraph", "ReadConstraintStore", "ReadEnvironment", "PreviewAssign"},
        effects.Group.CONSTRUCTION: {"FreshMetavar", "SpawnObligations", "AssignMetavar",
                                     "RegisterResidualBuilder"},
        effects.Group.ELABORATION: {"Elaborate", "Normalize", "Unify", "Rewrite", "SynthesizeInstance",
                                    "CheckWitness"},
        effects.Group.CONTROL: {"Checkpoint", "Rollback", "Backtrack", "Cut", "ConsumeFuel"},
        effects.Group.PROVENANCE: {"ReadProvenance", "RequireReplayCompatibility"},
    }
    for group, names in groups.items():
        assert {s.name for s in effects.SIGNATURE if s.group is group} == names
    assert len(effects.SPECS) == len(effects.SIGNATURE)
    assert all(not s.writes for s in effects.SIGNATURE if s.group is effects.Group.INSPECTION)
    assert effects.spec("Rollback").backtracks
    with pytest.raises(KeyError, match="unknown operation 'Frobnicate'"):
        effects.spec("Frobnicate")


def test_initial_proof_state() -> None:
    env = prelude()
    statement, _ = elaborate_closed(env, parse_term("∀ n : Nat, n + 0 = n"))
    state = ProofState.initial(env, statement)
    (goal,) = state.goals()
    assert goal.target_type is statement and goal.visibility is Visibility.VISIBLE
    assert goal.obligation_id == f"cp0:{goal.mvar}"
    assert isinstance(state.partial_term, MVar) and state.open_holes() == [state.partial_term]
    assert not state.is_complete
    assert goal.provenance_ref == state.provenance.digest()


def test_provenance_mismatch_names_the_field() -> None:
    env = prelude()
    a = Provenance.of(env)
    assert a.mismatch(Provenance.of(env)) is None
    b = Provenance.of(env, (("fuel", "10"),))
    assert b.mismatch(a) == ("options", (("fuel", "10"),), ())


def test_deep_programs_compare_and_hash_without_recursion() -> None:
    def chain(n: int, last: int) -> Term:
        t: Term = Pure(VNum(last))
        for i in range(n):
            t = Bind(f"x{i % 7}", Op("Inc", (VNum(i),)), t)
        return t

    a, b, c = chain(100_000, 1), chain(100_000, 1), chain(100_000, 2)
    assert a == b and hash(a) == hash(b)
    assert a != c and not (a == c)
    assert len({a, b, c}) == 2
    # structure, not just the leaves, decides
    assert Choice(Policy.COMMIT, (Pure(), Fail())) != Choice(Policy.COMMIT, (Fail(), Pure()))
    assert Choice(Policy.COMMIT, (Pure(),)) != Choice(Policy.BACKTRACK, (Pure(),))
    assert Pure(VNum(1)) != VNum(1)
