"""JSON codecs: property round trips of generated expressions and programs, deep and long inputs,
ids and the fresh-id counter, sharing, proof states with checkpoints and every metavariable-context
field, provenance and schema checks, and coverage of every node class."""

from __future__ import annotations

import gzip

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from immutables import Map
from program_strategies import ANY_CHAR, derandomized, programs

from tactic_mesh.calculus.combinators import intro, refine
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState, Provenance
from tactic_mesh.calculus.steppack import CouplingKind
from tactic_mesh.calculus.terms import (
    TERM_CLASSES,
    VALUE_CLASSES,
    Op,
    Policy,
    Pure,
    Term,
    Value,
    VExpr,
    VGoal,
    VList,
    VNum,
    VRecord,
    VSurface,
    VSuspension,
    VUnit,
    seq,
)
from tactic_mesh.codecs import json_envelope as je
from tactic_mesh.codecs.json_artifacts import KernelExpr
from tactic_mesh.codecs.json_base import CodecError
from tactic_mesh.codecs.json_envelope import (
    KINDS,
    Kind,
    decode,
    dump_gz,
    dumps,
    encode,
    load_gz,
    loads,
    read_document,
    register_kind,
)
from tactic_mesh.codecs.json_expr import EXPR_SHAPES, LEVEL_SHAPES
from tactic_mesh.codecs.json_program import TERM_SHAPES, TERM_TAG, VALUE_SHAPES, VALUE_TAG
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import (
    NODE_CLASSES,
    PROP,
    App,
    BinderInfo,
    BVar,
    Const,
    Expr,
    FVar,
    Lam,
    Let,
    MVar,
    NatLit,
    Pi,
    Sort,
    expr_size,
    fresh_id,
)
from tactic_mesh.kernel.local_context import LocalContext
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term

SETTINGS = derandomized(200)
PROV = Provenance("tactic-mesh-kernel/test", "0" * 64, (("a", "1"), ("b", "2")))
ENV = prelude()

# ---------------------------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------------------------

NASTY = ["", " ", "x", "h₁", "α", "Nat.add_comm", '"', "\\", "\n", "\x00", "\x7f", "\u2028", "\ufeff", "\ud800",
         "\udfff", "\ud83d\ude00", "😀", "\U0010ffff", "[", "]", "{", "}", '{"a": 1}', "-- x", "0", "-1"]  # fmt: skip
TEXT = st.one_of(st.text(ANY_CHAR, max_size=10), st.sampled_from(NASTY))
IDS = st.one_of(st.integers(0, 50), st.integers(0, 2**40))  # decoding moves the process-wide counter
BIG = st.one_of(
    st.integers(),
    st.sampled_from([2**53 - 1, 2**53, -(2**53) + 1, -(2**53), 2**64]),
    st.tuples(st.sampled_from([-1, 1]), st.integers(4290, 6000)).map(lambda p: p[0] * 10 ** p[1] + 7),
)
NATS = st.one_of(st.integers(0, 2**70), st.integers(4290, 6000).map(lambda k: 10**k + 3))

# built with `map`, not `builds`: hypothesis would otherwise render the (DAG-shaped, exponentially
# long) repr of every drawn expression
LEVELS: st.SearchStrategy[lv.Level] = st.recursive(
    st.one_of(st.just(lv.ZERO), st.sampled_from(["u", "v", "w", ""]).map(lv.LParam), IDS.map(lv.LMVar)),
    lambda inner: st.one_of(
        inner.map(lv.LSucc),
        st.tuples(inner, inner).map(lambda p: lv.LMax(*p)),
        st.tuples(inner, inner).map(lambda p: lv.LIMax(*p)),
    ),
    max_leaves=6,
)
LEAF_EXPRS: st.SearchStrategy[Expr] = st.one_of(
    st.integers(0, 6).map(BVar),
    IDS.map(FVar),
    IDS.map(MVar),
    LEVELS.map(Sort),
    st.tuples(TEXT, st.lists(LEVELS, max_size=3)).map(lambda p: Const(p[0], tuple(p[1]))),
    NATS.map(NatLit),
)
BINDERS = st.sampled_from(BinderInfo)
EXPRS: st.SearchStrategy[Expr] = st.recursive(
    LEAF_EXPRS,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: App(*p)),
        st.tuples(TEXT, inner, inner, BINDERS).map(lambda p: Lam(*p)),
        st.tuples(TEXT, inner, inner, BINDERS).map(lambda p: Pi(*p)),
        st.tuples(TEXT, inner, inner, inner).map(lambda p: Let(*p)),
    ),
    max_leaves=20,
)

