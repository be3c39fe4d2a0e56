"""The lean4export NDJSON codec: every record kind read, written back and read again unchanged;
malformed input is a located ``NdjsonError``; seeded mutations never escape as anything else."""

from __future__ import annotations

import json
import random

import pytest

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.expr import BinderInfo, nat_of_digits
from tactic_mesh.lean.ndjson import (
    DECLARATIONS,
    EXPR_RECORDS,
    FORMAT_VERSION,
    LEVEL_RECORDS,
    MAX_LEVEL_DEPTH,
    MAX_NAME_COMPONENTS,
    NAME_RECORDS,
    AxiomVal,
    ConstructorVal,
    DefinitionVal,
    Export,
    ExprApp,
    ExprBVar,
    ExprConst,
    ExprForall,
    ExprLam,
    ExprLet,
    ExprMData,
    ExprNatLit,
    ExprProj,
    ExprSort,
    ExprStrLit,
    HintKind,
    Hints,
    InductiveBlock,
    InductiveVal,
    LevelIMax,
    LevelMax,
    LevelParam,
    LevelSucc,
    Meta,
    NameNum,
    NameStr,
    NdjsonError,
    OpaqueVal,
    QuotKind,
    QuotVal,
    RecursorRule,
    RecursorVal,
    Safety,
    TheoremVal,
    export_text,
    name_from_str,
    name_to_str,
    read_export,
    read_export_bytes,
    read_export_file,
    write_export,
)

META = {"meta": {"exporter": {"name": "lean4export", "version": "3.1.0"},
                 "lean": {"githash": "abc", "version": "4.27.0"}, "format": {"version": "3.1.0"}}}
BIG_TEXT = "7" * 5000  # beyond Python's default int <-> str digit limit
BIG = nat_of_digits(BIG_TEXT)


