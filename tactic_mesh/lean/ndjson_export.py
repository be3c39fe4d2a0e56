"""Our kernel environment as lean4export NDJSON records (format 3.1.0).

``export_environment(env, names)`` gives the ``ndjson.Export`` of the named constants (all of
them by default) and everything they depend on, in dependency order, the way lean4export orders
a file: each declaration line comes after the declarations its type and value mention (an
inductive type after those its constructors and recursor mention), and the names, levels and
expressions a line refers to come just before it, each written once (hash-consed into the three
id tables).  Nothing here recurses on the depth of a term or of the dependency graph.

How our constants map to Lean's ``ConstantInfo``:

* ``AxiomInfo`` → ``axiom`` (``isUnsafe: false``).
* ``DefinitionInfo`` → ``def`` with ``safety: "safe"``, ``all: [name]`` and hints from the
  reducibility: ``ABBREV`` → ``"abbrev"``, ``REGULAR`` → ``{"regular": height}`` (our height is
  Lean's: one more than the largest height of a definition the value mentions),
  ``IRREDUCIBLE`` → ``"opaque"`` (unfolded last by lazy delta reduction, as in Lean's kernel).
  Structure projections are such definitions in our environment (our kernel has no ``proj``
  node), so they are exported as definitions too.
* ``TheoremInfo`` → ``thm``.
* ``InductiveInfo`` with its ``ConstructorInfo`` s and the ``RecursorInfo`` our kernel generated →
  one ``inductive`` block: ``all`` is the type alone (our kernel has no mutual or nested
  inductives, so ``numNested`` is 0 and ``numMotives`` 1), ``isReflexive`` is read off the
  recursor's minor premises (an induction hypothesis under binders), rule right-hand sides are
  exported as our kernel generated them (``fun params motive minors fields => …``, Lean's shape).
* ``NatLit`` → ``natVal`` (and the literal makes the line depend on ``Nat``, as lean4export does);
  ``Let`` → ``letE`` with ``nondep: false``.

Expressions with free variables or metavariables, and universe metavariables, cannot be exported
(``NdjsonExportError``).  Binder names become one-component Lean names (an empty one is the
anonymous name); constant and universe-parameter names are split at dots (``name_from_str``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.environment import (
    AxiomInfo,
    ConstantInfo,
    ConstructorInfo,
    DefinitionInfo,
    Environment,
    InductiveInfo,
    RecursorInfo,
    Reducibility,
    TheoremInfo,
)
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import (
    App,
    Binding,
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
    subterms,
)
from tactic_mesh.lean.ndjson import (
    ANONYMOUS,
    HINTS_ABBREV,
    HINTS_OPAQUE,
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
    ExprNatLit,
    ExprSort,
    HintKind,
    Hints,
    InductiveBlock,
    InductiveVal,
    Item,
    LeanName,
    LevelIMax,
    LevelMax,
    LevelParam,
    LevelSucc,
    Meta,
    NameNum,
    NameStr,
    RecursorRule,
    RecursorVal,
    Safety,
    TheoremVal,
    name_from_str,
    name_to_str,
    write_export,
)
from tactic_mesh.version import __version__

NAT = "Nat"


class NdjsonExportError(TacticMeshError):
    """A constant or term our exporter cannot express in the format (free variables,
    metavariables, a name that does not read back, an unknown constant)."""


def default_meta() -> Meta:
    """Our exports' meta line: exporter ``tactic-mesh``; the ``lean`` fields are empty (no Lean
    toolchain produced the file)."""
    return Meta(exporter_name="tactic-mesh", exporter_version=__version__, lean_githash="", lean_version="")


def constant_name(name: str) -> LeanName:
    """A constant's (or universe parameter's) Lean name; one that would not read back is refused."""
    try:
        out = name_from_str(name)
    except ValueError:
        out = ANONYMOUS
    if not out or name_to_str(out) != name:
        raise NdjsonExportError(f"the name {name!r} has no Lean form that reads back")
    return out


def binder_name(name: str) -> LeanName:
    return (name,) if name else ANONYMOUS


class RecordTables:
    """The three hash-consed id tables of an export being written, and its records in order."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.name_ids: dict[LeanName, int] = {ANONYMOUS: 0}
        self.level_ids: dict[lv.Level, int] = {lv.ZERO: 0}
        self.expr_ids: dict[Expr, int] = {}

    def name(self, name: LeanName) -> int:
        found = self.name_ids.get(name)
        if found is not None:
            return found
        start = len(name)
        while name[:start - 1] not in self.name_ids:  # the longest prefix already written
            start -= 1
        for k in range(start, len(name) + 1):
            pre = self.name_ids[name[: k - 1]]
            idx = len(self.name_ids)
            component = name[k - 1]
            record = NameStr(idx, pre, component) if isinstance(component, str) else NameNum(idx, pre, component)
            self.items.append(record)
            self.name_ids[name[:k]] = idx
        return self.name_ids[name]

    def level(self, root: lv.Level) -> int:
        ids = self.level_ids
        stack = [root]
        while stack:
            cur = stack[-1]
            if cur in ids:
                stack.pop()
                continue
            if isinstance(cur, lv.LParam):
                name = self.name(constant_name(cur.name))
                ids[cur] = idx = len(ids)
                self.items.append(LevelParam(idx, name))
                stack.pop()
                continue
            if isinstance(cur, lv.LMVar):
                raise NdjsonExportError(f"cannot export a universe metavariable ({lv.format_level(root)})")
            deps: tuple[lv.Level, ...]
            if isinstance(cur, lv.LSucc):
                deps = (cur.of,)
            elif isinstance(cur, lv.LMax | lv.LIMax):
                deps = (cur.lhs, cur.rhs)
            else:  # pragma: no cover - zero is always in the table
                raise NdjsonExportError(f"not a universe level: {cur!r}")
            missing = [d for d in deps if d not in ids]
            if missing:
                stack.extend(reversed(missing))
                continue
            idx = len(ids)
            if isinstance(cur, lv.LSucc):
                self.items.append(LevelSucc(idx, ids[cur.of]))
            elif isinstance(cur, lv.LMax):
                self.items.append(LevelMax(idx, ids[cur.lhs], ids[cur.rhs]))
            else:
                assert isinstance(cur, lv.LIMax)
                self.items.append(LevelIMax(idx, ids[cur.lhs], ids[cur.rhs]))
            ids[cur] = idx
            stack.pop()
        return ids[root]

    def expr(self, root: Expr) -> int:
        """The id of ``root``, writing it and its sub-terms first (post-order, children in field
        order; a binder's name before its type and body, as lean4export writes them)."""
        ids = self.expr_ids
        stack: list[tuple[Expr, bool]] = [(root, False)]
        while stack:
            cur, ready = stack.pop()
            if cur in ids:
                continue
            if not ready:
                if isinstance(cur, FVar | MVar):
                    kind = "free variable" if isinstance(cur, FVar) else "metavariable"
                    raise NdjsonExportError(f"cannot export a term with a {kind} ({cur!r})")
                if isinstance(cur, Binding | Let):
                    self.name(binder_name(cur.name))
                stack.append((cur, True))
                stack.extend((child, False) for child in reversed(cur.children()) if child not in ids)
                continue
            ids[cur] = self._emit(cur, len(ids))
        return ids[root]

    def _emit(self, e: Expr, idx: int) -> int:
        ids = self.expr_ids
        item: Item
        if isinstance(e, BVar):
            item = ExprBVar(idx, e.idx)
        elif isinstance(e, Sort):
            item = ExprSort(idx, self.level(e.level))
        elif isinstance(e, Const):
            name = self.name(constant_name(e.name))
            item = ExprConst(idx, name, tuple(self.level(u) for u in e.levels))
        elif isinstance(e, App):
            item = ExprApp(idx, ids[e.fn], ids[e.arg])
        elif isinstance(e, Lam):
            item = ExprLam(idx, self.name(binder_name(e.name)), ids[e.type], ids[e.body], e.bi)
        elif isinstance(e, Pi):
            item = ExprForall(idx, self.name(binder_name(e.name)), ids[e.type], ids[e.body], e.bi)
        elif isinstance(e, Let):
            item = ExprLet(idx, self.name(binder_name(e.name)), ids[e.type], ids[e.value], ids[e.body], False)
        elif isinstance(e, NatLit):
            item = ExprNatLit(idx, e.value)
        else:  # pragma: no cover - FVar / MVar are refused before
            raise NdjsonExportError(f"cannot export {e!r}")
        self.items.append(item)
        return idx

    def level_params(self, params: Sequence[str]) -> tuple[int, ...]:
        """Names of a declaration's universe parameters (their ``param`` levels are written too,
        as lean4export does)."""
        out = tuple(self.name(constant_name(p)) for p in params)
        for p in params:
            self.level(lv.LParam(p))
        return out


