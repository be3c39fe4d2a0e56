"""Hostile input to the JSON codecs: every malformed document ends in a ``CodecError`` naming a
JSON path (never another exception, never the decoder's internal safety net), in bounded time and
memory — mutated valid documents (hypothesis), truncated and corrupt gzip, zip bombs, wrong JSON
types, 10^6-deep nesting, 100 MB strings, duplicate and dangling table entries, resource limits."""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactic_mesh.calculus.combinators import intro, refine
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState, Provenance
from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Contract,
    Foreign,
    Op,
    Policy,
    Pure,
    VExpr,
    VList,
    VNum,
    VRecord,
    VStr,
    seq,
)
from tactic_mesh.codecs.json_artifacts import KernelCertificate, KernelExpr, ProofTrace
from tactic_mesh.codecs.json_base import CodecError, Limits
from tactic_mesh.codecs.json_envelope import decode, dump_gz, dumps, encode, load_gz, loads, read_document
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.expr import App, Const, Lam, MVar, NatLit
from tactic_mesh.kernel.local_context import LocalContext
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
ENV = prelude()
PROV = Provenance.of(ENV)


def _state() -> ProofState:
    goal = elaborate_closed(ENV, parse_term("∀ p q : Prop, p → q → p ∧ q"))[0]
    program = seq(intro("p", "q", "hp", "hq"), Op("Checkpoint"), refine("⟨?_, ?_⟩"), refine("hp"))
    result = Machine({"kernel": KernelHandler()}).first(program, ProofState.initial(ENV, goal), ["kernel"])
    assert isinstance(result, Success)
    return result.state


STATE = _state()
MCTX, HOLE = MetavarContext().declare(Const("Nat"), LocalContext().mk_local("n", Const("Nat"))[0],
                                      MVarKind.SYNTHETIC_OPAQUE, "g")  # fmt: skip
PROGRAM = Bind("x", Choice(Policy.FAIR, (Pure(VNum(2**60)), Op("Elaborate", (VStr("rfl"),)))),
               Foreign("z3", VRecord((("goal", VList((VExpr(App(Const("f"), NatLit(3))),))),)),
                       Contract(frozenset({"Unify", "Elaborate"}), 1, None, "smt2", "steps", True)))  # fmt: skip
VALID: dict[str, dict[str, object]] = {
    "state": encode("state", STATE),
    "program": encode("program", PROGRAM, PROV),
    "expr": encode("expr", KernelExpr(Lam("x", Const("Nat"), App(HOLE, NatLit(10**20)))), PROV, mctx=MCTX.decls),
    "trace": encode("trace", ProofTrace(STATE.steps, STATE.proof_term()), PROV),
    "certificate": encode("certificate", KernelCertificate(Const("True"), Const("True.intro"), ("u",), PROV)),
}


def _decode(doc: object, kind: str, **kwargs: object) -> object:
    env = ENV if kind == "state" else None
    return decode(doc, kind, env=env, **kwargs)  # type: ignore[arg-type]


def _rejected(fn: Callable[[], object]) -> CodecError:
    with pytest.raises(CodecError) as info:
        fn()
    err = info.value
    assert err.path.startswith("$"), err
    assert not err.internal, f"the decoder's safety net caught a bug: {err}"
    return err


def test_the_valid_documents_decode() -> None:
    for kind, doc in VALID.items():
        value = _decode(doc, kind)
        assert encode(kind, value, PROV if kind != "state" else None,
                      mctx=MCTX.decls if kind == "expr" else None) == doc  # fmt: skip


# ---------------------------------------------------------------------------------------------
# mutations of valid documents
# ---------------------------------------------------------------------------------------------

JsonPath = tuple[str | int, ...]


def _paths(doc: object) -> Iterator[JsonPath]:
    stack: list[tuple[JsonPath, object]] = [((), doc)]
    while stack:
        path, node = stack.pop()
        yield path
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node))


def _parent(doc: object, path: JsonPath) -> tuple[object, str | int]:
    node = doc
    for key in path[:-1]:
        node = node[key]  # type: ignore[index]
    return node, path[-1]


REPLACEMENTS: list[object] = [None, True, False, 0, 1, -1, 2, 7, 10**6, 2**53, -(2**53), 1.5, "", "x", "app",
                              "natlit", "999", "\uffff", [], [0], ["app", 0, 0], {}, {"kind": 1}]  # fmt: skip
