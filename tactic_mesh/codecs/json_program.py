"""Tactic programs as DAG tables: values and terms (``calculus/terms.py``).

Layout (``v`` a value index, ``t`` a term index, ``e`` an expression index; children come first)::

    values  ["unit"] | ["expr", e] | ["goal", id] | ["name", name] | ["num", int] | ["str", s]
            | ["surface", text] | ["list", [v…]] | ["record", [[key, v]…]] | ["var", name]
    terms   ["pure", v] | ["fail", v] | ["bind", var, t_first, t_rest]
            | ["choice", policy, [t…], scorer] | ["scoped", scope, t] | ["focus", selector, t]
            | ["handle", handler, t] | ["fix", name, t] | ["rec", name] | ["op", name, [v…]]
            | ["foreign", symbol, v_payload, contract]
    contract {"effects": [name…] (sorted, distinct), "consumes_goals": int | null,
              "produces_goals": int | null, "replay_codec": str, "projection": str,
              "refinement_known": bool}

``int`` is a JSON number when its absolute value is below 2^53 and a decimal string otherwise.
``VExpr`` refers to the document's expression table; ``VSuspension`` is a runtime value (it holds
machine data) and encoding it is an error.  Equal sub-terms and values are stored once.  Encoding
and decoding are iterative: a 100 000-long ``bind`` chain is a flat table.
"""

from __future__ import annotations

from collections.abc import Callable

from tactic_mesh.calculus.terms import (
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
)
from tactic_mesh.codecs.json_base import (
    ESC,
    SAFE_INT,
    CodecError,
    Limits,
    Path,
    at,
    boolean,
    describe,
    enum_table,
    enum_value,
    fail_type,
    lst,
    obj,
    read_int,
    render,
    write_int,
    wstr,
)
from tactic_mesh.codecs.json_expr import ExprReader, ExprWriter

POLICIES = enum_table(Policy)
CONTRACT_KEYS = frozenset(
    {"effects", "consumes_goals", "produces_goals", "replay_codec", "projection", "refinement_known"}
)
VALUE_SHAPES: dict[str, tuple[str, ...]] = {
    "unit": (), "expr": ("expr",), "goal": ("str",), "name": ("str",), "num": ("int",), "str": ("str",),
    "surface": ("str",), "list": ("values",), "record": ("fields",), "var": ("str",),
}  # fmt: skip
VALUE_CLASS: dict[str, Callable[..., Value]] = {
    "unit": VUnit, "expr": VExpr, "goal": VGoal, "name": VName, "num": VNum, "str": VStr, "surface": VSurface,
    "list": VList, "record": VRecord, "var": VVar,
}  # fmt: skip
VALUE_TAG = {cls: tag for tag, cls in VALUE_CLASS.items()}
TERM_SHAPES: dict[str, tuple[str, ...]] = {
    "pure": ("value",), "fail": ("value",), "bind": ("str", "term", "term"), "choice": ("policy", "terms", "str"),
    "scoped": ("str", "term"), "focus": ("str", "term"), "handle": ("str", "term"), "fix": ("str", "term"),
    "rec": ("str",), "op": ("str", "values"), "foreign": ("str", "value", "contract"),
}  # fmt: skip
TERM_CLASS: dict[str, Callable[..., Term]] = {
    "pure": Pure, "fail": Fail, "bind": Bind, "choice": Choice, "scoped": Scoped, "focus": Focus,
    "handle": Handle, "fix": Fix, "rec": Rec, "op": Op, "foreign": Foreign,
}  # fmt: skip
TERM_TAG = {cls: tag for tag, cls in TERM_CLASS.items()}
STRING_VALUES: dict[object, Callable[[str], Value]] = {
    "goal": VGoal, "name": VName, "str": VStr, "surface": VSurface, "var": VVar,
}  # fmt: skip
STRING_FIELD: dict[type, str] = {VGoal: "id", VName: "name", VStr: "value", VSurface: "text", VVar: "name"}
LABELLED: dict[str, Callable[[str, Term], Term]] = {"scoped": Scoped, "focus": Focus, "handle": Handle, "fix": Fix}


_str = wstr


def write_contract(c: Contract) -> dict[str, object]:
    if type(c) is not Contract:
        raise CodecError("contract", "not a Contract", "Contract", type(c).__name__)
    for x in c.effects:
        _str(x, "contract effect")
    if type(c.refinement_known) is not bool:
        raise CodecError("contract.refinement_known", "not a bool", "bool", type(c.refinement_known).__name__)
    return {
        "effects": [_str(x, "contract effect") for x in sorted(c.effects)],
        "consumes_goals": None if c.consumes_goals is None else write_int(c.consumes_goals, "contract.consumes_goals"),
        "produces_goals": None if c.produces_goals is None else write_int(c.produces_goals, "contract.produces_goals"),
        "replay_codec": _str(c.replay_codec, "contract.replay_codec"),
        "projection": _str(c.projection, "contract.projection"),
        "refinement_known": c.refinement_known,
    }