def line(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def sample_records() -> list[dict[str, object]]:
    """A small export with every record kind (hand-written, not produced by our writer)."""
    return [
        {"in": 1, "str": {"pre": 0, "str": "Nat"}},  # 2
        {"in": 2, "str": {"pre": 1, "str": "zero"}},
        {"in": 3, "str": {"pre": 1, "str": "succ"}},
        {"in": 4, "str": {"pre": 1, "str": "rec"}},
        {"in": 5, "str": {"pre": 0, "str": "u"}},
        {"in": 6, "num": {"pre": 5, "i": 7}},  # u.7
        {"in": 7, "str": {"pre": 0, "str": "n"}},
        {"il": 1, "succ": 0},  # 9
        {"il": 2, "param": 5},
        {"il": 3, "max": [1, 2]},
        {"il": 4, "imax": [2, 3]},
        {"ie": 0, "sort": 1},  # 13: Type
        {"ie": 1, "const": {"name": 1, "us": []}},
        {"ie": 2, "forallE": {"name": 7, "type": 1, "body": 1, "binderInfo": "default"}},
        {"ie": 3, "bvar": 0},
        {"ie": 4, "lam": {"name": 7, "type": 1, "body": 3, "binderInfo": "implicit"}},
        {"ie": 5, "lam": {"name": 0, "type": 1, "body": 3, "binderInfo": "strictImplicit"}},
        {"ie": 6, "forallE": {"name": 7, "type": 1, "body": 1, "binderInfo": "instImplicit"}},
        {"ie": 7, "natVal": "42"},  # 20
        {"ie": 8, "natVal": BIG_TEXT},
        {"ie": 9, "strVal": "héllo \"x\"\n"},
        {"ie": 10, "app": {"fn": 4, "arg": 7}},
        {"ie": 11, "letE": {"name": 7, "type": 1, "value": 7, "body": 3, "nondep": True}},
        {"ie": 12, "proj": {"typeName": 1, "idx": 0, "struct": 3}},
        {"ie": 13, "mdata": {"expr": 3, "data": {"b": "1", "a": ["x", {"y": None}], "c": True}}},
        {"ie": 14, "sort": 4},
        {"ie": 15, "const": {"name": 4, "us": [2, 3]}},  # 28
        {"axiom": {"name": 6, "levelParams": [5], "type": 14, "isUnsafe": False}},
        {"inductive": {
            "types": [{"name": 1, "levelParams": [], "type": 0, "numParams": 0, "numIndices": 0, "all": [1],
                       "ctors": [2, 3], "numNested": 0, "isRec": True, "isUnsafe": False, "isReflexive": False}],
            "ctors": [{"name": 2, "levelParams": [], "type": 1, "induct": 1, "cidx": 0, "numParams": 0,
                       "numFields": 0, "isUnsafe": False},
                      {"name": 3, "levelParams": [], "type": 2, "induct": 1, "cidx": 1, "numParams": 0,
                       "numFields": 1, "isUnsafe": False}],
            "recs": [{"name": 4, "levelParams": [5], "type": 2, "all": [1], "numParams": 0, "numIndices": 0,
                      "numMotives": 1, "numMinors": 2, "k": False, "isUnsafe": False,
                      "rules": [{"ctor": 2, "nfields": 0, "rhs": 4}, {"ctor": 3, "nfields": 1, "rhs": 5}]}]}},
        {"in": 8, "str": {"pre": 0, "str": "d1"}},  # 31
        {"in": 9, "str": {"pre": 0, "str": "d2"}},
        {"in": 10, "str": {"pre": 0, "str": "d3"}},
        {"in": 11, "str": {"pre": 0, "str": "t"}},
        {"in": 12, "str": {"pre": 0, "str": "o1"}},
        {"in": 13, "str": {"pre": 0, "str": "o2"}},
        {"def": {"name": 8, "levelParams": [], "type": 1, "value": 7, "hints": {"regular": 3}, "safety": "safe",
                 "all": [8]}},
        {"def": {"name": 9, "levelParams": [], "type": 1, "value": 7, "hints": "abbrev", "safety": "unsafe",
                 "all": [9]}},
        {"def": {"name": 10, "levelParams": [5], "type": 1, "value": 8, "hints": "opaque", "safety": "partial",
                 "all": [10, 8]}},
        {"thm": {"name": 11, "levelParams": [], "type": 2, "value": 4, "all": [11]}},
        {"opaque": {"name": 12, "levelParams": [], "type": 1, "value": 7, "isUnsafe": True, "all": [12]}},
        {"opaque": {"name": 13, "levelParams": [], "type": 1, "value": 7, "all": [13]}},
        {"in": 14, "str": {"pre": 0, "str": "Quot"}},
        {"in": 15, "str": {"pre": 14, "str": "mk"}},
        {"in": 16, "str": {"pre": 14, "str": "lift"}},
        {"in": 17, "str": {"pre": 14, "str": "ind"}},
        {"quot": {"name": 14, "levelParams": [5], "type": 0, "kind": "type"}},
        {"quot": {"name": 15, "levelParams": [5], "type": 0, "kind": "ctor"}},
        {"quot": {"name": 16, "levelParams": [5], "type": 0, "kind": "lift"}},
        {"quot": {"name": 17, "levelParams": [5], "type": 0, "kind": "ind"}},
    ]


def sample_lines() -> list[str]:
    return [line(META), *(line(r) for r in sample_records())]


def read(lines: list[str]) -> Export:
    return read_export(lines, "sample.ndjson")


# -- reading -------------------------------------------------------------------------------------


def test_reads_every_record_kind() -> None:
    x = read(sample_lines())
    assert x.meta == Meta("lean4export", "3.1.0", "abc", "4.27.0", "3.1.0")
    assert len(x.items) == len(sample_records())
    assert x.names[6] == NameNum(6, 5, 7)
    assert x.names[1] == NameStr(1, 0, "Nat")
    assert x.levels[3] == LevelMax(3, 1, 2) and x.levels[4] == LevelIMax(4, 2, 3)
    assert x.levels[1] == LevelSucc(1, 0) and x.levels[2] == LevelParam(2, 5)
    e = x.exprs
    assert e[0] == ExprSort(0, 1)
    assert e[1] == ExprConst(1, 1, ())
    assert e[15] == ExprConst(15, 4, (2, 3))
    assert e[2] == ExprForall(2, 7, 1, 1, BinderInfo.DEFAULT)
    assert e[3] == ExprBVar(3, 0)
    assert e[4] == ExprLam(4, 7, 1, 3, BinderInfo.IMPLICIT)
    assert e[5] == ExprLam(5, 0, 1, 3, BinderInfo.STRICT_IMPLICIT)
    assert e[6] == ExprForall(6, 7, 1, 1, BinderInfo.INST_IMPLICIT)
    assert e[7] == ExprNatLit(7, 42)
    assert e[8] == ExprNatLit(8, BIG)
    assert e[9] == ExprStrLit(9, "héllo \"x\"\n")
    assert e[10] == ExprApp(10, 4, 7)
    assert e[11] == ExprLet(11, 7, 1, 7, 3, True)
    assert e[12] == ExprProj(12, 1, 0, 3)
    assert e[13] == ExprMData(13, 3, '{"a":["x",{"y":null}],"b":"1","c":true}')
    decls = x.declarations
    assert decls[0] == AxiomVal(6, (5,), 14, False)
    block = decls[1]
    assert isinstance(block, InductiveBlock)
    assert block.types == (InductiveVal(1, (), 0, 0, 0, (1,), (2, 3), 0, True, False, False),)
    assert block.ctors[1] == ConstructorVal(3, (), 2, 1, 1, 0, 1, False)
    assert block.recs == (RecursorVal(4, (5,), 2, (1,), 0, 0, 1, 2, (RecursorRule(2, 0, 4), RecursorRule(3, 1, 5)),
                                      False, False),)
    assert decls[2] == DefinitionVal(8, (), 1, 7, Hints(HintKind.REGULAR, 3), Safety.SAFE, (8,))
    assert decls[3] == DefinitionVal(9, (), 1, 7, Hints(HintKind.ABBREV), Safety.UNSAFE, (9,))
    assert decls[4] == DefinitionVal(10, (5,), 1, 8, Hints(HintKind.OPAQUE), Safety.PARTIAL, (10, 8))
    assert decls[5] == TheoremVal(11, (), 2, 4, (11,))
    assert decls[6] == OpaqueVal(12, (), 1, 7, True, (12,))
    assert decls[7] == OpaqueVal(13, (), 1, 7, False, (13,))  # isUnsafe defaults to false
    assert [d.kind for d in decls[8:] if isinstance(d, QuotVal)] == list(QuotKind)
    assert [x.name_str(c.name) for c in x.constants()][:5] == ["u.7", "Nat", "Nat.zero", "Nat.succ", "Nat.rec"]


def test_the_sample_covers_every_record_class() -> None:
    x = read(sample_lines())
    seen = {type(item) for item in x.items} | {type(c) for c in x.constants()}
    every = {*NAME_RECORDS, *LEVEL_RECORDS, *EXPR_RECORDS, *DECLARATIONS, InductiveVal, ConstructorVal, RecursorVal}
    assert seen == every | {QuotVal}  # a new record class needs a sample line (and reader/writer cases)
    assert {h.kind for h in (d.hints for d in x.declarations if isinstance(d, DefinitionVal))} == set(HintKind)
    assert {d.safety for d in x.declarations if isinstance(d, DefinitionVal)} == set(Safety)
    assert {e.binder_info for e in x.exprs.values() if isinstance(e, ExprLam | ExprForall)} == set(BinderInfo)


def test_lines_and_resolution() -> None:
    x = read(sample_lines())
    assert x.line_of(0) == 2 and x.line_of(len(x.items) - 1) == len(sample_lines())
    decl_lines = [(ln, type(d).__name__) for ln, d in x.declaration_lines()]
    assert decl_lines[:3] == [(29, "AxiomVal"), (30, "InductiveBlock"), (37, "DefinitionVal")]
    assert x.name(6) == ("u", 7) and x.name(0) == () and x.name_str(4) == "Nat.rec"
    u = lv.LParam("u")
    assert x.level(0) is lv.ZERO and x.level(1) is lv.ONE
    assert x.level(4) is lv.LIMax(u, lv.LMax(lv.ONE, u))


def test_blank_lines_are_skipped_and_lines_stay_located() -> None:
    lines = sample_lines()
    spaced = [lines[0], "", "   ", *lines[1:]]
    x = read(spaced)
    assert x == read(lines)
    assert x.line_of(0) == 4


# -- writing -------------------------------------------------------------------------------------


def test_round_trip_is_the_identity_and_writing_is_deterministic() -> None:
    x = read(sample_lines())
    written = list(write_export(x))
    y = read(written)
    assert y == x
    assert list(write_export(y)) == written
    assert json.loads(written[0]) == META
    # each line: compact, sorted keys, equal as JSON to the hand-written input (an opaque's missing
    # isUnsafe written as false)
    for out, original in zip(written[1:], sample_records(), strict=True):
        assert out == json.dumps(json.loads(out), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        body = original.get("opaque")
        if isinstance(body, dict):
            body.setdefault("isUnsafe", False)
        assert json.loads(out) == original
    assert '{"ie":9,"strVal":"héllo \\"x\\"\\n"}' in written
    assert export_text(x) == "".join(w + "\n" for w in written)


def test_writer_writes_format_3_1() -> None:
    x = read(sample_lines())
    assert x.meta.format_version == FORMAT_VERSION == "3.1.0"
    written = list(write_export(x))
    first_def = json.loads(next(w for w in written if '"def"' in w))
    assert first_def == {"def": {"name": 8, "levelParams": [], "type": 1, "value": 7, "hints": {"regular": 3},
                                 "safety": "safe", "all": [8]}}
    assert set(json.loads(next(w for w in written if "inductive" in w))["inductive"]) == {"types", "ctors", "recs"}


def test_read_bytes_and_files(tmp_path: object) -> None:
    import pathlib

    assert isinstance(tmp_path, pathlib.Path)
    text = "\n".join(sample_lines()) + "\n"
    path = tmp_path / "x.ndjson"
    path.write_text(text, encoding="utf-8")
    assert read_export_file(path) == read(sample_lines())
    assert read_export_file(path).source == str(path)
    assert read_export_bytes(text.replace("\n", "\r\n").encode()) == read(sample_lines())


# -- format 3.0.0 spellings ---------------------------------------------------------------------


def test_reads_format_3_0_spellings() -> None:
    legacy = []
    for r in sample_records():
        (kind,) = [k for k in r if k not in ("in", "il", "ie")] if len(r) > 1 else list(r)
        if kind == "axiom":
            r = {"axiomInfo": r["axiom"]}
        elif kind == "quot":
            r = {"quotInfo": r["quot"]}
        elif kind in ("def", "thm"):
            r = {kind: [r[kind]]}
        elif kind == "opaque":
            r = {"def": [r["opaque"]]}  # 3.0.0 put opaques in "def" arrays, told apart by their fields
        elif kind == "inductive":
            body = r["inductive"]
            assert isinstance(body, dict)
            r = {"inductive": {"inductiveVals": body["types"], "constructorVals": body["ctors"],
                               "recursorVals": body["recs"]}}
        legacy.append(line(r))
    meta = json.loads(line(META))
    meta["meta"]["format"]["version"] = "3.0.0"
    x = read([line(meta), *legacy])
    assert x.items == read(sample_lines()).items
    assert x.meta.format_version == "3.0.0"
    # re-written in 3.1.0's shapes, and declared so
    assert list(write_export(x)) == list(write_export(read(sample_lines())))


def test_format_3_0_mutual_group_on_one_line() -> None:
    lines = sample_lines()
    group = {"def": [{"name": 8, "levelParams": [], "type": 1, "value": 7, "hints": "abbrev", "safety": "safe",
                      "all": [8, 9]},
                     {"name": 9, "levelParams": [], "type": 1, "value": 7, "isUnsafe": False, "all": [8, 9]}]}
    x = read([*lines[:36], line(group)])
    assert [type(d).__name__ for d in x.declarations[-2:]] == ["DefinitionVal", "OpaqueVal"]
    assert x.line_of(len(x.items) - 1) == x.line_of(len(x.items) - 2) == 37


# -- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (("Nat", "add"), "Nat.add"),
        (("_private", 3, "x"), "_private.3.x"),
        (("a.b", "c"), "«a.b».c"),
        (("7",), "«7»"),
        (("",), "«»"),
        (("α", "x✝"), "α.x✝"),
        ((), "[anonymous]"),
    ],
)
def test_dotted_names_round_trip(name: tuple[str | int, ...], text: str) -> None:
    assert name_to_str(name) == text
    assert name_from_str(text) == name


