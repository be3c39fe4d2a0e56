"""Reading lean4export NDJSON (format 3.x) into ``ndjson.Export`` records.

One pass over the lines, one JSON object per line, no recursion on the depth of a term: every
reference is an id that an earlier line defined, so checking a reference is a table lookup.  Each
record is checked completely — the fields present are exactly the format's, each of the right type
— and anything else raises ``NdjsonError`` naming the line and the JSON path:
``"FILE:LINE: $.app.fn: expression 17 is not defined (references must be to earlier lines)"``.

The JSON layer rejects what Python's ``json`` would otherwise let through: duplicate keys,
``NaN``/``Infinity``, numbers with a fraction or exponent where an integer is expected, and
integers beyond the format's limits (reported as values, before any digit conversion).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import ClassVar, NoReturn, TypeVar

from tactic_mesh.kernel.expr import BinderInfo, nat_of_digits
from tactic_mesh.lean.ndjson_model import (
    ANONYMOUS,
    MAX_HINT_HEIGHT,
    MAX_LEVEL_DEPTH,
    MAX_NAME_COMPONENTS,
    MAX_NAT,
    MAX_NAT_DIGITS,
    AxiomVal,
    ConstructorVal,
    Declaration,
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
    ExprRecord,
    ExprSort,
    ExprStrLit,
    HintKind,
    Hints,
    InductiveBlock,
    InductiveVal,
    Item,
    LeanName,
    LevelIMax,
    LevelMax,
    LevelParam,
    LevelRecord,
    LevelSucc,
    Meta,
    NameNum,
    NameRecord,
    NameStr,
    NdjsonError,
    OpaqueVal,
    QuotKind,
    QuotVal,
    RecursorRule,
    RecursorVal,
    Safety,
    TheoremVal,
    name_to_str,
)

BINDER_INFOS = {
    "default": BinderInfo.DEFAULT,
    "implicit": BinderInfo.IMPLICIT,
    "strictImplicit": BinderInfo.STRICT_IMPLICIT,
    "instImplicit": BinderInfo.INST_IMPLICIT,
}
_SAFETIES = {s.value: s for s in Safety}
_QUOT_KINDS = {k.value: k for k in QuotKind}
_DIGITS = re.compile(r"[0-9]+")
_MAX_INT_TEXT = len(str(MAX_NAT))  # longer integer literals are kept as text (``_BigInt``)

DECLARATION_KINDS = ("axiom", "def", "thm", "opaque", "quot", "inductive")
_LEGACY_KINDS = {"axiomInfo": "axiom", "quotInfo": "quot"}  # format 3.0.0 spellings


class _BigInt(str):
    """An integer literal too long to be any field's value (never converted to ``int``)."""


class _Float(str):
    """A JSON number with a fraction or exponent, or ``NaN`` / ``Infinity``."""


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _parse_int(text: str) -> int | _BigInt:
    return int(text) if len(text) <= _MAX_INT_TEXT else _BigInt(text)


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_int=_parse_int, parse_float=_Float, parse_constant=_Float
)


def describe(value: object) -> str:
    """A short description of a JSON value for messages: ``string "ab…"``, ``number 1.5``."""
    if isinstance(value, _BigInt):
        return f"a {len(value)}-digit integer"
    if isinstance(value, _Float):
        return f"number {value[:20]}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"string {json.dumps(shown, ensure_ascii=False)}"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    if isinstance(value, dict):
        keys = ", ".join(sorted(value)[:6])
        return f"an object with keys [{keys}]" if value else "an empty object"
    return type(value).__name__  # pragma: no cover - json yields nothing else


Obj = dict[str, object]
T = TypeVar("T")