COUNTS = st.one_of(st.none(), BIG)
VALUES, _, TERMS = programs(TEXT, TEXT, BIG, COUNTS, exprs=EXPRS, value_leaves=8, term_leaves=12)

# ---------------------------------------------------------------------------------------------
# generated round trips
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(EXPRS, st.lists(st.sampled_from(["u", "v", "w"]), max_size=3, unique=True).map(tuple))
def test_expr_round_trip(e: Expr, params: tuple[str, ...]) -> None:
    ke = KernelExpr(e, params)
    doc = encode("expr", ke, PROV)
    back = decode(doc, "expr", expect_provenance=PROV)
    assert back == ke and back.expr is e  # rebuilt through the constructors: hash-consed
    assert loads(dumps("expr", ke, PROV), "expr") == ke
    assert encode("expr", back, PROV) == doc
    assert len(doc["body"]["tables"]["exprs"]) == expr_size(e)  # type: ignore[index]


@SETTINGS
@given(TERMS)
def test_program_round_trip(t: Term) -> None:
    doc = encode("program", t, PROV)
    back = decode(doc, "program")
    assert back == t
    assert encode("program", back, PROV) == doc  # canonical
    assert loads(dumps("program", t, PROV), "program") == t


@settings(SETTINGS, max_examples=60)
@given(TERMS)
def test_program_round_trip_gzip(t: Term) -> None:
    assert load_gz(dump_gz("program", t, PROV), "program", expect_provenance=PROV) == t


def test_plain_expr_is_wrapped_with_its_universe_parameters() -> None:
    e = Const("List.nil", (lv.LParam("v"),))
    e = App(e, Sort(lv.LSucc(lv.LParam("u"))))
    assert decode(encode("expr", e, PROV), "expr") == KernelExpr(e, ("u", "v"))


def test_equal_subprograms_are_stored_once() -> None:
    a = Op("Elaborate", (VSurface("rfl"), VGoal("main")))
    b = Op("Elaborate", (VSurface("rfl"), VGoal("main")))  # equal, not identical
    doc = encode("program", seq(a, b, Pure(VGoal("main"))), PROV)
    tables = doc["body"]["tables"]  # type: ignore[index]
    assert [n[0] for n in tables["terms"]] == ["op", "pure", "bind", "bind"]
    assert len(tables["values"]) == 2  # VSurface("rfl"), VGoal("main")


# ---------------------------------------------------------------------------------------------
# deep and long inputs (no recursion anywhere)
# ---------------------------------------------------------------------------------------------

DEPTH = 100_000


def test_expression_100000_deep() -> None:
    e: Expr = PROP
    for i in range(DEPTH):
        e = Lam("x", PROP, App(e, BVar(0))) if i % 2 else Pi("y", e, BVar(0), BinderInfo.IMPLICIT)
    text = dumps("expr", e, PROV)
    assert loads(text, "expr").expr is e
    assert load_gz(gzip.compress(text.encode()), "expr").expr is e


def test_bind_chain_100000_long() -> None:
    program = seq(*[Op("Inc", (VNum(i % 7),)) for i in range(DEPTH)], Pure(VNum(DEPTH)))
    back = loads(dumps("program", program, PROV), "program")
    assert back == program