@pytest.mark.parametrize("text", ["a..b", ".a", "a.", "«a", "«a»b"])
def test_malformed_dotted_names(text: str) -> None:
    with pytest.raises(ValueError):
        name_from_str(text)


# -- located errors --------------------------------------------------------------------------------

NAT = '{"in":1,"str":{"pre":0,"str":"Nat"}}'
TY = '{"ie":0,"sort":0}'


def meta_with(version: str) -> str:
    meta = json.loads(line(META))
    meta["meta"]["format"]["version"] = version
    return line(meta)


ERRORS: list[tuple[list[str], int, str, str]] = [
    # (lines after the meta line, failing line, JSON path, message fragment)
    (["{nope"], 2, "$", "invalid JSON at column 2"),
    (["[1, 2]"], 2, "$", "expected an object, found an array of 2"),
    (['"x"'], 2, "$", 'expected an object, found string "x"'),
    (['{"frob": {}}'], 2, "$", "unknown record kind 'frob'"),
    (["{}"], 2, "$", "found an empty object"),
    (['{"ie":0,"bogus":1}'], 2, "$", "one of bvar, sort"),
    (['{"in":1,"str":{"pre":0,"str":"a"},"x":1}'], 2, "$", "found keys [in, str, x]"),
    ([NAT, '{"ie":0,"app":{"fn":1,"arg":1}}'], 3, "$.app.fn", "expression 1 is not defined"),
    ([TY, '{"ie":1,"app":{"fn":0,"arg":1}}'], 3, "$.app.arg", "expression 1 is not defined"),  # itself
    ([NAT, '{"in":2,"str":{"pre":3,"str":"b"}}'], 3, "$.str.pre", "name 3 is not defined"),
    (['{"il":1,"succ":2}'], 2, "$.succ", "level 2 is not defined"),
    ([NAT, NAT], 3, "$.in", "duplicate name id 1 (first defined on line 2)"),
    ([TY, TY], 3, "$.ie", "duplicate expression id 0 (first defined on line 2)"),
    (['{"il":1,"succ":0}', '{"il":1,"succ":0}'], 3, "$.il", "duplicate level id 1"),
    (['{"in":0,"str":{"pre":0,"str":"a"}}'], 2, "$.in", "name id 0 is reserved"),
    (['{"il":0,"succ":0}'], 2, "$.il", "level id 0 is reserved"),
    (['{"ie":0,"bvar":"0"}'], 2, "$.bvar", 'expected a natural number, found string "0"'),
    (['{"ie":0,"bvar":1.5}'], 2, "$.bvar", "found number 1.5"),
    (['{"ie":0,"bvar":true}'], 2, "$.bvar", "found true"),
    (['{"ie":0,"bvar":-1}'], 2, "$.bvar", "found integer -1"),
    (['{"ie":0,"bvar":NaN}'], 2, "$.bvar", "found number NaN"),
    (['{"ie":0,"bvar":' + "9" * 5000 + "}"], 2, "$.bvar", "found a 5000-digit integer"),
    (['{"ie":0,"bvar":9223372036854775808}'], 2, "$.bvar", "≤ 9223372036854775807"),
    (['{"ie":' + "1" * 30 + ',"bvar":0}'], 2, "$.ie", "found a 30-digit integer"),
    (['{"ie":0,"bvar":1,"bvar":2}'], 2, "$", 'duplicate key "bvar"'),
    (['{"ie":0,"const":{"name":0}}'], 2, "$.const", "missing field 'us'"),
    (['{"ie":0,"const":{"name":0,"us":[],"x":1}}'], 2, "$.const.x", "unknown field"),
    (['{"ie":0,"const":{"name":0,"us":[5]}}'], 2, "$.const.us[0]", "level 5 is not defined"),
    (['{"ie":0,"const":{"name":0,"us":7}}'], 2, "$.const.us", "expected an array, found integer 7"),
    ([TY, '{"ie":1,"lam":{"name":0,"type":0,"body":0,"binderInfo":"explicit"}}'], 3, "$.lam.binderInfo",
     'expected a binder info ("default" | "implicit" | "strictImplicit" | "instImplicit"), found string "explicit"'),
    ([TY, '{"ie":1,"letE":{"name":0,"type":0,"value":0,"body":0,"nondep":0}}'], 3, "$.letE.nondep",
     "expected true or false, found integer 0"),
    (['{"ie":0,"natVal":"-1"}'], 2, "$.natVal", "expected a string of decimal digits"),
    (['{"ie":0,"natVal":12}'], 2, "$.natVal", "expected a string, found integer 12"),
    (['{"ie":0,"natVal":"' + "1" * 100_001 + '"}'], 2, "$.natVal", "more than 100000 digits"),
    (['{"ie":0,"strVal":"\\ud800"}'], 2, "$.strVal", "lone surrogate"),
    ([TY, '{"ie":1,"mdata":{"expr":0,"data":[]}}'], 3, "$.mdata.data", "expected an object"),
    ([TY, '{"ie":1,"mdata":{"expr":0,"data":{"k":1.5}}}'], 3, "$.mdata.data", "unsupported value"),
    (['{"il":1,"max":[0]}'], 2, "$.max", "expected an array of two levels"),
    (['{"il":1,"max":[0,"x"]}'], 2, "$.max[1]", "expected a natural number"),
    ([NAT, TY, '{"axiom":{"name":1,"levelParams":[],"type":0}}'], 4, "$.axiom", "missing field 'isUnsafe'"),
    ([NAT, TY, '{"axiom":{"name":1,"levelParams":[],"type":0,"isUnsafe":false}}',
      '{"axiom":{"name":1,"levelParams":[],"type":0,"isUnsafe":false}}'], 5, "$.axiom.name",
     "'Nat' is declared twice (first on line 4)"),
    ([TY, '{"axiom":{"name":0,"levelParams":[],"type":0,"isUnsafe":false}}'], 3, "$.axiom.name",
     "anonymous name"),
    ([NAT, TY, '{"axiom":{"name":1,"levelParams":[4],"type":0,"isUnsafe":false}}'], 4, "$.axiom.levelParams[0]",
     "name 4 is not defined"),
    ([NAT, TY, '{"def":{"name":1,"levelParams":[],"type":0,"value":0,"hints":"fast","safety":"safe","all":[]}}'],
     4, "$.def.hints", "expected reducibility hints"),
    ([NAT, TY, '{"def":{"name":1,"levelParams":[],"type":0,"value":0,"hints":{"regular":4294967296},'
               '"safety":"safe","all":[]}}'], 4, "$.def.hints.regular", "≤ 4294967295"),
    ([NAT, TY, '{"def":{"name":1,"levelParams":[],"type":0,"value":0,"hints":"abbrev","safety":"sure","all":[]}}'],
     4, "$.def.safety", "expected a safety"),
    ([NAT, TY, '{"quot":{"name":1,"levelParams":[],"type":0,"kind":"quux"}}'], 4, "$.quot.kind",
     "expected a quotient kind"),
    ([NAT, TY, '{"thm":{"name":1,"levelParams":[],"type":0,"value":1,"all":[1]}}'], 4, "$.thm.value",
     "expression 1 is not defined"),
    ([NAT, TY, '{"inductive":{"types":[],"ctors":[{}],"recs":[]}}'], 4, "$.inductive.ctors[0]",
     "missing field 'name'"),
    ([NAT, TY, '{"inductive":{"types":[],"ctors":[],"recs":[{"name":1,"levelParams":[],"type":0,"all":[],'
               '"numParams":0,"numIndices":0,"numMotives":1,"numMinors":0,"k":false,"isUnsafe":false,'
               '"rules":[{"ctor":1,"nfields":0,"rhs":9}]}]}}'], 4, "$.inductive.recs[0].rules[0].rhs",
     "expression 9 is not defined"),
    ([NAT, TY, '{"inductive":{"types":[],"ctors":[]}}'], 4, "$.inductive", "missing field 'recs'"),
    (["[" * 100_000 + "]" * 100_000], 2, "$", "nested too deeply"),
]