MUTATIONS = ("drop", "retype", "duplicate", "kind", "rename", "bump")


def _mutate(doc: dict[str, object], data: st.DataObject) -> dict[str, object]:
    out = copy.deepcopy(doc)
    paths = [p for p in _paths(out) if p]
    path = data.draw(st.sampled_from(paths))
    parent, key = _parent(out, path)
    how = data.draw(st.sampled_from(MUTATIONS))
    if how == "drop":
        del parent[key]  # type: ignore[attr-defined]
    elif how == "retype":
        parent[key] = data.draw(st.sampled_from(REPLACEMENTS))  # type: ignore[index]
    elif how == "duplicate":
        if isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))  # type: ignore[arg-type]
        else:
            assert isinstance(parent, dict)
            parent[f"{key}_copy"] = copy.deepcopy(parent[key])
    elif how == "kind":
        new = data.draw(st.sampled_from(["app", "lam", "pi", "let", "const", "bvar", "fvar", "mvar", "sort", "natlit",
                                         "succ", "max", "zero", "param", "pure", "bind", "op", "foreign", "list",
                                         "record", "num", "unit", "Proj", "tactic-mesh/state", "tactic-mesh/trace",
                                         "tactic-mesh/x"]))  # fmt: skip
        parent[key] = new  # type: ignore[index]
    elif how == "rename" and isinstance(parent, dict):
        parent[f"{key}x"] = parent.pop(key)
    else:
        value = parent[key]  # type: ignore[index]
        if type(value) is int:
            parent[key] = value + data.draw(st.sampled_from([-1, 1, 100, -(10**6), 10**30]))  # type: ignore[index]
    return out


@SETTINGS
@given(st.sampled_from(sorted(VALID)), st.data())
def test_mutated_documents_decode_or_are_rejected_with_a_path(kind: str, data: st.DataObject) -> None:
    doc = _mutate(VALID[kind], data)
    try:
        read = read_document(doc, None, env=ENV)
    except CodecError as err:
        assert err.path.startswith("$") and not err.internal, err
        return
    # accepted (e.g. a renamed binder): it is a value that round-trips on its own
    again = read_document(encode(read.kind, read.value, read.provenance, mctx=read.holes), read.kind, env=ENV)
    assert encode(read.kind, again.value, read.provenance) == encode(read.kind, read.value, read.provenance)


@SETTINGS
@given(st.sampled_from(sorted(VALID)), st.data())
def test_mutated_texts_are_rejected_with_a_path(kind: str, data: st.DataObject) -> None:
    """Character-level damage: truncation, a deleted or inserted character."""
    text = json.dumps(VALID[kind])
    i = data.draw(st.integers(0, len(text) - 1))
    how = data.draw(st.sampled_from(["truncate", "delete", "insert"]))
    if how == "truncate":
        damaged = text[:i]
    elif how == "delete":
        damaged = text[:i] + text[i + 1:]
    else:
        damaged = text[:i] + data.draw(st.sampled_from(list('[]{}",:0-9a\\ '))) + text[i:]
    try:
        loads(damaged, kind, env=ENV if kind == "state" else None)
    except CodecError as err:
        assert err.path.startswith("$") and not err.internal, err


# ---------------------------------------------------------------------------------------------
# gzip
# ---------------------------------------------------------------------------------------------


def test_truncated_gzip_is_rejected() -> None:
    data = dump_gz("state", STATE)
    assert load_gz(data, "state", env=ENV) == STATE
    for n in sorted({0, 1, 2, 5, 10, 20, len(data) // 3, len(data) // 2, len(data) - 9, len(data) - 4,
                     len(data) - 1}):  # fmt: skip
        err = _rejected(lambda n=n: load_gz(data[:n], "state", env=ENV))  # type: ignore[misc]
        assert "gzip" in err.message


