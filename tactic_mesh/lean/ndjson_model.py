"""The lean4export NDJSON format (3.x), its data model: the records, and the ``Export`` that holds a
file's records (``lean/ndjson.py`` is the format's entry point: the model, the reader and the writer).

An export is one JSON object per line.  The first line is the *meta* object (``Meta``); every
later line is one record, in file order (``Export.items``):

* **names** — ``{"in": id, "str": {"pre": id, "str": s}}`` (``NameStr``) and
  ``{"in": id, "num": {"pre": id, "i": n}}`` (``NameNum``); id 0 is the anonymous name and is never
  written.  A resolved Lean name is a ``LeanName``: the tuple of its components (``()`` is
  anonymous), converted to and from our dotted strings by ``name_to_str`` / ``name_from_str``.
* **levels** — ``{"il": id, "succ": l}``, ``"max": [l, l]``, ``"imax": [l, l]``, ``"param": name``
  (``LevelSucc LevelMax LevelIMax LevelParam``); id 0 is ``zero`` and is never written.
* **expressions** — ``{"ie": id, KIND: …}`` with KIND one of ``bvar sort const app lam forallE letE
  proj natVal strVal mdata`` (``ExprBVar ExprSort ExprConst ExprApp ExprLam ExprForall ExprLet
  ExprProj ExprNatLit ExprStrLit ExprMData``); binder infos are the kernel's ``BinderInfo``
  (``"default" "implicit" "strictImplicit" "instImplicit"`` on the wire).
* **declarations** — ``{"axiom": …}`` ``{"def": …}`` ``{"thm": …}`` ``{"opaque": …}``
  ``{"quot": …}`` and ``{"inductive": {"types": [...], "ctors": [...], "recs": [...]}}``
  (``AxiomVal DefinitionVal TheoremVal OpaqueVal QuotVal InductiveBlock`` holding
  ``InductiveVal ConstructorVal RecursorVal RecursorRule``).  JSON ``camelCase`` field names
  become ``snake_case`` attributes (``levelParams`` → ``level_params``, ``isUnsafe`` →
  ``is_unsafe``, ``typeName`` → ``type_name`` …); ``all`` stays ``all``.

Every reference is an integer id of a record on an *earlier* line (names, levels, expressions
form three id spaces); records store those ids, not the resolved structures, so an ``Export`` is
flat data: equality, hashing and traversal never recurse on the depth of a term.  ``Export``
resolves names (``name``, ``name_str``) and levels (``level``, as kernel ``Level`` s) on demand,
iteratively.

The reader (``read_export``) also accepts the 3.0.0 spellings (``"axiomInfo"``, ``"quotInfo"``,
``"def"`` / ``"thm"`` holding arrays, ``inductiveVals constructorVals recursorVals``); the writer
(``write_export``) always writes 3.1.0.  Every malformed input raises ``NdjsonError`` with the
1-based line and the JSON path of the offending field.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping

import attrs

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import BinderInfo, digits_of_nat

FORMAT_VERSION = "3.1.0"

# Limits the reader enforces (the format has none; these keep every consumer's recursion bounded)
MAX_NAME_COMPONENTS = 1024
MAX_LEVEL_DEPTH = 256
MAX_NAT = 2**63 - 1  # ids, indices and counts
MAX_NAT_DIGITS = 100_000  # natVal literals (decimal digits)
MAX_HINT_HEIGHT = 2**32 - 1  # Lean's ``ReducibilityHints.regular`` holds a UInt32


class NdjsonError(TacticMeshError):
    """A malformed export: ``str(err)`` is ``"SOURCE:LINE: $.path: detail"``."""

    def __init__(self, detail: str, *, source: str = "<export>", line: int = 0, path: str = "$") -> None:
        super().__init__(f"{source}:{line}: {path}: {detail}")
        self.source = source
        self.line = line
        self.path = path
        self.detail = detail


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

LeanName = tuple[str | int, ...]
ANONYMOUS: LeanName = ()


def _needs_escape(component: str) -> bool:
    return component == "" or "." in component or component.isdigit() or "«" in component or "»" in component


def name_to_str(name: LeanName) -> str:
    """Our dotted form: ``("Nat", "add")`` → ``"Nat.add"``; numeric components print as digits and
    string components that would not read back (empty, containing ``.``, all digits) as
    ``«…»``.  The anonymous name is ``"[anonymous]"`` (as Lean prints it)."""
    if not name:
        return "[anonymous]"
    parts: list[str] = []
    for component in name:
        if isinstance(component, int):
            parts.append(str(component))
        elif _needs_escape(component):
            parts.append(f"«{component}»")
        else:
            parts.append(component)
    return ".".join(parts)


def name_from_str(text: str) -> LeanName:
    """Inverse of ``name_to_str`` on its image; ``"Nat.add"`` → ``("Nat", "add")``, all-digit
    components become numbers, ``«…»`` quotes a component verbatim."""
    if text == "[anonymous]":
        return ANONYMOUS
    out: list[str | int] = []
    i = 0
    n = len(text)
    while True:
        if i < n and text[i] == "«":
            end = text.find("»", i + 1)
            if end < 0:
                raise ValueError(f"unterminated « in name {text!r}")
            out.append(text[i + 1 : end])
            i = end + 1
        else:
            end = text.find(".", i)
            end = n if end < 0 else end
            piece = text[i:end]
            if piece == "":
                raise ValueError(f"empty component in name {text!r}")
            out.append(int(piece) if piece.isascii() and piece.isdigit() else piece)
            i = end
        if i == n:
            return tuple(out)
        if text[i] != ".":
            raise ValueError(f"expected '.' after a quoted component in name {text!r}")
        i += 1


@attrs.frozen
class NameStr:
    """``Name.str pre s`` with id ``id``."""

    id: int
    pre: int
    string: str  # JSON ``str``


@attrs.frozen
class NameNum:
    """``Name.num pre i`` with id ``id``."""

    id: int
    pre: int
    i: int


NameRecord = NameStr | NameNum

# ---------------------------------------------------------------------------------------------
# Levels
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class LevelSucc:
    id: int
    of: int


@attrs.frozen
class LevelMax:
    id: int
    lhs: int
    rhs: int


@attrs.frozen
class LevelIMax:
    id: int
    lhs: int
    rhs: int


@attrs.frozen
class LevelParam:
    id: int
    name: int  # a name id


LevelRecord = LevelSucc | LevelMax | LevelIMax | LevelParam

# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class ExprBVar:
    id: int
    idx: int


@attrs.frozen
class ExprSort:
    id: int
    level: int


@attrs.frozen
class ExprConst:
    id: int
    name: int
    levels: tuple[int, ...]  # JSON ``us``


@attrs.frozen
class ExprApp:
    id: int
    fn: int
    arg: int


@attrs.frozen
class ExprLam:
    id: int
    name: int
    type: int
    body: int
    binder_info: BinderInfo


@attrs.frozen
class ExprForall:
    """JSON ``forallE``."""

    id: int
    name: int
    type: int
    body: int
    binder_info: BinderInfo


@attrs.frozen
class ExprLet:
    """JSON ``letE``."""

    id: int
    name: int
    type: int
    value: int
    body: int
    nondep: bool


@attrs.frozen
class ExprProj:
    id: int
    type_name: int  # a name id (JSON ``typeName``)
    idx: int
    struct: int


@attrs.frozen(repr=False)
class ExprNatLit:
    """JSON ``natVal`` (written as a decimal string)."""

    id: int
    value: int

    def __repr__(self) -> str:  # Python refuses str() of ints beyond 4300 digits
        return f"ExprNatLit(id={self.id}, value={digits_of_nat(self.value)})"


@attrs.frozen
class ExprStrLit:
    """JSON ``strVal``."""

    id: int
    value: str


@attrs.frozen
class ExprMData:
    """``mdata``: ``data`` is the metadata object as canonical JSON text (sorted keys, compact)."""

    id: int
    expr: int
    data: str


ExprRecord = (
    ExprBVar | ExprSort | ExprConst | ExprApp | ExprLam | ExprForall | ExprLet | ExprProj | ExprNatLit | ExprStrLit
    | ExprMData
)

# ---------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------


class HintKind(enum.Enum):
    OPAQUE = "opaque"
    ABBREV = "abbrev"
    REGULAR = "regular"


@attrs.frozen
class Hints:
    """``"opaque" | "abbrev" | {"regular": height}`` (``height`` is 0 unless ``REGULAR``)."""

    kind: HintKind
    height: int = 0


HINTS_OPAQUE = Hints(HintKind.OPAQUE)
HINTS_ABBREV = Hints(HintKind.ABBREV)


class Safety(enum.Enum):
    UNSAFE = "unsafe"
    SAFE = "safe"
    PARTIAL = "partial"


class QuotKind(enum.Enum):
    TYPE = "type"
    CTOR = "ctor"
    LIFT = "lift"
    IND = "ind"


@attrs.frozen
class AxiomVal:
    name: int
    level_params: tuple[int, ...]  # name ids
    type: int
    is_unsafe: bool = False


@attrs.frozen
class DefinitionVal:
    """JSON ``def``."""

    name: int
    level_params: tuple[int, ...]
    type: int
    value: int
    hints: Hints
    safety: Safety
    all: tuple[int, ...]  # the mutual group (name ids)


@attrs.frozen
class TheoremVal:
    """JSON ``thm``."""

    name: int
    level_params: tuple[int, ...]
    type: int
    value: int
    all: tuple[int, ...]


@attrs.frozen
class OpaqueVal:
    name: int
    level_params: tuple[int, ...]
    type: int
    value: int
    is_unsafe: bool
    all: tuple[int, ...]


@attrs.frozen
class QuotVal:
    name: int
    level_params: tuple[int, ...]
    type: int
    kind: QuotKind


@attrs.frozen
class InductiveVal:
    name: int
    level_params: tuple[int, ...]
    type: int
    num_params: int
    num_indices: int
    all: tuple[int, ...]
    ctors: tuple[int, ...]
    num_nested: int
    is_rec: bool
    is_unsafe: bool
    is_reflexive: bool


@attrs.frozen
class ConstructorVal:
    name: int
    level_params: tuple[int, ...]
    type: int
    induct: int  # a name id
    cidx: int
    num_params: int
    num_fields: int
    is_unsafe: bool


@attrs.frozen
class RecursorRule:
    ctor: int  # a name id
    nfields: int
    rhs: int


@attrs.frozen
class RecursorVal:
    name: int
    level_params: tuple[int, ...]
    type: int
    all: tuple[int, ...]
    num_params: int
    num_indices: int
    num_motives: int
    num_minors: int
    rules: tuple[RecursorRule, ...]
    k: bool
    is_unsafe: bool


@attrs.frozen
class InductiveBlock:
    """JSON ``inductive``: a (mutual) group of inductive types with their constructors and
    recursors, exported together."""

    types: tuple[InductiveVal, ...]
    ctors: tuple[ConstructorVal, ...]
    recs: tuple[RecursorVal, ...]


Declaration = AxiomVal | DefinitionVal | TheoremVal | OpaqueVal | QuotVal | InductiveBlock
ConstantVal = AxiomVal | DefinitionVal | TheoremVal | OpaqueVal | QuotVal | InductiveVal | ConstructorVal | RecursorVal
Item = NameRecord | LevelRecord | ExprRecord | Declaration

NAME_RECORDS: tuple[type, ...] = (NameStr, NameNum)
LEVEL_RECORDS: tuple[type, ...] = (LevelSucc, LevelMax, LevelIMax, LevelParam)
EXPR_RECORDS: tuple[type, ...] = (
    ExprBVar, ExprSort, ExprConst, ExprApp, ExprLam, ExprForall, ExprLet, ExprProj, ExprNatLit, ExprStrLit, ExprMData,
)
DECLARATIONS: tuple[type, ...] = (AxiomVal, DefinitionVal, TheoremVal, OpaqueVal, QuotVal, InductiveBlock)


def block_constants(decl: Declaration) -> tuple[ConstantVal, ...]:
    """The constants a declaration line declares (types, then constructors, then recursors)."""
    if isinstance(decl, InductiveBlock):
        return (*decl.types, *decl.ctors, *decl.recs)
    return (decl,)


# ---------------------------------------------------------------------------------------------
# The export
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Meta:
    """The first line: ``{"meta": {"exporter": {name, version}, "lean": {githash, version},
    "format": {version}}}``."""

    exporter_name: str = "tactic-mesh"
    exporter_version: str = ""
    lean_githash: str = ""
    lean_version: str = ""
    format_version: str = FORMAT_VERSION


@attrs.frozen
class Export:
    """A whole export: the meta line and every later record in file order.

    Equality compares ``meta`` and ``items`` only.  ``source`` names the file in messages and
    ``lines[k]`` is the 1-based line of ``items[k]`` (as read, or as ``write_export`` will write
    it; empty when unknown).  The
    tables (``names levels exprs``: id → record) and ``declarations`` are derived from ``items``.
    """

    meta: Meta
    items: tuple[Item, ...]
    source: str = attrs.field(default="<export>", eq=False)
    lines: tuple[int, ...] = attrs.field(default=(), eq=False, repr=False)
    names: Mapping[int, NameRecord] = attrs.field(init=False, eq=False, repr=False)
    levels: Mapping[int, LevelRecord] = attrs.field(init=False, eq=False, repr=False)
    exprs: Mapping[int, ExprRecord] = attrs.field(init=False, eq=False, repr=False)
    declarations: tuple[Declaration, ...] = attrs.field(init=False, eq=False, repr=False)
    _name_cache: dict[int, LeanName] = attrs.field(init=False, eq=False, repr=False)
    _level_cache: dict[int, lv.Level] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        names: dict[int, NameRecord] = {}
        levels: dict[int, LevelRecord] = {}
        exprs: dict[int, ExprRecord] = {}
        decls: list[Declaration] = []
        for item in self.items:
            if isinstance(item, NameStr | NameNum):
                names[item.id] = item
            elif isinstance(item, LevelSucc | LevelMax | LevelIMax | LevelParam):
                levels[item.id] = item
            elif isinstance(item, AxiomVal | DefinitionVal | TheoremVal | OpaqueVal | QuotVal | InductiveBlock):
                decls.append(item)
            else:
                exprs[item.id] = item
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "exprs", exprs)
        object.__setattr__(self, "declarations", tuple(decls))
        object.__setattr__(self, "_name_cache", {0: ANONYMOUS})
        object.__setattr__(self, "_level_cache", {0: lv.ZERO})

    # -- locations -----------------------------------------------------------------------------

    def line_of(self, index: int) -> int:
        """The 1-based line of ``items[index]`` (0 when built in memory)."""
        return self.lines[index] if index < len(self.lines) else 0

    def declaration_lines(self) -> Iterator[tuple[int, Declaration]]:
        """Each declaration with its line, in file order."""
        for index, item in enumerate(self.items):
            if isinstance(item, AxiomVal | DefinitionVal | TheoremVal | OpaqueVal | QuotVal | InductiveBlock):
                yield self.line_of(index), item

    def constants(self) -> Iterator[ConstantVal]:
        """Every declared constant in file order (inductive blocks flattened)."""
        for decl in self.declarations:
            yield from block_constants(decl)

    # -- resolution ------------------------------------------------------------------------------

    def name(self, name_id: int) -> LeanName:
        """The name with id ``name_id`` (``KeyError`` if undefined)."""
        cache = self._name_cache
        found = cache.get(name_id)
        if found is not None:
            return found
        chain: list[NameRecord] = []
        cur = name_id
        while cur not in cache:
            record = self.names[cur]
            chain.append(record)
            cur = record.pre
        out = cache[cur]
        for record in reversed(chain):
            out = (*out, record.string if isinstance(record, NameStr) else record.i)
            cache[record.id] = out
        return out

    def name_str(self, name_id: int) -> str:
        """The name with id ``name_id`` in our dotted form (``name_to_str``)."""
        return name_to_str(self.name(name_id))

    def level(self, level_id: int) -> lv.Level:
        """The level with id ``level_id`` as a kernel level (parameters by their dotted names)."""
        cache = self._level_cache
        found = cache.get(level_id)
        if found is not None:
            return found
        stack = [level_id]
        while stack:
            cur = stack[-1]
            if cur in cache:
                stack.pop()
                continue
            record = self.levels[cur]
            if isinstance(record, LevelParam):
                cache[cur] = lv.LParam(self.name_str(record.name))
                stack.pop()
                continue
            deps = (record.of,) if isinstance(record, LevelSucc) else (record.lhs, record.rhs)
            missing = [d for d in deps if d not in cache]
            if missing:
                stack.extend(missing)
                continue
            if isinstance(record, LevelSucc):
                cache[cur] = lv.LSucc(cache[record.of])
            elif isinstance(record, LevelMax):
                cache[cur] = lv.LMax(cache[record.lhs], cache[record.rhs])
            else:
                cache[cur] = lv.LIMax(cache[record.lhs], cache[record.rhs])
            stack.pop()
        return cache[level_id]