@pytest.mark.parametrize(("body", "at_line", "path", "fragment"), ERRORS)
def test_located_errors(body: list[str], at_line: int, path: str, fragment: str) -> None:
    with pytest.raises(NdjsonError) as info:
        read([line(META), *body])
    err = info.value
    assert (err.line, err.path) == (at_line, path), str(err)
    assert fragment in err.detail, str(err)
    assert str(err) == f"sample.ndjson:{at_line}: {path}: {err.detail}"


@pytest.mark.parametrize(
    ("lines", "path", "fragment"),
    [
        ([], "$", "empty export"),
        ([NAT], "$", "missing field 'meta'"),
        ([meta_with("2.0.0")], "$.meta.format.version", "unsupported format version '2.0.0'"),
        ([meta_with("3.1.0-rc")], "$.meta.format.version", "unsupported"),
        (['{"meta":{"exporter":{"name":"x","version":1},"lean":{"githash":"","version":""},'
          '"format":{"version":"3.1.0"}}}'], "$.meta.exporter.version", "expected a string, found integer 1"),
    ],
)
def test_meta_errors(lines: list[str], path: str, fragment: str) -> None:
    with pytest.raises(NdjsonError) as info:
        read(lines)
    assert info.value.path == path and fragment in info.value.detail and info.value.line == 1