def test_corrupt_gzip_is_rejected_or_harmless() -> None:
    data = dump_gz("program", PROGRAM, PROV)
    for i in range(0, len(data), max(1, len(data) // 97)):
        damaged = data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1:]
        try:
            assert load_gz(damaged, "program") == PROGRAM  # e.g. the header's OS byte
        except CodecError as err:
            assert err.path.startswith("$") and not err.internal


def test_gzip_bombs_stop_at_the_size_limit() -> None:
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
    err = _rejected(lambda: load_gz(bomb, "program", limits=Limits(max_document_chars=1024 * 1024)))
    assert "document too large" in err.message


def test_gzip_framing_errors() -> None:
    data = dump_gz("program", PROGRAM, PROV)
    assert "trailing data" in _rejected(lambda: load_gz(data + b"garbage", "program")).message
    assert "not gzip" in _rejected(lambda: load_gz(b"{}", "program")).message
    assert "wrong input type" in _rejected(lambda: load_gz("text", "program")).message  # type: ignore[arg-type]
    # two gzip members decompress to two documents back to back: not one JSON document
    assert "Extra data" in str(_rejected(lambda: load_gz(data + data, "program")))
    invalid_utf8 = gzip.compress(b'{"schema": "\xff"}')
    assert "UTF-8" in _rejected(lambda: load_gz(invalid_utf8, "program")).message


# ---------------------------------------------------------------------------------------------
# JSON text: types, nesting, strings, numbers, duplicate keys
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "null", "1", "1.5", '"x"', "[]", "{}", "true", "[{}]", '{"schema": 1}',
                                  "NaN", "-Infinity", "{'a': 1}", "\ufeff{}", "\x00"])  # fmt: skip
def test_wrong_json_is_rejected(text: str) -> None:
    _rejected(lambda: loads(text, "program"))


@pytest.mark.parametrize("value", [
    None, [], 1, "doc", b"{}", {"schema": "tactic-mesh/program"}, {1: 2},
    {"schema": "tactic-mesh/program", "version": 1, "provenance": {}, "body": {}},
])
def test_wrong_python_values_are_rejected(value: object) -> None:
    _rejected(lambda: decode(value, "program"))


@pytest.mark.parametrize("opening", ["[", '{"a":', '[{"a":[', " [ "])
def test_million_deep_nesting_is_rejected_before_parsing(opening: str) -> None:
    text = opening * 1_000_000
    err = _rejected(lambda: loads(text, "program"))
    assert "nesting too deep" in err.message and "offset" in err.path


def test_deep_nesting_inside_a_valid_document() -> None:
    text = dumps("program", PROGRAM, PROV)
    deep = text.replace('"root":{', '"root":{"deep":' + "[" * 20_000 + "]" * 20_000 + ",", 1)
    _rejected(lambda: loads(deep, "program"))
    # brackets inside strings do not count
    name = "[" * 50_000
    assert loads(dumps("program", Op(name), PROV), "program") == Op(name)


def test_hundred_megabyte_strings_are_rejected() -> None:
    huge = "x" * (100 * 1024 * 1024)
    text = dumps("program", Pure(VStr("small")), PROV).replace('"small"', f'"{huge}"')
    err = _rejected(lambda: loads(text, "program"))
    assert "string too long" in err.message and "offset" in err.path
    doc = encode("program", Pure(VStr(huge)), PROV)  # an already-parsed document
    err = _rejected(lambda: decode(doc, "program"))
    assert err.path == "$.body.tables.values[0][1]"


def test_limits_are_configurable() -> None:
    text = dumps("state", STATE)
    assert "document too large" in _rejected(lambda: loads(text, "state", env=ENV,
                                                           limits=Limits(max_document_chars=100))).message
    assert "string too long" in _rejected(lambda: loads(text, "state", env=ENV,
                                                        limits=Limits(max_string_chars=10))).message
    assert "nesting too deep" in _rejected(lambda: loads(text, "state", env=ENV, limits=Limits(max_depth=3))).message
    big = dumps("expr", NatLit(10**300), PROV)
    assert "number too long" in _rejected(lambda: loads(big, "expr", limits=Limits(max_nat_digits=100))).message


def test_duplicate_keys_are_rejected() -> None:
    text = dumps("program", PROGRAM, PROV)
    damaged = text.replace('"version":1', '"version":1,"version":1', 1)
    assert "duplicate field" in _rejected(lambda: loads(damaged, "program")).message