class ExportReader:
    """Reads one export; the tables of ids defined so far are its state."""

    def __init__(self, source: str = "<export>") -> None:
        self.source = source
        self.line = 0
        self.name_depth: dict[int, int] = {0: 0}  # id -> number of components
        self.name_line: dict[int, int] = {0: 0}
        self.level_depth: dict[int, int] = {0: 0}
        self.level_line: dict[int, int] = {0: 0}
        self.expr_line: dict[int, int] = {}
        self.names: dict[int, NameRecord] = {}
        self.declared: dict[LeanName, int] = {}  # constant name -> line
        self.items: list[Item] = []
        self.lines: list[int] = []

    # -- errors ------------------------------------------------------------------------------------

    def fail(self, path: str, detail: str) -> NoReturn:
        raise NdjsonError(detail, source=self.source, line=self.line, path=path)

    def expected(self, path: str, what: str, value: object) -> NoReturn:
        self.fail(path, f"expected {what}, found {describe(value)}")

    # -- driving -----------------------------------------------------------------------------------

    def read(self, lines: Iterable[str]) -> Export:
        meta: Meta | None = None
        it = iter(lines)
        while True:
            self.line += 1
            try:
                raw = next(it)
            except StopIteration:
                self.line -= 1
                break
            except UnicodeDecodeError as err:  # a text file that is not UTF-8
                self.fail("$", f"invalid UTF-8 ({err.reason})")
            if not raw.strip():
                continue
            value = self.decode(raw)
            if meta is None:
                meta = self.meta(value)
            else:
                self.record(value)
        if meta is None:
            self.line = max(self.line, 1)
            self.fail("$", "expected the meta object, found an empty export")
        return Export(meta, tuple(self.items), source=self.source, lines=tuple(self.lines))

    def read_bytes(self, data: bytes) -> Export:
        def lines() -> Iterator[str]:
            for raw in data.split(b"\n"):
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    self.fail("$", f"invalid UTF-8 at byte {err.start} of the line")

        return self.read(lines())

    def decode(self, raw: str) -> object:
        try:
            return _DECODER.decode(raw)
        except _DuplicateKey as err:
            self.fail("$", f"duplicate key {json.dumps(err.key, ensure_ascii=False)} in an object")
        except json.JSONDecodeError as err:
            self.fail("$", f"invalid JSON at column {err.colno}: {err.msg}")
        except RecursionError:
            self.fail("$", "JSON nested too deeply")
        except ValueError as err:  # pragma: no cover - the hooks leave nothing else
            self.fail("$", f"invalid JSON: {err}")

    def add(self, item: Item) -> None:
        self.items.append(item)
        self.lines.append(self.line)

    # -- JSON shapes ---------------------------------------------------------------------------------

    def obj(self, value: object, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Obj:
        """``value`` as an object with exactly the ``required`` keys (and maybe ``optional`` ones)."""
        if not isinstance(value, dict):
            self.expected(path, "an object", value)
        for key in required:
            if key not in value:
                self.fail(path, f"missing field {key!r}")
        for key in value:
            if key not in required and key not in optional:
                known = ", ".join((*required, *optional))
                self.fail(f"{path}.{key}", f"unknown field (expected only {known})")
        return value

    def nat(self, value: object, path: str, limit: int = MAX_NAT) -> int:
        if type(value) is not int or value < 0:
            self.expected(path, "a natural number", value)
        if value > limit:
            self.fail(path, f"expected a natural number ≤ {limit}, found {value}")
        return value

    def string(self, value: object, path: str) -> str:
        if not isinstance(value, str) or isinstance(value, _BigInt | _Float):
            self.expected(path, "a string", value)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(path, "the string is not valid Unicode (it holds a lone surrogate)")
        return value

    def boolean(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            self.expected(path, "true or false", value)
        return value

    def array(self, value: object, path: str) -> list[object]:
        if not isinstance(value, list):
            self.expected(path, "an array", value)
        return value

    def choice(self, value: object, path: str, table: Mapping[str, T], what: str) -> T:
        if not isinstance(value, str) or value not in table:
            self.expected(path, what + " (" + " | ".join(json.dumps(k) for k in table) + ")", value)
        return table[value]

    # -- references ----------------------------------------------------------------------------------

    def ref(self, value: object, path: str, table: dict[int, int], what: str) -> int:
        idx = self.nat(value, path)
        if idx not in table:
            self.fail(path, f"{what} {idx} is not defined (references must be to earlier lines)")
        return idx

    def name_ref(self, value: object, path: str) -> int:
        return self.ref(value, path, self.name_depth, "name")

    def level_ref(self, value: object, path: str) -> int:
        return self.ref(value, path, self.level_depth, "level")

    def expr_ref(self, value: object, path: str) -> int:
        return self.ref(value, path, self.expr_line, "expression")

    def name_refs(self, value: object, path: str) -> tuple[int, ...]:
        return tuple(self.name_ref(v, f"{path}[{i}]") for i, v in enumerate(self.array(value, path)))

    def level_refs(self, value: object, path: str) -> tuple[int, ...]:
        return tuple(self.level_ref(v, f"{path}[{i}]") for i, v in enumerate(self.array(value, path)))

    def new_id(self, value: object, path: str, table: dict[int, int], what: str, reserved: bool) -> int:
        idx = self.nat(value, path)
        if idx in table:
            if reserved and idx == 0:
                builtin = "the anonymous name" if what == "name" else "level zero"
                self.fail(path, f"{what} id 0 is reserved (it is {builtin}, never written)")
            self.fail(path, f"duplicate {what} id {idx} (first defined on line {table[idx]})")
        table[idx] = self.line
        return idx

    def resolve_name(self, idx: int) -> LeanName:
        parts: list[str | int] = []
        while idx != 0:
            record = self.names[idx]
            parts.append(record.string if isinstance(record, NameStr) else record.i)
            idx = record.pre
        return tuple(reversed(parts)) if parts else ANONYMOUS

    # -- the meta line -------------------------------------------------------------------------------

    def meta(self, value: object) -> Meta:
        top = self.obj(value, "$", ("meta",))
        body = self.obj(top["meta"], "$.meta", ("exporter", "lean", "format"))
        exporter = self.obj(body["exporter"], "$.meta.exporter", ("name", "version"))
        lean = self.obj(body["lean"], "$.meta.lean", ("githash", "version"))
        fmt = self.obj(body["format"], "$.meta.format", ("version",))
        version = self.string(fmt["version"], "$.meta.format.version")
        if not re.fullmatch(r"3(\.[0-9]+){0,2}", version):
            self.fail("$.meta.format.version", f"unsupported format version {version!r} (this reader reads 3.x)")
        return Meta(
            exporter_name=self.string(exporter["name"], "$.meta.exporter.name"),
            exporter_version=self.string(exporter["version"], "$.meta.exporter.version"),
            lean_githash=self.string(lean["githash"], "$.meta.lean.githash"),
            lean_version=self.string(lean["version"], "$.meta.lean.version"),
            format_version=version,
        )

    # -- records -------------------------------------------------------------------------------------

    def record(self, value: object) -> None:
        if not isinstance(value, dict):
            self.expected("$", "an object", value)
        if "in" in value:
            self.add(self.name_record(value))
        elif "il" in value:
            self.add(self.level_record(value))
        elif "ie" in value:
            self.add(self.expr_record(value))
        elif len(value) == 1:
            kind = str(next(iter(value)))
            for decl in self.declaration(_LEGACY_KINDS.get(kind, kind), kind, value[kind]):
                self.add(decl)
        else:
            self.fail("$", f"expected a name (in), level (il), expression (ie) or declaration record, "
                           f"found {describe(value)}")

    def kind_of(self, value: Obj, tag: str, kinds: tuple[str, ...], what: str) -> str:
        others = [k for k in value if k != tag]
        if len(others) != 1 or others[0] not in kinds:
            self.fail("$", f"a {what} record has {tag!r} and one of {', '.join(kinds)}; found keys "
                           f"[{', '.join(sorted(value))}]")
        return others[0]

    def name_record(self, value: Obj) -> NameRecord:
        kind = self.kind_of(value, "in", ("str", "num"), "name")
        path = f"$.{kind}"
        body = self.obj(value[kind], path, ("pre", "str") if kind == "str" else ("pre", "i"))
        pre = self.name_ref(body["pre"], f"{path}.pre")
        if self.name_depth[pre] >= MAX_NAME_COMPONENTS:
            self.fail(path, f"a name has more than {MAX_NAME_COMPONENTS} components")
        record: NameRecord
        if kind == "str":
            string = self.string(body["str"], f"{path}.str")
            idx = self.new_id(value["in"], "$.in", self.name_line, "name", reserved=True)
            record = NameStr(idx, pre, string)
        else:
            number = self.nat(body["i"], f"{path}.i")
            idx = self.new_id(value["in"], "$.in", self.name_line, "name", reserved=True)
            record = NameNum(idx, pre, number)
        self.name_depth[idx] = self.name_depth[pre] + 1
        self.names[idx] = record
        return record

    def level_record(self, value: Obj) -> LevelRecord:
        kind = self.kind_of(value, "il", ("succ", "max", "imax", "param"), "level")
        path = f"$.{kind}"
        body = value[kind]
        record: LevelRecord
        if kind == "param":
            name = self.name_ref(body, path)
            depth = 1
            idx = self.new_id(value["il"], "$.il", self.level_line, "level", reserved=True)
            record = LevelParam(idx, name)
        elif kind == "succ":
            of = self.level_ref(body, path)
            depth = self.level_depth[of] + 1
            idx = self.new_id(value["il"], "$.il", self.level_line, "level", reserved=True)
            record = LevelSucc(idx, of)
        else:
            pair = self.array(body, path)
            if len(pair) != 2:
                self.fail(path, f"expected an array of two levels, found {describe(pair)}")
            lhs = self.level_ref(pair[0], f"{path}[0]")
            rhs = self.level_ref(pair[1], f"{path}[1]")
            depth = max(self.level_depth[lhs], self.level_depth[rhs]) + 1
            idx = self.new_id(value["il"], "$.il", self.level_line, "level", reserved=True)
            record = LevelMax(idx, lhs, rhs) if kind == "max" else LevelIMax(idx, lhs, rhs)
        if depth > MAX_LEVEL_DEPTH:
            self.fail(path, f"a universe level nested deeper than {MAX_LEVEL_DEPTH}")
        self.level_depth[idx] = depth
        return record

    _EXPR_KINDS = ("bvar", "sort", "const", "app", "lam", "forallE", "letE", "proj", "natVal", "strVal", "mdata")

    def expr_record(self, value: Obj) -> ExprRecord:
        kind = self.kind_of(value, "ie", self._EXPR_KINDS, "expression")
        build = self._expr_parsers[kind]
        record = build(self, value[kind], f"$.{kind}", value["ie"])
        return record

    def _new_expr(self, idx: object) -> int:
        return self.new_id(idx, "$.ie", self.expr_line, "expression", reserved=False)

    # each parser checks the body first and registers the new id last, so that a record cannot
    # refer to itself

    def _bvar(self, body: object, path: str, idx: object) -> ExprRecord:
        index = self.nat(body, path)
        return ExprBVar(self._new_expr(idx), index)

    def _sort(self, body: object, path: str, idx: object) -> ExprRecord:
        level = self.level_ref(body, path)
        return ExprSort(self._new_expr(idx), level)

    def _const(self, body: object, path: str, idx: object) -> ExprRecord:
        data = self.obj(body, path, ("name", "us"))
        name = self.name_ref(data["name"], f"{path}.name")
        levels = self.level_refs(data["us"], f"{path}.us")
        return ExprConst(self._new_expr(idx), name, levels)

    def _app(self, body: object, path: str, idx: object) -> ExprRecord:
        data = self.obj(body, path, ("fn", "arg"))
        fn = self.expr_ref(data["fn"], f"{path}.fn")
        arg = self.expr_ref(data["arg"], f"{path}.arg")
        return ExprApp(self._new_expr(idx), fn, arg)

    def _binding(self, body: object, path: str) -> tuple[int, int, int, BinderInfo]:
        data = self.obj(body, path, ("name", "type", "body", "binderInfo"))
        name = self.name_ref(data["name"], f"{path}.name")
        ty = self.expr_ref(data["type"], f"{path}.type")
        bd = self.expr_ref(data["body"], f"{path}.body")
        info = self.choice(data["binderInfo"], f"{path}.binderInfo", BINDER_INFOS, "a binder info")
        return name, ty, bd, info

    def _lam(self, body: object, path: str, idx: object) -> ExprRecord:
        name, ty, bd, info = self._binding(body, path)
        return ExprLam(self._new_expr(idx), name, ty, bd, info)

    def _forall(self, body: object, path: str, idx: object) -> ExprRecord:
        name, ty, bd, info = self._binding(body, path)
        return ExprForall(self._new_expr(idx), name, ty, bd, info)

    def _let(self, body: object, path: str, idx: object) -> ExprRecord:
        data = self.obj(body, path, ("name", "type", "value", "body", "nondep"))
        name = self.name_ref(data["name"], f"{path}.name")
        ty = self.expr_ref(data["type"], f"{path}.type")
        val = self.expr_ref(data["value"], f"{path}.value")
        bd = self.expr_ref(data["body"], f"{path}.body")
        nondep = self.boolean(data["nondep"], f"{path}.nondep")
        return ExprLet(self._new_expr(idx), name, ty, val, bd, nondep)

    def _proj(self, body: object, path: str, idx: object) -> ExprRecord:
        data = self.obj(body, path, ("typeName", "idx", "struct"))
        type_name = self.name_ref(data["typeName"], f"{path}.typeName")
        field = self.nat(data["idx"], f"{path}.idx")
        struct = self.expr_ref(data["struct"], f"{path}.struct")
        return ExprProj(self._new_expr(idx), type_name, field, struct)

    def _nat_lit(self, body: object, path: str, idx: object) -> ExprRecord:
        text = self.string(body, path)
        if len(text) > MAX_NAT_DIGITS:
            self.fail(path, f"a natural number literal of more than {MAX_NAT_DIGITS} digits")
        if not _DIGITS.fullmatch(text):
            self.expected(path, "a string of decimal digits", body)
        return ExprNatLit(self._new_expr(idx), nat_of_digits(text))

    def _str_lit(self, body: object, path: str, idx: object) -> ExprRecord:
        text = self.string(body, path)
        return ExprStrLit(self._new_expr(idx), text)

    def _mdata(self, body: object, path: str, idx: object) -> ExprRecord:
        data = self.obj(body, path, ("expr", "data"))
        expr = self.expr_ref(data["expr"], f"{path}.expr")
        meta = data["data"]
        if not isinstance(meta, dict):
            self.expected(f"{path}.data", "an object", meta)
        bad = _first_bad_value(meta)
        if bad is not None:
            self.fail(f"{path}.data", f"unsupported value in metadata: {describe(bad)}")
        try:
            text = json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            text.encode("utf-8")
        except RecursionError:
            self.fail(f"{path}.data", "metadata nested too deeply")
        except UnicodeEncodeError:
            self.fail(f"{path}.data", "the metadata is not valid Unicode (it holds a lone surrogate)")
        return ExprMData(self._new_expr(idx), expr, text)

    _expr_parsers: ClassVar[dict[str, Callable[[ExportReader, object, str, object], ExprRecord]]] = {
        "bvar": _bvar,
        "sort": _sort,
        "const": _const,
        "app": _app,
        "lam": _lam,
        "forallE": _forall,
        "letE": _let,
        "proj": _proj,
        "natVal": _nat_lit,
        "strVal": _str_lit,
        "mdata": _mdata,
    }

    # -- declarations ----------------------------------------------------------------------------------

    def declaration(self, kind: str, key: str, body: object) -> list[Declaration]:
        path = f"$.{key}"
        if kind in ("def", "thm") and isinstance(body, list):  # format 3.0.0: a mutual group per line
            out: list[Declaration] = []
            for i, member in enumerate(body):
                member_kind = "opaque" if kind == "def" and isinstance(member, dict) and "hints" not in member else kind
                out.extend(self.declaration_body(member_kind, member, f"{path}[{i}]"))
            return out
        if kind not in DECLARATION_KINDS:
            self.fail("$", f"unknown record kind {key!r} (expected a name (in), level (il), expression (ie) "
                           f"or one of {', '.join(DECLARATION_KINDS)})")
        return self.declaration_body(kind, body, path)

    def declaration_body(self, kind: str, body: object, path: str) -> list[Declaration]:
        decl: Declaration
        if kind == "axiom":
            data = self.obj(body, path, ("name", "levelParams", "type", "isUnsafe"))
            decl = AxiomVal(*self.header(data, path), self.boolean(data["isUnsafe"], f"{path}.isUnsafe"))
        elif kind == "def":
            data = self.obj(body, path, ("name", "levelParams", "type", "value", "hints", "safety", "all"))
            name, params, ty = self.header(data, path)
            value = self.expr_ref(data["value"], f"{path}.value")
            hints = self.hints(data["hints"], f"{path}.hints")
            safety = self.choice(data["safety"], f"{path}.safety", _SAFETIES, "a safety")
            decl = DefinitionVal(name, params, ty, value, hints, safety, self.name_refs(data["all"], f"{path}.all"))
        elif kind == "thm":
            data = self.obj(body, path, ("name", "levelParams", "type", "value", "all"))
            name, params, ty = self.header(data, path)
            value = self.expr_ref(data["value"], f"{path}.value")
            decl = TheoremVal(name, params, ty, value, self.name_refs(data["all"], f"{path}.all"))
        elif kind == "opaque":
            # lean4export's own parser defaults a missing isUnsafe to false
            data = self.obj(body, path, ("name", "levelParams", "type", "value", "all"), ("isUnsafe",))
            name, params, ty = self.header(data, path)
            value = self.expr_ref(data["value"], f"{path}.value")
            unsafe = self.boolean(data.get("isUnsafe", False), f"{path}.isUnsafe")
            decl = OpaqueVal(name, params, ty, value, unsafe, self.name_refs(data["all"], f"{path}.all"))
        elif kind == "quot":
            data = self.obj(body, path, ("name", "levelParams", "type", "kind"))
            quot = self.choice(data["kind"], f"{path}.kind", _QUOT_KINDS, "a quotient kind")
            decl = QuotVal(*self.header(data, path), quot)
        else:
            decl = self.inductive(body, path)
        if not isinstance(decl, InductiveBlock):  # a block's members declare themselves
            self.declare(decl.name, f"{path}.name")
        return [decl]

    def header(self, data: Obj, path: str) -> tuple[int, tuple[int, ...], int]:
        name = self.name_ref(data["name"], f"{path}.name")
        params = self.name_refs(data["levelParams"], f"{path}.levelParams")
        ty = self.expr_ref(data["type"], f"{path}.type")
        return name, params, ty

    def hints(self, value: object, path: str) -> Hints:
        if value == "opaque":
            return Hints(HintKind.OPAQUE)
        if value == "abbrev":
            return Hints(HintKind.ABBREV)
        if isinstance(value, dict):
            data = self.obj(value, path, ("regular",))
            return Hints(HintKind.REGULAR, self.nat(data["regular"], f"{path}.regular", MAX_HINT_HEIGHT))
        self.expected(path, 'reducibility hints ("opaque" | "abbrev" | {"regular": n})', value)

    def inductive(self, body: object, path: str) -> InductiveBlock:
        if isinstance(body, dict) and "inductiveVals" in body:  # format 3.0.0 spelling
            data = self.obj(body, path, ("inductiveVals", "constructorVals", "recursorVals"))
            keys = ("inductiveVals", "constructorVals", "recursorVals")
        else:
            data = self.obj(body, path, ("types", "ctors", "recs"))
            keys = ("types", "ctors", "recs")
        tpath, cpath, rpath = (f"{path}.{key}" for key in keys)
        types = tuple(self.inductive_val(v, f"{tpath}[{i}]") for i, v in enumerate(self.array(data[keys[0]], tpath)))
        ctors = tuple(self.ctor_val(v, f"{cpath}[{i}]") for i, v in enumerate(self.array(data[keys[1]], cpath)))
        recs = tuple(self.rec_val(v, f"{rpath}[{i}]") for i, v in enumerate(self.array(data[keys[2]], rpath)))
        return InductiveBlock(types, ctors, recs)

    def inductive_val(self, value: object, path: str) -> InductiveVal:
        data = self.obj(value, path, ("name", "levelParams", "type", "numParams", "numIndices", "all", "ctors",
                                      "numNested", "isRec", "isUnsafe", "isReflexive"))
        out = InductiveVal(
            *self.header(data, path),
            num_params=self.nat(data["numParams"], f"{path}.numParams"),
            num_indices=self.nat(data["numIndices"], f"{path}.numIndices"),
            all=self.name_refs(data["all"], f"{path}.all"),
            ctors=self.name_refs(data["ctors"], f"{path}.ctors"),
            num_nested=self.nat(data["numNested"], f"{path}.numNested"),
            is_rec=self.boolean(data["isRec"], f"{path}.isRec"),
            is_unsafe=self.boolean(data["isUnsafe"], f"{path}.isUnsafe"),
            is_reflexive=self.boolean(data["isReflexive"], f"{path}.isReflexive"),
        )
        self.declare(out.name, f"{path}.name")
        return out

    def ctor_val(self, value: object, path: str) -> ConstructorVal:
        data = self.obj(value, path, ("name", "levelParams", "type", "induct", "cidx", "numParams", "numFields",
                                      "isUnsafe"))
        out = ConstructorVal(
            *self.header(data, path),
            induct=self.name_ref(data["induct"], f"{path}.induct"),
            cidx=self.nat(data["cidx"], f"{path}.cidx"),
            num_params=self.nat(data["numParams"], f"{path}.numParams"),
            num_fields=self.nat(data["numFields"], f"{path}.numFields"),
            is_unsafe=self.boolean(data["isUnsafe"], f"{path}.isUnsafe"),
        )
        self.declare(out.name, f"{path}.name")
        return out

    def rec_val(self, value: object, path: str) -> RecursorVal:
        data = self.obj(value, path, ("name", "levelParams", "type", "all", "numParams", "numIndices", "numMotives",
                                      "numMinors", "rules", "k", "isUnsafe"))
        rules = []
        for i, rule in enumerate(self.array(data["rules"], f"{path}.rules")):
            rpath = f"{path}.rules[{i}]"
            rdata = self.obj(rule, rpath, ("ctor", "nfields", "rhs"))
            rules.append(RecursorRule(
                ctor=self.name_ref(rdata["ctor"], f"{rpath}.ctor"),
                nfields=self.nat(rdata["nfields"], f"{rpath}.nfields"),
                rhs=self.expr_ref(rdata["rhs"], f"{rpath}.rhs"),
            ))
        out = RecursorVal(
            *self.header(data, path),
            all=self.name_refs(data["all"], f"{path}.all"),
            num_params=self.nat(data["numParams"], f"{path}.numParams"),
            num_indices=self.nat(data["numIndices"], f"{path}.numIndices"),
            num_motives=self.nat(data["numMotives"], f"{path}.numMotives"),
            num_minors=self.nat(data["numMinors"], f"{path}.numMinors"),
            rules=tuple(rules),
            k=self.boolean(data["k"], f"{path}.k"),
            is_unsafe=self.boolean(data["isUnsafe"], f"{path}.isUnsafe"),
        )
        self.declare(out.name, f"{path}.name")
        return out

    def declare(self, name_id: int, path: str) -> None:
        name = self.resolve_name(name_id)
        if not name:
            self.fail(path, "a declaration cannot have the anonymous name")
        first = self.declared.get(name)
        if first is not None:
            self.fail(path, f"{name_to_str(name)!r} is declared twice (first on line {first})")
        self.declared[name] = self.line


def _first_bad_value(value: dict[str, object]) -> object | None:
    """The first number the metadata cannot hold faithfully (a float or an over-long integer)."""
    stack: list[object] = [value]
    while stack:
        cur = stack.pop()
        if isinstance(cur, _BigInt | _Float):
            return cur
        if isinstance(cur, dict):
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return None
