"""Kernel expressions as DAG tables: universe levels, expressions, local declarations, local
contexts and metavariable declarations (open holes).

Each table is a JSON array; an entry refers to entries of earlier tables, or to *earlier* entries of
its own table, by index, so a document is read in one forward pass without recursion and a
forward or out-of-range reference is an error.  Every distinct node appears once (expressions and
levels are hash-consed, so identity is structural equality; the other tables are deduplicated on
their fields), and a decoder rejects a repeated entry and an entry nothing refers to.

Layout (``e`` an expression index, ``l`` a level index)::

    levels   ["zero"] | ["succ", l] | ["max", l, l] | ["imax", l, l] | ["param", name] | ["mvar", id]
    exprs    ["bvar", idx] | ["fvar", id] | ["mvar", id] | ["sort", l] | ["const", name, [l…]]
             | ["app", e_fn, e_arg] | ["lam", name, e_type, e_body, bi] | ["pi", name, e_type, e_body, bi]
             | ["let", name, e_type, e_value, e_body] | ["natlit", "decimal digits"]
    locals   {"fvar": id, "name": str, "type": e, "value": e | null, "bi": bi}
    contexts [local index…]                                  -- a local context, in order
    mvars    {"id": id, "name": str, "context": c, "type": e, "kind": "natural" | "synthetic" | …}

``bi`` is ``default | implicit | strict_implicit | inst_implicit``.  Free-variable and
metavariable ids are kept exactly; after a successful decode the process-wide fresh-id counter is
advanced past every id read (``advance_fresh_ids``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

from tactic_mesh.codecs.json_base import (
    ESC,
    MAX_ID,
    CodecError,
    Limits,
    Path,
    at,
    describe,
    enum_table,
    enum_value,
    fail_type,
    lst,
    obj,
    read_digits,
    render,
    rstr,
    small_int,
    string,
    wstr,
)
from tactic_mesh.kernel.expr import (
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
    digits_of_nat,
)
from tactic_mesh.kernel.level import Level, LIMax, LMax, LMVar, LParam, LSucc, LZero
from tactic_mesh.kernel.local_context import LocalContext, LocalDecl
from tactic_mesh.kernel.mctx import MVarDecl, MVarKind

BINDER_INFOS = enum_table(BinderInfo)
MVAR_KINDS = enum_table(MVarKind)
BI_NAMES = {v: k for k, v in BINDER_INFOS.items()}
KIND_NAMES = {v: k for k, v in MVAR_KINDS.items()}
LOCAL_KEYS = frozenset({"fvar", "name", "type", "value", "bi"})
MVAR_KEYS = frozenset({"id", "name", "context", "type", "kind"})

# field kinds of each node kind (used to explain a rejected node precisely)
EXPR_SHAPES: dict[str, tuple[str, ...]] = {
    "bvar": ("index",), "fvar": ("id",), "mvar": ("id",), "sort": ("level",), "const": ("name", "levels"),
    "app": ("expr", "expr"), "lam": ("name", "expr", "expr", "bi"), "pi": ("name", "expr", "expr", "bi"),
    "let": ("name", "expr", "expr", "expr"), "natlit": ("digits",),
}  # fmt: skip
LEVEL_SHAPES: dict[str, tuple[str, ...]] = {
    "zero": (), "succ": ("level",), "max": ("level", "level"), "imax": ("level", "level"), "param": ("name",),
    "mvar": ("id",),
}  # fmt: skip


def _name(s: str) -> str:
    return s if type(s) is str and s.isascii() else wstr(s, "name")


class ExprWriter:
    """Collects the expression-level tables of one document (append-only, deduplicated)."""

    def __init__(self) -> None:
        self.levels: list[list[object]] = []
        self.level_index: dict[Level, int] = {}
        self.exprs: list[list[object]] = []
        self.expr_index: dict[Expr, int] = {}
        self.expr_objects: list[Expr] = []
        self.locals: list[dict[str, object]] = []
        self.local_index: dict[tuple[object, ...], int] = {}
        self.contexts: list[list[int]] = []
        self.context_index: dict[tuple[int, ...], int] = {}
        self.mvars: list[dict[str, object]] = []
        self.mvar_index: dict[tuple[object, ...], int] = {}
        self.goal_ids: set[int] = set()  # metavariable ids mentioned outside expressions (StepPack goals)
        self.by_identity: dict[int, int] = {}  # id(LocalContext | MVarDecl) -> index (objects kept alive)
        self.keep: list[object] = []

    def level(self, level: Level) -> int:
        found = self.level_index.get(level)
        if found is not None:
            return found
        index = self.level_index
        stack = [level]
        while stack:
            cur = stack[-1]
            if cur in index:
                stack.pop()
                continue
            t = type(cur)
            if t is LSucc:
                assert isinstance(cur, LSucc)
                if cur.of not in index:
                    stack.append(cur.of)
                    continue
                node: list[object] = ["succ", index[cur.of]]
            elif t is LMax or t is LIMax:
                assert isinstance(cur, (LMax, LIMax))
                pending = [c for c in (cur.lhs, cur.rhs) if c not in index]
                if pending:
                    stack.extend(pending)
                    continue
                node = ["max" if t is LMax else "imax", index[cur.lhs], index[cur.rhs]]
            elif t is LZero:
                node = ["zero"]
            elif t is LParam:
                assert isinstance(cur, LParam)
                node = ["param", wstr(cur.name, "LParam.name")]
            elif t is LMVar:
                assert isinstance(cur, LMVar)
                node = ["mvar", cur.id]
            else:
                raise CodecError(f"level {cur!r}", "unknown level class", "a Level node", t.__name__)
            stack.pop()
            index[cur] = len(self.levels)
            self.levels.append(node)
        return index[level]

    def expr(self, e: Expr) -> int:
        index = self.expr_index
        found = index.get(e)
        if found is not None:
            return found
        exprs, objects = self.exprs, self.expr_objects
        stack = [e]
        while stack:
            cur = stack.pop()
            if cur in index:
                continue
            node: list[object]
            if isinstance(cur, App):
                a, b = index.get(cur.fn), index.get(cur.arg)
                if a is None or b is None:
                    stack.append(cur)
                    stack.extend(c for c, i in ((cur.arg, b), (cur.fn, a)) if i is None)
                    continue
                node = ["app", a, b]
            elif isinstance(cur, Const):
                node = ["const", _name(cur.name), [self.level(lvl) for lvl in cur.levels]]
            elif isinstance(cur, BVar):
                node = ["bvar", cur.idx]
            elif isinstance(cur, (Lam, Pi)):
                a, b = index.get(cur.type), index.get(cur.body)
                if a is None or b is None:
                    stack.append(cur)
                    stack.extend(c for c, i in ((cur.body, b), (cur.type, a)) if i is None)
                    continue
                node = ["lam" if type(cur) is Lam else "pi", _name(cur.name), a, b, BI_NAMES[cur.bi]]
            elif isinstance(cur, (FVar, MVar)):
                node = ["fvar" if type(cur) is FVar else "mvar", cur.id]
            elif isinstance(cur, Sort):
                node = ["sort", self.level(cur.level)]
            elif isinstance(cur, Let):
                parts = (cur.body, cur.value, cur.type)
                if any(c not in index for c in parts):
                    stack.append(cur)
                    stack.extend(c for c in parts if c not in index)
                    continue
                node = ["let", _name(cur.name), index[cur.type], index[cur.value], index[cur.body]]
            elif isinstance(cur, NatLit):
                node = ["natlit", digits_of_nat(cur.value)]
            else:
                raise CodecError(f"expression {cur!r}", "unknown expression class", "a kernel Expr node",
                                 type(cur).__name__)  # fmt: skip
            index[cur] = len(exprs)
            exprs.append(node)
            objects.append(cur)
        return index[e]

    def opt_expr(self, e: Expr | None) -> int | None:
        return None if e is None else self.expr(e)

    def local(self, decl: LocalDecl) -> int:
        ty = self.expr(decl.type)
        value = self.opt_expr(decl.value)
        key = (decl.fvar.id, decl.user_name, ty, value, BI_NAMES[decl.bi])
        found = self.local_index.get(key)
        if found is None:
            found = self.local_index[key] = len(self.locals)
            self.locals.append({"fvar": decl.fvar.id, "name": wstr(decl.user_name, "LocalDecl.user_name"),
                                "type": ty, "value": value,
                                "bi": BI_NAMES[decl.bi]})  # fmt: skip
        return found

    def context(self, lctx: LocalContext) -> int:
        found = self.by_identity.get(id(lctx))
        if found is not None:
            return found
        key = tuple(self.local(d) for d in lctx)
        found = self.context_index.get(key)
        if found is None:
            found = self.context_index[key] = len(self.contexts)
            self.contexts.append(list(key))
        self.by_identity[id(lctx)] = found
        self.keep.append(lctx)
        return found

    def mvar_decl(self, decl: MVarDecl) -> int:
        found = self.by_identity.get(id(decl))
        if found is not None:
            return found
        ctx = self.context(decl.lctx)
        ty = self.expr(decl.type)
        key = (decl.id, decl.user_name, ctx, ty, KIND_NAMES[decl.kind])
        found = self.mvar_index.get(key)
        if found is None:
            found = self.mvar_index[key] = len(self.mvars)
            self.mvars.append({"id": decl.id, "name": wstr(decl.user_name, "MVarDecl.user_name"), "context": ctx,
                               "type": ty,
                               "kind": KIND_NAMES[decl.kind]})  # fmt: skip
        self.by_identity[id(decl)] = found
        self.keep.append(decl)
        return found

    def holes(self, decls: Mapping[int, MVarDecl]) -> list[int]:
        """Declarations of every metavariable of the expression table (and every goal id of a
        StepPack) declared in ``decls``, and of the metavariables their types and contexts
        mention, by id."""
        out: dict[int, int] = {}
        for mid in sorted(self.goal_ids):
            decl = decls.get(mid)
            if decl is not None:
                out[mid] = self.mvar_decl(decl)
        i = 0
        while i < len(self.expr_objects):
            e = self.expr_objects[i]
            i += 1
            if type(e) is MVar:
                assert isinstance(e, MVar)
                decl = decls.get(e.id)
                if decl is not None and e.id not in out:
                    out[e.id] = self.mvar_decl(decl)
        return [out[k] for k in sorted(out)]


class _Bad(Exception):
    """Internal: the fast path saw something wrong; the slow path explains it."""


class ExprReader:
    """Reads the expression-level tables of one document, in order, checking every reference."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.max_id = 0
        self.levels: list[Level] = []
        self.exprs: list[Expr] = []
        self.locals: list[LocalDecl] = []
        self.contexts: list[LocalContext] = []
        self.mvars: list[MVarDecl] = []
        self.used: dict[str, bytearray] = {}

    # -- references ------------------------------------------------------------------------

    def ref(self, table: str, size: int, value: object, path: Path) -> int:
        if type(value) is not int or not 0 <= value < size:
            if type(value) is int:
                raise CodecError(path, f"dangling reference into '{table}'", f"an index in 0..{size - 1}",
                                 str(value))  # fmt: skip
            raise fail_type(path, f"index into '{table}' (integer)", value)
        self.used[table][value] = 1
        return value

    def expr(self, value: object, path: Path) -> Expr:
        return self.exprs[self.ref("exprs", len(self.exprs), value, path)]

    def opt_expr(self, value: object, path: Path) -> Expr | None:
        return None if value is None else self.expr(value, path)

    def level(self, value: object, path: Path) -> Level:
        return self.levels[self.ref("levels", len(self.levels), value, path)]

    def context(self, value: object, path: Path) -> LocalContext:
        return self.contexts[self.ref("contexts", len(self.contexts), value, path)]

    def mvar(self, value: object, path: Path) -> MVarDecl:
        return self.mvars[self.ref("mvars", len(self.mvars), value, path)]

    def ident(self, value: object, path: Path) -> int:
        n = small_int(value, path, 0, MAX_ID)
        if n > self.max_id:
            self.max_id = n
        return n

    def text(self, value: object, path: Path) -> str:
        return string(value, path, self.limits)

    def check_all_used(self, base: Path) -> None:
        for table, used in self.used.items():
            i = used.find(0)
            if i >= 0:
                raise CodecError(at(at(base, table), i), "entry never referenced",
                                 "every table entry to be used", "an unused entry")  # fmt: skip

    # -- tables ----------------------------------------------------------------------------

    def read_levels(self, raw: object, path: Path) -> None:
        nodes = lst(raw, path)
        used = self.used["levels"] = bytearray(len(nodes))
        out = self.levels
        max_id = MAX_ID
        for i, node in enumerate(nodes):
            try:
                if type(node) is not list or not node:
                    raise _Bad
                tag = node[0]
                n = len(node)
                if tag == "succ" and n == 2:
                    a = node[1]
                    if type(a) is not int or not 0 <= a < i:
                        raise _Bad
                    used[a] = 1
                    lvl: Level = LSucc(out[a])
                elif (tag == "max" or tag == "imax") and n == 3:
                    a, b = node[1], node[2]
                    if type(a) is not int or not 0 <= a < i or type(b) is not int or not 0 <= b < i:
                        raise _Bad
                    used[a] = used[b] = 1
                    lvl = LMax(out[a], out[b]) if tag == "max" else LIMax(out[a], out[b])
                elif tag == "param" and n == 2:
                    lvl = LParam(self.text(node[1], ""))
                elif tag == "zero" and n == 1:
                    lvl = LZero()
                elif tag == "mvar" and n == 2:
                    a = node[1]
                    if type(a) is not int or not 0 <= a <= max_id:
                        raise _Bad
                    self.max_id = max(self.max_id, a)
                    lvl = LMVar(a)
                else:
                    raise _Bad
            except (_Bad, CodecError):
                self._explain(path, i, len(nodes), node, LEVEL_SHAPES, "level")
            out.append(lvl)
        self._check_unique(out, path, "level")

    def read_exprs(self, raw: object, path: Path) -> None:
        nodes = lst(raw, path)
        used = self.used["exprs"] = bytearray(len(nodes))
        levels = self.levels
        n_levels = len(levels)
        level_used = self.used["levels"]
        out = self.exprs
        max_str = self.limits.max_string_chars
        max_id = MAX_ID
        bis = BINDER_INFOS
        for i, node in enumerate(nodes):
            try:
                if type(node) is not list or not node:
                    raise _Bad
                tag = node[0]
                n = len(node)
                if tag == "app" and n == 3:
                    a, b = node[1], node[2]
                    if type(a) is not int or not 0 <= a < i or type(b) is not int or not 0 <= b < i:
                        raise _Bad
                    used[a] = used[b] = 1
                    e: Expr = App(out[a], out[b])
                elif tag == "const" and n == 3:
                    name, lvls = node[1], node[2]
                    if type(name) is not str or len(name) > max_str or type(lvls) is not list:
                        raise _Bad
                    if ESC in name:
                        name = rstr(name, "")
                    for li in lvls:
                        if type(li) is not int or not 0 <= li < n_levels:
                            raise _Bad
                        level_used[li] = 1
                    e = Const(name, tuple([levels[li] for li in lvls]))
                elif tag == "bvar" and n == 2:
                    a = node[1]
                    if type(a) is not int or not 0 <= a <= max_id:
                        raise _Bad
                    e = BVar(a)
                elif (tag == "lam" or tag == "pi") and n == 5:
                    name, a, b, bi = node[1], node[2], node[3], node[4]
                    if type(name) is not str or len(name) > max_str or type(bi) is not str or bi not in bis:
                        raise _Bad
                    if ESC in name:
                        name = rstr(name, "")
                    if type(a) is not int or not 0 <= a < i or type(b) is not int or not 0 <= b < i:
                        raise _Bad
                    used[a] = used[b] = 1
                    e = (Lam if tag == "lam" else Pi)(name, out[a], out[b], bis[bi])
                elif (tag == "fvar" or tag == "mvar") and n == 2:
                    a = node[1]
                    if type(a) is not int or not 0 <= a <= max_id:
                        raise _Bad
                    if a > self.max_id:
                        self.max_id = a
                    e = FVar(a) if tag == "fvar" else MVar(a)
                elif tag == "sort" and n == 2:
                    a = node[1]
                    if type(a) is not int or not 0 <= a < n_levels:
                        raise _Bad
                    level_used[a] = 1
                    e = Sort(levels[a])
                elif tag == "let" and n == 5:
                    name, a, b, c = node[1], node[2], node[3], node[4]
                    if type(name) is not str or len(name) > max_str:
                        raise _Bad
                    if ESC in name:
                        name = rstr(name, "")
                    for x in (a, b, c):
                        if type(x) is not int or not 0 <= x < i:
                            raise _Bad
                    used[a] = used[b] = used[c] = 1
                    e = Let(name, out[a], out[b], out[c])
                elif tag == "natlit" and n == 2:
                    digits = node[1]
                    if type(digits) is not str:
                        raise _Bad
                    e = NatLit(read_digits(digits, at(at(path, i), 1), self.limits))
                else:
                    raise _Bad
            except (_Bad, CodecError):
                self._explain(path, i, len(nodes), node, EXPR_SHAPES, "expression")
            out.append(e)
        self._check_unique(out, path, "expression")

    def read_locals(self, raw: object, path: Path) -> None:
        entries = lst(raw, path)
        self.used["locals"] = bytearray(len(entries))
        seen: dict[tuple[object, ...], int] = {}
        for i, entry in enumerate(entries):
            p = at(path, i)
            d = obj(entry, p, LOCAL_KEYS)
            fvar = self.ident(d["fvar"], at(p, "fvar"))
            name = self.text(d["name"], at(p, "name"))
            ty = self.expr(d["type"], at(p, "type"))
            value = self.opt_expr(d["value"], at(p, "value"))
            bi = enum_value(d["bi"], at(p, "bi"), BINDER_INFOS, "binder info")
            self._unique(seen, (fvar, name, d["type"], d["value"], bi), i, path, "local declaration")
            self.locals.append(LocalDecl(FVar(fvar), name, ty, value, bi))

    def read_contexts(self, raw: object, path: Path) -> None:
        entries = lst(raw, path)
        self.used["contexts"] = bytearray(len(entries))
        seen: dict[tuple[object, ...], int] = {}
        n = len(self.locals)
        for i, entry in enumerate(entries):
            p = at(path, i)
            indices = [self.ref("locals", n, x, at(p, j)) for j, x in enumerate(lst(entry, p))]
            self._unique(seen, tuple(indices), i, path, "local context")
            self.contexts.append(LocalContext([self.locals[j] for j in indices]))

    def read_mvars(self, raw: object, path: Path) -> None:
        entries = lst(raw, path)
        self.used["mvars"] = bytearray(len(entries))
        seen: dict[tuple[object, ...], int] = {}
        for i, entry in enumerate(entries):
            p = at(path, i)
            d = obj(entry, p, MVAR_KEYS)
            mid = self.ident(d["id"], at(p, "id"))
            name = self.text(d["name"], at(p, "name"))
            ctx = self.context(d["context"], at(p, "context"))
            ty = self.expr(d["type"], at(p, "type"))
            kind = enum_value(d["kind"], at(p, "kind"), MVAR_KINDS, "metavariable kind")
            self._unique(seen, (mid, name, d["context"], d["type"], kind), i, path, "metavariable declaration")
            self.mvars.append(MVarDecl(mid, name, ctx, ty, kind))

    # -- errors ----------------------------------------------------------------------------

    @staticmethod
    def _unique(
        seen: dict[tuple[object, ...], int], key: tuple[object, ...], i: int, path: Path, what: str
    ) -> None:
        first = seen.setdefault(key, i)
        if first != i:
            raise CodecError(at(path, i), f"duplicate {what}", "each entry once",
                             f"the same as {render(at(path, first))}")

    def _check_unique(self, out: list[Level] | list[Expr], path: Path, what: str) -> None:
        if len(set(out)) == len(out):
            return
        first: dict[object, int] = {}
        for i, x in enumerate(out):
            j = first.setdefault(x, i)
            if j != i:
                raise CodecError(at(path, i), f"duplicate {what} node", "each node once",
                                 f"the same as {render(at(path, j))}")

    def _explain(
        self, path: Path, i: int, total: int, node: object, shapes: dict[str, tuple[str, ...]], what: str
    ) -> NoReturn:
        """Find and report what is wrong with a node the fast path refused."""
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
        table, child = ("levels", "level") if what == "level" else ("exprs", "expr")
        for j, (field, value) in enumerate(zip(shape, node[1:], strict=True), start=1):
            fp = at(p, j)
            if field == child:  # a child in the same table
                if type(value) is int and i <= value < total:
                    raise CodecError(fp, "forward or self reference", f"an index below {i}", str(value))
                self.ref(table, i, value, fp)
            elif field == "level":
                self.ref("levels", len(self.levels), value, fp)
            elif field == "levels":
                for k, x in enumerate(lst(value, fp)):
                    self.ref("levels", len(self.levels), x, at(fp, k))
            elif field == "name":
                self.text(value, fp)
            elif field == "bi":
                enum_value(value, fp, BINDER_INFOS, "binder info")
            elif field in ("id", "index"):
                small_int(value, fp, 0, MAX_ID)
            elif field == "digits":
                if type(value) is not str:
                    raise fail_type(fp, "decimal digits (string)", value)
                read_digits(value, fp, self.limits)
        raise CodecError(p, f"malformed {what} node", "a well-formed node", describe(node), internal=True)