def test_numbers_must_be_canonical() -> None:
    doc = encode("program", Pure(VNum(5)), PROV)
    values = doc["body"]["tables"]["values"]  # type: ignore[index]
    for bad, what in [("5", "non-canonical"), (5.0, "wrong type"), (True, "wrong type"), (2**53, "non-canonical"),
                      ("05", "malformed"), ("1e3", "malformed"), ("", "malformed"), ("-", "malformed"),
                      ("١٢٣", "malformed")]:  # fmt: skip
        values[0][1] = bad
        err = _rejected(lambda: decode(doc, "program"))
        assert err.path == "$.body.tables.values[0][1]" and what in err.message, (bad, err)
    huge_int = '{"schema":"tactic-mesh/program","version":' + "9" * 5000 + "}"
    _rejected(lambda: loads(huge_int, "program"))


# ---------------------------------------------------------------------------------------------
# tables: unknown kinds, dangling and forward references, duplicates, unused entries
# ---------------------------------------------------------------------------------------------


def _expr_doc() -> dict[str, object]:
    return copy.deepcopy(VALID["expr"])


def _exprs(doc: dict[str, object]) -> list[list[object]]:
    return doc["body"]["tables"]["exprs"]  # type: ignore[index, no-any-return]


def test_unknown_node_kinds_name_the_path() -> None:
    doc = _expr_doc()
    _exprs(doc)[1][0] = "proj"
    err = _rejected(lambda: decode(doc, "expr"))
    assert err.path == "$.body.tables.exprs[1][0]" and "unknown expression node kind" in err.message
    assert err.found == "string 'proj'" and err.expected is not None and "app" in err.expected
    doc = copy.deepcopy(VALID["program"])
    doc["body"]["tables"]["terms"][0][0] = "loop"  # type: ignore[index]
    assert _rejected(lambda: decode(doc, "program")).path == "$.body.tables.terms[0][0]"


def test_dangling_and_forward_references() -> None:
    doc = _expr_doc()
    app = next(i for i, n in enumerate(_exprs(doc)) if n[0] == "app")
    for bad, what in [(10**6, "dangling reference"), (app, "forward or self reference"),
                      (app + 1, "forward or self reference"), (-1, "dangling reference"), (True, "wrong type"),
                      ("0", "wrong type")]:  # fmt: skip
        d = copy.deepcopy(doc)
        _exprs(d)[app][1] = bad
        err = _rejected(lambda d=d: decode(d, "expr"))  # type: ignore[misc]
        assert err.path == f"$.body.tables.exprs[{app}][1]" and what in err.message, (bad, err)
    d = copy.deepcopy(doc)
    d["body"]["root"]["expr"] = len(_exprs(d))  # type: ignore[index]
    assert _rejected(lambda: decode(d, "expr")).path == "$.body.root.expr"
    d = copy.deepcopy(VALID["state"])
    d["body"]["tables"]["states"][1]["saved"] = [1]  # type: ignore[index]
    assert "forward or self reference" in _rejected(lambda: decode(d, "state", env=ENV)).message


def test_duplicate_and_unused_entries() -> None:
    doc = _expr_doc()
    _exprs(doc).append(copy.deepcopy(_exprs(doc)[0]))
    err = _rejected(lambda: decode(doc, "expr"))
    assert err.path == f"$.body.tables.exprs[{len(_exprs(doc)) - 1}]" and "duplicate expression node" in err.message
    doc = _expr_doc()
    _exprs(doc).append(["natlit", "424242"])
    err = _rejected(lambda: decode(doc, "expr"))
    assert err.path == f"$.body.tables.exprs[{len(_exprs(doc)) - 1}]" and "never referenced" in err.message
    doc = copy.deepcopy(VALID["program"])
    terms = doc["body"]["tables"]["terms"]  # type: ignore[index]
    terms.insert(1, copy.deepcopy(terms[0]))
    assert "duplicate term node" in _rejected(lambda: decode(doc, "program")).message


def test_wrong_field_types_in_records() -> None:
    d = copy.deepcopy(VALID["state"])
    d["body"]["tables"]["states"][0]["checkpoint"] = "0"  # type: ignore[index]
    err = _rejected(lambda: decode(d, "state", env=ENV))
    assert err.path == "$.body.tables.states[0].checkpoint" and err.found == "string '0'"
    d = copy.deepcopy(VALID["state"])
    del d["body"]["tables"]["steps"][0]["coupling"]["kind"]  # type: ignore[index]
    err = _rejected(lambda: decode(d, "state", env=ENV))
    assert err.path == "$.body.tables.steps[0].coupling.kind" and "missing field" in err.message
    d = copy.deepcopy(VALID["state"])
    d["body"]["tables"]["steps"][0]["coupling"]["kind"] = "entangled"  # type: ignore[index]
    assert "unknown CouplingKind" in _rejected(lambda: decode(d, "state", env=ENV)).message
    d = copy.deepcopy(VALID["state"])
    assignments = d["body"]["tables"]["states"][-1]["metavar_graph"]["assignments"]  # type: ignore[index]
    assert len(assignments) >= 2
    assignments.reverse()
    assert "strictly increasing" in _rejected(lambda: decode(d, "state", env=ENV)).message
    d = copy.deepcopy(VALID["certificate"])
    d["body"]["root"]["checked_by"] = "peer"  # type: ignore[index]
    assert "unknown checker" in _rejected(lambda: decode(d, "certificate")).message