def test_invalid_utf8_is_located() -> None:
    data = ("\n".join(sample_lines()[:5]) + "\n").encode() + b'{"in":99,"str":{"pre":0,"str":"\xff"}}\n'
    with pytest.raises(NdjsonError) as info:
        read_export_bytes(data, "b.ndjson")
    assert info.value.line == 6 and "invalid UTF-8" in str(info.value)


def test_depth_limits_for_names_and_levels() -> None:
    names = [f'{{"in":{i},"str":{{"pre":{i - 1},"str":"a"}}}}' for i in range(1, MAX_NAME_COMPONENTS + 2)]
    with pytest.raises(NdjsonError) as info:
        read([line(META), *names])
    assert info.value.line == MAX_NAME_COMPONENTS + 2 and "components" in info.value.detail
    read([line(META), *names[:-1]])
    levels = [f'{{"il":{i},"succ":{i - 1}}}' for i in range(1, MAX_LEVEL_DEPTH + 2)]
    with pytest.raises(NdjsonError) as info:
        read([line(META), *levels])
    assert info.value.line == MAX_LEVEL_DEPTH + 2 and "nested deeper" in info.value.detail


def test_long_chains_need_no_recursion() -> None:
    n = 30_000
    lines = [line(META), '{"ie":0,"bvar":0}']
    lines += [f'{{"ie":{i},"app":{{"fn":{i - 1},"arg":0}}}}' for i in range(1, n)]
    lines += [f'{{"in":{i},"str":{{"pre":0,"str":"x{i}"}}}}' for i in range(1, 3)]
    lines += [f'{{"axiom":{{"name":1,"levelParams":[],"type":{n - 1},"isUnsafe":false}}}}']
    x = read(lines)
    assert len(x.exprs) == n and x == read(list(write_export(x)))