class ProgramWriter(ExprWriter):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[list[object]] = []
        self.value_index: dict[tuple[object, ...], int] = {}
        self.terms: list[list[object]] = []
        self.term_index: dict[tuple[object, ...], int] = {}
        self.node_identity: dict[int, int] = {}  # id(Value | Term) -> index

    def _emit(self, table: list[list[object]], index: dict[tuple[object, ...], int], obj: object,
              node: list[object], key: tuple[object, ...]) -> int:  # fmt: skip
        found = index.get(key)
        if found is None:
            found = index[key] = len(table)
            table.append(node)
        self.node_identity[id(obj)] = found
        self.keep.append(obj)
        return found

    def value(self, v: Value) -> int:
        ids = self.node_identity
        found = ids.get(id(v))
        if found is not None:
            return found
        stack: list[Value] = [v]
        while stack:
            cur = stack[-1]
            if id(cur) in ids:
                stack.pop()
                continue
            t = type(cur)
            if t is VList:
                assert isinstance(cur, VList)
                pending = [x for x in cur.items if id(x) not in ids]
                if pending:
                    stack.extend(reversed(pending))
                    continue
                items = [ids[id(x)] for x in cur.items]
                node: list[object] = ["list", items]
                key: tuple[object, ...] = ("list", tuple(items))
            elif t is VRecord:
                assert isinstance(cur, VRecord)
                pending = [x for _, x in cur.fields if id(x) not in ids]
                if pending:
                    stack.extend(reversed(pending))
                    continue
                fields = [[_str(k, "record key"), ids[id(x)]] for k, x in cur.fields]
                node = ["record", fields]
                key = ("record", tuple((k, i) for k, i in fields))
            elif t is VExpr:
                assert isinstance(cur, VExpr)
                e = self.expr(cur.expr)
                node, key = ["expr", e], ("expr", e)
            elif t is VNum:
                assert isinstance(cur, VNum)
                n = write_int(cur.value, "VNum value")
                node, key = ["num", n], ("num", cur.value)
            elif t is VUnit:
                node, key = ["unit"], ("unit",)
            elif t is VSuspension:
                raise CodecError("VSuspension", "a runtime-only value cannot be encoded",
                                 "a first-order value", "a suspension of machine state")  # fmt: skip
            elif t in STRING_FIELD:
                tag = VALUE_TAG[t]
                s = _str(getattr(cur, STRING_FIELD[t]), f"{t.__name__} field")
                node, key = [tag, s], (tag, s)
            else:
                raise CodecError(f"value {t.__name__}", "unknown value class", "a class of VALUE_CLASSES",
                                 t.__name__)  # fmt: skip
            stack.pop()
            self._emit(self.values, self.value_index, cur, node, key)
        return ids[id(v)]

    def term(self, term: Term) -> int:
        ids = self.node_identity
        found = ids.get(id(term))
        if found is not None:
            return found
        stack: list[Term] = [term]
        while stack:
            cur = stack.pop()
            if id(cur) in ids:
                continue
            node: list[object]
            key: tuple[object, ...]
            if isinstance(cur, Bind):
                a, b = ids.get(id(cur.first)), ids.get(id(cur.rest))
                if a is None or b is None:
                    stack.append(cur)
                    stack.extend(c for c, i in ((cur.rest, b), (cur.first, a)) if i is None)
                    continue
                node = ["bind", _str(cur.var, "Bind.var"), a, b]
                key = ("bind", cur.var, a, b)
            elif isinstance(cur, Op):
                operands = [self.value(v) for v in cur.operands]
                node = ["op", _str(cur.name, "Op.name"), operands]
                key = ("op", cur.name, tuple(operands))
            elif isinstance(cur, (Pure, Fail)):
                v = self.value(cur.value if isinstance(cur, Pure) else cur.reason)
                node = [TERM_TAG[type(cur)], v]
                key = tuple(node)
            elif isinstance(cur, (Scoped, Focus, Handle, Fix)):
                a = ids.get(id(cur.body))
                if a is None:
                    stack.append(cur)
                    stack.append(cur.body)
                    continue
                label = cur.scope if isinstance(cur, Scoped) else cur.selector if isinstance(cur, Focus) else \
                    cur.handler if isinstance(cur, Handle) else cur.name
                node = [TERM_TAG[type(cur)], _str(label, f"{type(cur).__name__} label"), a]
                key = (node[0], label, a)
            elif isinstance(cur, Choice):
                pending = [b for b in cur.branches if id(b) not in ids]
                if pending:
                    stack.append(cur)
                    stack.extend(reversed(pending))
                    continue
                if type(cur.policy) is not Policy:
                    raise CodecError("Choice.policy", "not a Policy", "Policy", type(cur.policy).__name__)
                branches = [ids[id(b)] for b in cur.branches]
                node = ["choice", cur.policy.value, branches, _str(cur.scorer, "Choice.scorer")]
                key = ("choice", cur.policy.value, tuple(branches), cur.scorer)
            elif isinstance(cur, Rec):
                node = ["rec", _str(cur.name, "Rec.name")]
                key = ("rec", cur.name)
            elif isinstance(cur, Foreign):
                payload = self.value(cur.payload)
                node = ["foreign", _str(cur.symbol, "Foreign.symbol"), payload, write_contract(cur.contract)]
                key = ("foreign", cur.symbol, payload, cur.contract)
            else:
                raise CodecError(f"term {type(cur).__name__}", "unknown term class", "a class of TERM_CLASSES",
                                 type(cur).__name__)  # fmt: skip
            if type(cur) not in TERM_TAG:  # a subclass: its extra fields would be lost
                raise CodecError(f"term {type(cur).__name__}", "unknown term class", "a class of TERM_CLASSES",
                                 type(cur).__name__)  # fmt: skip
            self._emit(self.terms, self.term_index, cur, node, key)
        return ids[id(term)]