def test_malformed_string_escapes() -> None:
    doc = encode("program", Op("a\ud800b"), PROV)
    assert doc["body"]["tables"]["terms"][0][1] == "a\uffffd800b"  # type: ignore[index]
    for bad in ["\uffff", "a\uffffzz00", "\uffff0041", "\uffffD800"]:
        doc["body"]["tables"]["terms"][0][1] = bad  # type: ignore[index]
        assert "malformed string escape" in _rejected(lambda: decode(doc, "program")).message


def test_mvar_ids_are_checked() -> None:
    doc = _expr_doc()
    i = next(i for i, n in enumerate(_exprs(doc)) if n[0] == "mvar")
    for bad in [-1, 1.0, "7", None, 10**4300]:
        _exprs(doc)[i][1] = bad
        assert _rejected(lambda: decode(doc, "expr")).path == f"$.body.tables.exprs[{i}][1]"
    assert MVar(HOLE.id) is HOLE


# ---------------------------------------------------------------------------------------------
# the depth pre-scan agrees with an exact scanner
# ---------------------------------------------------------------------------------------------

STRING_BODIES = st.lists(st.sampled_from(["a", "[", "]", "{", "}", "\\\\", '\\"', "\\n", "\\u005b", "é", ","]),
                         max_size=4).map("".join)  # fmt: skip
TOKENS = st.lists(st.one_of(st.sampled_from(["[", "]", "{", "}", ",", ":", " ", "1", "é"]),
                            STRING_BODIES.map(lambda b: f'"{b}"')), max_size=60).map("".join)  # fmt: skip


def _exact_depth(text: str) -> int:
    depth = best = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            best = max(best, depth)
        elif c in "]}":
            depth -= 1
    return best


@settings(SETTINGS, max_examples=1000)
@given(TOKENS, st.integers(0, 6))
def test_depth_prescan_is_exact(text: str, limit: int) -> None:
    from tactic_mesh.codecs.json_limits import check_text

    too_deep = _exact_depth(text) > limit
    try:
        check_text(text, Limits(max_depth=limit))
        assert not too_deep
    except CodecError as err:
        assert too_deep and "nesting too deep" in err.message


def test_record_errors_name_the_field() -> None:
    """Provenance records are read by cattrs: its validation errors become located CodecErrors."""
    cases: list[tuple[Callable[[dict[str, object]], None], str, str]] = [
        (lambda p: p.__setitem__("options", [["a", 1]]), "$.provenance.options[0][1]", "wrong type"),
        (lambda p: p.__setitem__("options", [["a"]]), "$.provenance.options[0]", "wrong type"),
        (lambda p: p.__setitem__("options", "ab"), "$.provenance.options", "wrong type"),
        (lambda p: p.pop("kernel_version"), "$.provenance.kernel_version", "missing field"),
        (lambda p: p.__setitem__("zone", 1), "$.provenance.zone", "unexpected field"),
        (lambda p: p.__setitem__("environment_hash", "\uffffx"), "$.provenance.environment_hash", "escape"),
    ]
    for change, path, what in cases:
        doc = copy.deepcopy(VALID["program"])
        change(doc["provenance"])  # type: ignore[arg-type]
        err = _rejected(lambda doc=doc: decode(doc, "program"))  # type: ignore[misc]
        assert err.path == path and what in err.message, (path, err)
    doc = copy.deepcopy(VALID["state"])
    doc["body"]["tables"]["states"][0]["provenance"]["options"] = [[1, "x"]]  # type: ignore[index]
    assert _rejected(lambda: decode(doc, "state", env=ENV)).path == "$.body.tables.states[0].provenance.options[0][0]"