# -- fuzzing -------------------------------------------------------------------------------------


def _mutate(rng: random.Random, lines: list[str]) -> bytes:
    kind = rng.randrange(7)
    out = list(lines)
    i = rng.randrange(1, len(out))
    if kind == 0:  # delete a line
        del out[i]
    elif kind == 1:  # duplicate a line
        out.insert(rng.randrange(1, len(out)), out[i])
    elif kind == 2:  # swap two lines
        j = rng.randrange(len(out))
        out[i], out[j] = out[j], out[i]
    elif kind == 3:  # change a digit
        digits = [k for k, c in enumerate(out[i]) if c.isdigit()]
        if digits:
            k = rng.choice(digits)
            out[i] = out[i][:k] + rng.choice("0123456789") + out[i][k + 1:]
    elif kind == 4:  # truncate a line
        out[i] = out[i][: rng.randrange(len(out[i]) + 1)]
    data = "\n".join(out).encode()
    if kind == 5:  # flip bytes anywhere
        raw = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        data = bytes(raw)
    elif kind == 6:  # replace a JSON token by another
        tokens = [b"true", b"false", b"null", b"[]", b"{}", b'"x"', b"-1", b"1e9", b"0"]
        pieces = data.split(b":")
        k = rng.randrange(1, len(pieces))
        rest = pieces[k].lstrip(b"0123456789")
        pieces[k] = rng.choice(tokens) + rest
        data = b":".join(pieces)
    return data


def test_seeded_mutations_parse_or_fail_located() -> None:
    rng = random.Random(20240611)
    lines = sample_lines()
    total_lines = len(lines) + 2
    outcomes = {"parsed": 0, "rejected": 0}
    for _ in range(400):
        data = _mutate(rng, lines)
        try:
            x = read_export_bytes(data, "fuzz")
        except NdjsonError as err:
            assert 1 <= err.line <= total_lines and err.path.startswith("$")
            outcomes["rejected"] += 1
        else:
            assert read_export(list(write_export(x))) == x
            outcomes["parsed"] += 1
    assert outcomes["parsed"] > 20 and outcomes["rejected"] > 100, outcomes