# ---------------------------------------------------------------------------------------------
# Dependency order
# ---------------------------------------------------------------------------------------------


def _unit_of(env: Environment, name: str) -> str:
    """The constant whose declaration line declares ``name`` (a constructor's or a recursor's
    inductive type)."""
    info = env.find(name)
    if isinstance(info, ConstructorInfo | RecursorInfo):
        return info.induct
    return name


def _unit_infos(env: Environment, unit: str) -> list[ConstantInfo]:
    info = env.find(unit)
    assert info is not None
    if not isinstance(info, InductiveInfo):
        return [info]
    out: list[ConstantInfo] = [info]
    for ctor in info.constructors:
        found = env.find(ctor)
        assert found is not None
        out.append(found)
    rec = env.find(unit + ".rec")
    if isinstance(rec, RecursorInfo) and rec.induct == unit:
        out.append(rec)
    return out


def _terms(info: ConstantInfo) -> list[Expr]:
    out = [info.type]
    if isinstance(info, DefinitionInfo | TheoremInfo):
        out.append(info.value)
    if isinstance(info, RecursorInfo):
        out.extend(rule.rhs for rule in info.rules)
    return out


def _mentions(env: Environment, unit: str) -> list[str]:
    """The units the declaration line of ``unit`` depends on, in first-mention order."""
    seen: dict[str, None] = {}
    for info in _unit_infos(env, unit):
        for term in _terms(info):
            for sub in subterms(term):
                if isinstance(sub, Const):
                    seen.setdefault(sub.name, None)
                elif isinstance(sub, NatLit) and NAT in env:
                    seen.setdefault(NAT, None)
    out: dict[str, None] = {}
    for name in seen:
        if name not in env:
            raise NdjsonExportError(f"'{unit}' mentions '{name}', which is not in the environment")
        dep = _unit_of(env, name)
        if dep != unit:
            out.setdefault(dep, None)
    return list(out)