class ProgramReader(ExprReader):
    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self.values: list[Value] = []
        self.terms: list[Term] = []
        self.table_size = 0  # entries of the table being read

    def value(self, x: object, path: Path) -> Value:
        return self.values[self.ref("values", len(self.values), x, path)]

    def term(self, x: object, path: Path) -> Term:
        return self.terms[self.ref("terms", len(self.terms), x, path)]

    def read_contract(self, raw: object, path: Path) -> Contract:
        d = obj(raw, path, CONTRACT_KEYS)
        ep = at(path, "effects")
        effects = [self.text(x, at(ep, i)) for i, x in enumerate(lst(d["effects"], ep))]
        for i in range(1, len(effects)):
            if effects[i - 1] >= effects[i]:
                raise CodecError(at(ep, i), "effects not sorted and distinct",
                                 f"a name after {effects[i - 1]!r}", describe(effects[i]))  # fmt: skip
        counts = [None if d[k] is None else read_int(d[k], at(path, k), self.limits)
                  for k in ("consumes_goals", "produces_goals")]  # fmt: skip
        return Contract(
            frozenset(effects), counts[0], counts[1], self.text(d["replay_codec"], at(path, "replay_codec")),
            self.text(d["projection"], at(path, "projection")),
            boolean(d["refinement_known"], at(path, "refinement_known")),
        )

    def _field(self, kind: str, value: object, path: Path, table: str, i: int) -> tuple[object, object]:
        """A decoded field and its deduplication key."""
        if kind == "str":
            s = self.text(value, path)
            return s, s
        if kind in ("value", "term") and kind + "s" == table:
            self._earlier(value, path, i)
            j = self.ref(table, i, value, path)
            return (self.values if table == "values" else self.terms)[j], j
        if kind == "value":
            j = self.ref("values", len(self.values), value, path)
            return self.values[j], j
        if kind in ("values", "terms"):
            items = lst(value, path)
            refs = []
            for k, x in enumerate(items):
                if kind == table:
                    self._earlier(x, at(path, k), i)
                refs.append(self.ref(kind, i if kind == table else len(self.values), x, at(path, k)))
            objs = self.values if kind == "values" else self.terms
            return tuple(objs[j] for j in refs), tuple(refs)
        if kind == "fields":
            pairs = []
            for k, pair in enumerate(lst(value, path)):
                pp = at(path, k)
                if type(pair) is not list or len(pair) != 2:
                    raise fail_type(pp, "a [key, value index] pair", pair)
                self._earlier(pair[1], at(pp, 1), i)
                pairs.append((self.text(pair[0], at(pp, 0)), self.ref("values", i, pair[1], at(pp, 1))))
            return tuple((key, self.values[j]) for key, j in pairs), tuple(pairs)
        if kind == "expr":
            j = self.ref("exprs", len(self.exprs), value, path)
            return self.exprs[j], j
        if kind == "int":
            n = read_int(value, path, self.limits)
            return n, n
        if kind == "policy":
            p = enum_value(value, path, POLICIES, "choice policy")
            return p, p
        assert kind == "contract"
        c = self.read_contract(value, path)
        return c, c

    def _earlier(self, value: object, path: Path, i: int) -> None:
        if type(value) is int and i <= value < self.table_size:
            raise CodecError(path, "forward or self reference", f"an index below {i}", str(value))

    def _read_table(self, raw: object, path: Path, table: str, shapes: dict[str, tuple[str, ...]],
                    classes: dict[str, Callable[..., object]], out: list[object], what: str) -> None:  # fmt: skip
        nodes = lst(raw, path)
        self.used[table] = bytearray(len(nodes))
        self.table_size = len(nodes)
        seen: dict[tuple[object, ...], int] = {}
        fast = self._fast_value if table == "values" else self._fast_term
        for i, node in enumerate(nodes):
            hit = fast(node, i) if type(node) is list and node else None
            if hit is not None:
                first = seen.setdefault(hit[1], i)
                if first == i:
                    out.append(hit[0])
                    continue
            p = at(path, i)
            if type(node) is not list or not node:
                raise fail_type(p, f"{what} node (an array starting with its kind)", node)
            tag = node[0]
            if type(tag) is not str or tag not in shapes:
                raise CodecError(at(p, 0), f"unknown {what} node kind", f"one of {', '.join(shapes)}", describe(tag))
            shape = shapes[tag]
            if len(node) != len(shape) + 1:
                raise CodecError(p, f"wrong number of fields for a '{tag}' node", f"{len(shape)} after the kind",
                                 str(len(node) - 1))  # fmt: skip
            fields = [self._field(kind, node[k], at(p, k), table, i) for k, kind in enumerate(shape, start=1)]
            key = (tag, *(f[1] for f in fields))
            first = seen.setdefault(key, i)
            if first != i:
                raise CodecError(p, f"duplicate {what} node", "each node once",
                                 f"the same as {render(at(path, first))}")
            out.append(classes[tag](*(f[0] for f in fields)))

    # fast paths for the common nodes: full checks, no paths; anything unusual (or wrong) goes
    # through the generic reader above, which names the offending field

    def _refs(self, xs: object, size: int, table: str) -> list[int] | None:
        if type(xs) is not list:
            return None
        for x in xs:
            if type(x) is not int or not 0 <= x < size:
                return None
        used = self.used[table]
        for x in xs:
            used[x] = 1
        return xs

    def _name(self, x: object) -> str | None:
        return x if type(x) is str and len(x) <= self.limits.max_string_chars and ESC not in x else None

    def _fast_value(self, node: list[object], i: int) -> tuple[Value, tuple[object, ...]] | None:
        tag, n = node[0], len(node)
        if n == 2:
            x = node[1]
            cls = STRING_VALUES.get(tag) if type(tag) is str else None
            if cls is not None:
                name = self._name(x)
                return None if name is None else (cls(name), (tag, name))
            if tag == "num" and type(x) is int and -SAFE_INT < x < SAFE_INT:
                return VNum(x), ("num", x)
            if tag == "expr" and type(x) is int and 0 <= x < len(self.exprs):
                self.used["exprs"][x] = 1
                return VExpr(self.exprs[x]), ("expr", x)
            if tag == "list":
                refs = self._refs(x, i, "values")
                if refs is not None:
                    values = self.values
                    return VList(tuple([values[j] for j in refs])), ("list", tuple(refs))
        elif n == 1 and tag == "unit":
            return VUnit(), ("unit",)
        return None

    def _fast_term(self, node: list[object], i: int) -> tuple[Term, tuple[object, ...]] | None:
        tag, n = node[0], len(node)
        terms = self.terms
        if tag == "bind" and n == 4:
            var, a, b = self._name(node[1]), node[2], node[3]
            if var is not None and type(a) is int and type(b) is int and 0 <= a < i and 0 <= b < i:
                self.used["terms"][a] = self.used["terms"][b] = 1
                return Bind(var, terms[a], terms[b]), ("bind", var, a, b)
        elif tag == "op" and n == 3:
            name, refs = self._name(node[1]), self._refs(node[2], len(self.values), "values")
            if name is not None and refs is not None:
                values = self.values
                return Op(name, tuple([values[j] for j in refs])), ("op", name, tuple(refs))
        elif (tag == "pure" or tag == "fail") and n == 2:
            a = node[1]
            if type(a) is int and 0 <= a < len(self.values):
                self.used["values"][a] = 1
                return (Pure if tag == "pure" else Fail)(self.values[a]), (tag, a)
        elif n == 3 and type(tag) is str and tag in LABELLED:
            label, a = self._name(node[1]), node[2]
            if label is not None and type(a) is int and 0 <= a < i:
                self.used["terms"][a] = 1
                return LABELLED[tag](label, terms[a]), (tag, label, a)
        return None

    def read_values(self, raw: object, path: Path) -> None:
        self._read_table(raw, path, "values", VALUE_SHAPES, VALUE_CLASS, self.values, "value")  # type: ignore[arg-type]

    def read_terms(self, raw: object, path: Path) -> None:
        self._read_table(raw, path, "terms", TERM_SHAPES, TERM_CLASS, self.terms, "term")  # type: ignore[arg-type]