def test_nested_values_100000_deep() -> None:
    v: Value = VUnit()
    for i in range(DEPTH):
        v = VList((v,)) if i % 2 else VRecord((("k", v),))
    doc = encode("program", Pure(v), PROV)
    back = decode(doc, "program")
    # attrs equality of values recurses (not the codec's business): compare canonical documents
    assert encode("program", back, PROV) == doc
    depth, cur = 0, back.value
    while not isinstance(cur, VUnit):
        cur = cur.items[0] if isinstance(cur, VList) else cur.fields[0][1]
        depth += 1
    assert depth == DEPTH


def test_big_nat_literals_and_integers() -> None:
    n = 7 ** 60_000  # about 50 700 digits, beyond Python's default int/str limit
    ke = KernelExpr(App(NatLit(n), NatLit(0)))
    assert decode(encode("expr", ke, PROV), "expr") == ke
    t = Pure(VList((VNum(-n), VNum(2**53), VNum(-(2**53) + 1))))
    values = encode("program", t, PROV)["body"]["tables"]["values"]  # type: ignore[index]
    assert values[0][1].startswith("-") and len(values[0][1]) > 50_000  # a decimal string
    assert values[1][1] == "9007199254740992" and values[2][1] == -(2**53) + 1
    assert loads(dumps("program", t, PROV), "program") == t


# ---------------------------------------------------------------------------------------------
# ids
# ---------------------------------------------------------------------------------------------


def test_ids_are_kept_and_the_fresh_counter_moves_past_them() -> None:
    big = fresh_id() + 10**12
    e = App(FVar(big), MVar(big + 5))
    back = decode(encode("expr", e, PROV), "expr")
    assert back.expr is e
    assert fresh_id() > big + 5
    level_big = fresh_id() + 10**9
    decode(encode("expr", Sort(lv.LMVar(level_big)), PROV), "expr")
    assert fresh_id() > level_big


def test_a_failed_decode_does_not_move_the_counter() -> None:
    doc = encode("expr", FVar(fresh_id() + 10**15), PROV)
    doc["version"] = 99
    before = fresh_id()
    with pytest.raises(CodecError):
        decode(doc, "expr")
    assert fresh_id() < before + 10**15


# ---------------------------------------------------------------------------------------------
# proof states: checkpoints, masks, every metavariable-context field
# ---------------------------------------------------------------------------------------------


def _statement(text: str) -> Expr:
    return elaborate_closed(ENV, parse_term(text))[0]


def _run(statement: str, program: Term) -> ProofState:
    result = Machine({"kernel": KernelHandler()}).first(program, ProofState.initial(ENV, _statement(statement)),
                                                        ["kernel"])  # fmt: skip
    assert isinstance(result, Success), result
    return result.state


def test_states_with_checkpoints_share_saved_states() -> None:
    state = _run("∀ p q : Prop, p → q → p ∧ q", seq(
        Op("Checkpoint"), intro("p", "q", "hp", "hq"), Op("Checkpoint"), refine("⟨?_, ?_⟩"), Op("Checkpoint"),
        refine("hp"), Op("Rollback", (VNum(2),)), Op("Checkpoint"),
    ))  # fmt: skip
    assert len(state.saved) == 4 and state.saved[1].saved[0] is state.saved[0]
    doc = encode("state", state)
    assert len(doc["body"]["tables"]["states"]) == 5  # type: ignore[index]  # every saved state once
    back = decode(doc, "state", env=ENV)
    assert back == state
    assert back.saved[1].saved[0] is back.saved[0]  # sharing survives
    assert load_gz(dump_gz("state", state), "state", env=ENV) == state