def dependency_order(env: Environment, names: Iterable[str]) -> list[str]:
    """The declaration units (constants, inductive types standing for their blocks) needed for
    ``names``, each after everything it mentions; roots in the given order, each unit's
    dependencies in first-mention order (as lean4export visits them)."""
    done: set[str] = set()
    order: list[str] = []
    for root_name in names:
        if root_name not in env:
            raise NdjsonExportError(f"unknown constant '{root_name}'")
        root = _unit_of(env, root_name)
        if root in done:
            continue
        on_path = {root}
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(_mentions(env, root)))]
        while stack:
            unit, deps = stack[-1]
            dep = next((d for d in deps if d not in done), None)
            if dep is None:
                stack.pop()
                on_path.discard(unit)
                done.add(unit)
                order.append(unit)
                continue
            if dep in on_path:  # pragma: no cover - the kernel admits no cyclic environment
                raise NdjsonExportError(f"cyclic dependency through '{dep}'")
            on_path.add(dep)
            stack.append((dep, iter(_mentions(env, dep))))
    return order


# ---------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------


def _hints(info: DefinitionInfo) -> Hints:
    if info.reducibility is Reducibility.ABBREV:
        return HINTS_ABBREV
    if info.reducibility is Reducibility.IRREDUCIBLE:
        return HINTS_OPAQUE
    return Hints(HintKind.REGULAR, info.height)


def is_reflexive(rec: RecursorInfo, ctors: Sequence[ConstructorInfo]) -> bool:
    """Does some constructor have a recursive field under binders (its induction hypothesis is
    itself a function type)?  Read off the recursor's minor premises:
    ``(fields) → (ihs) → motive …``, one per constructor after the parameters and the motive."""
    t: Expr = rec.type
    for _ in range(rec.num_params + rec.num_motives):
        assert isinstance(t, Pi)
        t = t.body
    for ctor in ctors:
        assert isinstance(t, Pi)
        minor: Expr = t.type
        t = t.body
        for _ in range(ctor.num_fields):
            assert isinstance(minor, Pi)
            minor = minor.body
        while isinstance(minor, Pi):
            if isinstance(minor.type, Pi):
                return True
            minor = minor.body
    return False


class EnvironmentExporter:
    """Writes declaration units into ``RecordTables`` (one declaration line per unit)."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.tables = RecordTables()

    def unit(self, unit: str) -> None:
        info = self.env.find(unit)
        t = self.tables
        decl: Declaration
        if isinstance(info, AxiomInfo):
            name = t.name(constant_name(info.name))
            decl = AxiomVal(name, t.level_params(info.level_params), t.expr(info.type), False)
        elif isinstance(info, DefinitionInfo):
            name = t.name(constant_name(info.name))
            params = t.level_params(info.level_params)
            ty, value = t.expr(info.type), t.expr(info.value)
            decl = DefinitionVal(name, params, ty, value, _hints(info), Safety.SAFE, (name,))
        elif isinstance(info, TheoremInfo):
            name = t.name(constant_name(info.name))
            params = t.level_params(info.level_params)
            ty, value = t.expr(info.type), t.expr(info.value)
            decl = TheoremVal(name, params, ty, value, (name,))
        elif isinstance(info, InductiveInfo):
            decl = self.block(info)
        else:
            raise NdjsonExportError(f"'{unit}' is not a declaration of its own")  # pragma: no cover
        t.items.append(decl)

    def block(self, info: InductiveInfo) -> InductiveBlock:
        t = self.tables
        infos = _unit_infos(self.env, info.name)
        ctors = [c for c in infos if isinstance(c, ConstructorInfo)]
        recs = [r for r in infos if isinstance(r, RecursorInfo)]
        name = t.name(constant_name(info.name))
        ind = InductiveVal(
            name=name,
            level_params=t.level_params(info.level_params),
            type=t.expr(info.type),
            num_params=info.num_params,
            num_indices=info.num_indices,
            all=(name,),
            ctors=tuple(t.name(constant_name(c)) for c in info.constructors),
            num_nested=0,
            is_rec=info.is_recursive,
            is_unsafe=False,
            is_reflexive=any(is_reflexive(r, ctors) for r in recs),
        )
        ctor_vals = tuple(
            ConstructorVal(
                name=t.name(constant_name(c.name)),
                level_params=t.level_params(c.level_params),
                type=t.expr(c.type),
                induct=name,
                cidx=c.index,
                num_params=c.num_params,
                num_fields=c.num_fields,
                is_unsafe=False,
            )
            for c in ctors
        )
        rec_vals = tuple(self.recursor(r) for r in recs)
        return InductiveBlock((ind,), ctor_vals, rec_vals)

    def recursor(self, rec: RecursorInfo) -> RecursorVal:
        t = self.tables
        name = t.name(constant_name(rec.name))
        params = t.level_params(rec.level_params)
        ty = t.expr(rec.type)
        induct = t.name(constant_name(rec.induct))
        rules = tuple(
            RecursorRule(t.name(constant_name(rule.constructor)), rule.num_fields, t.expr(rule.rhs))
            for rule in rec.rules
        )
        return RecursorVal(
            name=name,
            level_params=params,
            type=ty,
            all=(induct,),
            num_params=rec.num_params,
            num_indices=rec.num_indices,
            num_motives=rec.num_motives,
            num_minors=rec.num_minors,
            rules=rules,
            k=rec.k,
            is_unsafe=False,
        )


def export_environment(env: Environment, names: Iterable[str] | None = None, meta: Meta | None = None) -> Export:
    """The export of ``names`` (every constant of ``env`` by default, in declaration order) and
    everything they depend on.  Raises ``NdjsonExportError`` for an unknown name or a constant
    that cannot be expressed."""
    exporter = EnvironmentExporter(env)
    for unit in dependency_order(env, env.names() if names is None else names):
        exporter.unit(unit)
    items = tuple(exporter.tables.items)
    # ``lines`` as ``write_export`` will write them (the meta line is line 1)
    return Export(meta or default_meta(), items, source="<tactic-mesh>", lines=tuple(range(2, len(items) + 2)))


def environment_lines(env: Environment, names: Iterable[str] | None = None) -> Iterator[str]:
    """``export_environment`` written as NDJSON lines (without newlines)."""
    return write_export(export_environment(env, names))