def test_every_metavariable_context_field_round_trips() -> None:
    state = _run("∃ x : Nat, x + 1 = 4", refine("⟨?w, ?_⟩"))
    mctx = state.metavar_graph
    mctx, d = mctx.declare(PROP, LocalContext(), MVarKind.SYNTHETIC, "d")
    lctx, x = LocalContext().mk_local("x", PROP)
    mctx, p = mctx.declare(PROP, lctx, MVarKind.NATURAL, "pending")
    mctx = mctx.assign_delayed(d, [x], p)
    mctx, u = mctx.declare_level()
    mctx, v = mctx.declare_level()
    mctx = mctx.assign_level(u, lv.LSucc(lv.ZERO)).postpone_level(lv.LMax(v, lv.ZERO), lv.LIMax(v, u))
    state = attrs.evolve(
        state, metavar_graph=mctx, masked=frozenset(state.active_obligations[:1]), checkpoint=3,
        options=(("z", "1"), ("a", "2")), level_params=("u", "v"), focus=state.active_obligations[::-1],
    )  # fmt: skip
    assert state.steps and state.steps[-1].coupling.kind is CouplingKind.COUPLED
    back = decode(encode("state", state), "state", env=ENV)
    assert back == state
    assert back.metavar_graph.delayed == mctx.delayed and back.metavar_graph.postponed_levels == mctx.postponed_levels


def test_local_definitions_keep_their_values() -> None:
    lctx, _ = LocalContext().mk_local("n", Const("Nat"), NatLit(5), BinderInfo.INST_IMPLICIT)
    mctx, m = MetavarContext().declare(PROP, lctx, MVarKind.SYNTHETIC_OPAQUE, "g")
    ke = KernelExpr(App(m, m))
    doc = read_document(encode("expr", ke, PROV, mctx=mctx.decls), "expr")
    assert doc.value == ke and doc.holes == Map({m.id: mctx.decl(m)})
    assert doc.holes[m.id].lctx.decls[0].value == NatLit(5)


# ---------------------------------------------------------------------------------------------
# provenance, schema versions, kinds
# ---------------------------------------------------------------------------------------------


def test_state_needs_the_environment_it_was_made_in() -> None:
    state = _run("True", refine("True.intro"))
    doc = encode("state", state)
    with pytest.raises(CodecError, match="needs the environment"):
        decode(doc, "state")
    from tactic_mesh.kernel.commands import FileChecker
    from tactic_mesh.kernel.deep import run_deep

    checker = FileChecker(ENV)
    run_deep(checker.check_text, "theorem extra : True := True.intro", "x.tm")
    with pytest.raises(CodecError) as info:
        decode(doc, "state", env=checker.env)
    assert info.value.path == "$.provenance.environment_hash"
    assert info.value.expected is not None and info.value.found == repr(state.provenance.environment_hash)


def test_provenance_mismatch_is_reported_field_by_field() -> None:
    doc = encode("program", Pure(), PROV)
    other = Provenance(PROV.kernel_version, "f" * 64, ())
    with pytest.raises(CodecError) as info:
        decode(doc, "program", expect_provenance=other)
    err = info.value
    assert err.path == "$.provenance.environment_hash"
    assert "environment_hash: expected 'ffff" in err.message and "options: expected ()" in err.message
    assert "kernel_version" not in err.message


def test_newer_versions_unknown_and_wrong_kinds_are_rejected() -> None:
    doc = encode("program", Pure(), PROV)
    with pytest.raises(CodecError, match=r"\$\.version: newer schema version .*expected version ≤ 1, found 2"):
        decode({**doc, "version": 2}, "program")
    with pytest.raises(CodecError, match=r"\$\.schema: unknown document kind"):
        decode({**doc, "schema": "tactic-mesh/no-such-kind"}, "program")
    with pytest.raises(CodecError, match=r"\$\.schema: wrong document kind: expected 'tactic-mesh/state'"):
        decode(doc, "state")
    with pytest.raises(CodecError, match=r"\$\.version: invalid schema version"):
        decode({**doc, "version": 0}, "program")
    assert read_document(doc).kind == "program"


def test_runtime_values_and_wrong_payloads_are_refused_when_encoding() -> None:
    with pytest.raises(CodecError, match="runtime-only"):
        encode("program", Pure(VSuspension(object())), PROV)
    with pytest.raises(CodecError, match="wrong value for this kind"):
        encode("state", Pure(), PROV)
    with pytest.raises(CodecError, match="unknown document kind"):
        encode("no-such-kind", Pure(), PROV)
    with pytest.raises(CodecError, match="provenance is required"):
        encode("program", Pure())
    with pytest.raises(CodecError, match="not an integer"):
        encode("program", Pure(VNum(True)), PROV)  # a bool is not a number
    assert issubclass(CodecError, TacticMeshError)


def test_the_kind_registry_is_extensible() -> None:
    @attrs.frozen
    class Pair:
        left: Expr
        right: Term

    def write(w: je.Writer, p: Pair) -> object:
        return {"left": w.expr(p.left), "right": w.term(p.right)}

    def read(r: je.Reader, raw: object, path: object) -> Pair:
        assert isinstance(raw, dict)
        return Pair(r.expr(raw["left"], "$.body.root.left"), r.term(raw["right"], "$.body.root.right"))

    register_kind(Kind("test-pair", 1, Pair, write, read))  # type: ignore[arg-type]
    try:
        value = Pair(App(Const("f"), NatLit(1)), Pure(VExpr(NatLit(1))))
        doc = encode("test-pair", value, PROV)
        assert doc["body"]["tables"]["exprs"] == [["const", "f", []], ["natlit", "1"], ["app", 0, 1]]  # type: ignore[index]
        assert decode(doc, "test-pair") == value
    finally:
        del KINDS["test-pair"]


# ---------------------------------------------------------------------------------------------
# coverage: every node class and enum member has a codec (sympy-style meta-test)
# ---------------------------------------------------------------------------------------------


def test_every_node_class_is_covered() -> None:
    expr_tags = {BVar: "bvar", FVar: "fvar", MVar: "mvar", Sort: "sort", Const: "const", App: "app", Lam: "lam",
                 Pi: "pi", Let: "let", NatLit: "natlit"}  # fmt: skip
    assert set(NODE_CLASSES) == set(expr_tags) and set(expr_tags.values()) == set(EXPR_SHAPES)
    assert set(LEVEL_SHAPES) == {"zero", "succ", "max", "imax", "param", "mvar"}
    assert set(TERM_CLASSES) == set(TERM_TAG) and set(TERM_TAG.values()) == set(TERM_SHAPES)
    assert set(VALUE_CLASSES) - {VSuspension} == set(VALUE_TAG) and set(VALUE_TAG.values()) == set(VALUE_SHAPES)
    from tactic_mesh.codecs.json_expr import BINDER_INFOS, MVAR_KINDS
    from tactic_mesh.codecs.json_program import POLICIES
    from tactic_mesh.codecs.json_state import COUPLING_KINDS

    for table, enum in ((BINDER_INFOS, BinderInfo), (MVAR_KINDS, MVarKind), (POLICIES, Policy),
                        (COUPLING_KINDS, CouplingKind)):  # fmt: skip
        assert set(table.values()) == set(enum)
    assert set(KINDS) >= {"program", "expr", "state", "steppack", "certificate", "trace"}


def test_states_compare_their_environment_by_identity() -> None:
    """``Environment`` has no structural equality: a state decoded against an equal but distinct
    environment (same hash) differs from the original only in that field."""
    from tactic_mesh.kernel.environment import Unsafe

    state = _run("True", refine("True.intro"))
    twin = Unsafe.add_checked(ENV, ())  # the same constants, another object
    back = decode(encode("state", state), "state", env=twin)
    assert back != state and back.environment is twin
    assert attrs.evolve(back, environment=ENV) == state


def test_an_envelope_that_disagrees_with_its_state_is_rejected() -> None:
    state = _run("∀ p : Prop, p → p", Pure())
    doc = encode("state", state)
    doc["provenance"]["kernel_version"] = "other"  # type: ignore[index]
    with pytest.raises(CodecError) as info:
        decode(doc, "state", env=state.environment)
    assert "$.provenance" in str(info.value) and "kernel_version" in str(info.value)
