"""Exporting our kernel environment as lean4export NDJSON: every constant once, in dependency
order, hash-consed, re-read unchanged, and the records denote exactly our kernel's terms."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import pytest

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.environment import (
    AxiomInfo,
    ConstantInfo,
    ConstructorInfo,
    DefinitionInfo,
    Environment,
    InductiveInfo,
    RecursorInfo,
    TheoremInfo,
)
from tactic_mesh.kernel.expr import (
    App,
    Const,
    Expr,
    FVar,
    Lam,
    Let,
    MVar,
    NatLit,
    Pi,
    Sort,
)
from tactic_mesh.kernel.expr import BVar as KBVar
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.lean.ndjson import (
    AxiomVal,
    ConstantVal,
    ConstructorVal,
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
    InductiveBlock,
    InductiveVal,
    RecursorVal,
    Safety,
    TheoremVal,
    block_constants,
    read_export,
    write_export,
)
from tactic_mesh.lean.ndjson_export import (
    NdjsonExportError,
    RecordTables,
    constant_name,
    environment_lines,
    export_environment,
)
from tactic_mesh.proofs.library import library_env
from tactic_mesh.version import __version__

EXTRA = """
inductive Tree : Type where
  | leaf : Tree
  | node : (Nat → Tree) → Tree
@[irreducible] def secret : Nat := 42
abbrev two : Nat := 2
def withLet (n : Nat) : Nat := let m := n + 1; m + m
def big : Nat := 123456789012345678901234567890
universe u v
axiom ax1 : Sort (max u v) → Sort (imax u v)
theorem two_eq : two = 2 := rfl
"""


@functools.cache
def extra_env() -> Environment:
    fc = FileChecker(prelude())
    results = fc.check_text(EXTRA, "<extra>")
    assert all(r.ok for r in results), [r.message for r in results if not r.ok]
    return fc.env


ENVIRONMENTS: dict[str, Callable[[], Environment]] = {
    "prelude": prelude, "extra": extra_env, "basics": lambda: library_env("basics"),
}


def env_of(which: str) -> Environment:
    return ENVIRONMENTS[which]()


@functools.cache
def exported(which: str) -> Export:
    return export_environment(env_of(which))


# -- a test-side reading of the records back into kernel terms --------------------------------------


def kernel_terms(x: Export) -> dict[int, Expr]:
    """Each expression record as the kernel expression it denotes (ids refer to earlier lines)."""
    out: dict[int, Expr] = {}

    def binder(name_id: int) -> str:
        name = x.name(name_id)
        assert len(name) <= 1
        return str(name[0]) if name else ""

    for item in x.items:
        if isinstance(item, ExprBVar):
            out[item.id] = KBVar(item.idx)
        elif isinstance(item, ExprSort):
            out[item.id] = Sort(x.level(item.level))
        elif isinstance(item, ExprConst):
            out[item.id] = Const(x.name_str(item.name), tuple(x.level(u) for u in item.levels))
        elif isinstance(item, ExprApp):
            out[item.id] = App(out[item.fn], out[item.arg])
        elif isinstance(item, ExprLam):
            out[item.id] = Lam(binder(item.name), out[item.type], out[item.body], item.binder_info)
        elif isinstance(item, ExprForall):
            out[item.id] = Pi(binder(item.name), out[item.type], out[item.body], item.binder_info)
        elif isinstance(item, ExprLet):
            assert not item.nondep
            out[item.id] = Let(binder(item.name), out[item.type], out[item.value], out[item.body])
        elif isinstance(item, ExprNatLit):
            out[item.id] = NatLit(item.value)
        else:
            assert not hasattr(item, "ie"), f"unexpected record {item!r}"
    return out


def constants_by_name(x: Export) -> dict[str, ConstantVal]:
    out: dict[str, ConstantVal] = {}
    for c in x.constants():
        name = x.name_str(c.name)
        assert name not in out, f"{name} exported twice"
        out[name] = c
    return out


# -- round trip and determinism --------------------------------------------------------------------


@pytest.mark.parametrize("which", ["prelude", "basics"])
def test_export_rereads_to_the_same_records(which: str) -> None:
    x = exported(which)
    lines = list(write_export(x))
    y = read_export(lines, which)
    assert y == x
    assert list(write_export(y)) == lines  # read → write → read is the identity, byte for byte
    assert len(y.declarations) < len(list(y.constants()))  # inductive blocks group constants


def test_writing_is_deterministic() -> None:
    env = prelude()
    first = list(environment_lines(env))
    assert list(environment_lines(env)) == first
    assert list(write_export(export_environment(env))) == first
    version = json.dumps(__version__)
    assert first[0] == ('{"meta":{"exporter":{"name":"tactic-mesh","version":' + version + '},'
                        '"format":{"version":"3.1.0"},"lean":{"githash":"","version":""}}}')
    x = export_environment(env)
    assert [x.line_of(i) for i in range(3)] == [2, 3, 4]  # the lines write_export puts them on


# -- completeness and faithfulness -----------------------------------------------------------------


def _level_params(x: Export, c: ConstantVal) -> tuple[str, ...]:
    return tuple(x.name_str(p) for p in c.level_params)


@pytest.mark.parametrize("which", ["prelude", "extra", "basics"])
def test_every_constant_exported_once_denoting_our_terms(which: str) -> None:
    env = env_of(which)
    x = exported(which)
    terms = kernel_terms(x)
    consts = constants_by_name(x)
    assert set(consts) == set(env.names())
    kinds = {AxiomInfo: AxiomVal, DefinitionInfo: DefinitionVal, TheoremInfo: TheoremVal,
             InductiveInfo: InductiveVal, ConstructorInfo: ConstructorVal, RecursorInfo: RecursorVal}
    for name in env.names():
        info: ConstantInfo | None = env.find(name)
        assert info is not None
        c = consts[name]
        assert isinstance(c, kinds[type(info)]), name
        assert terms[c.type] is info.type, name  # hash-consed kernel terms: identity is equality
        assert _level_params(x, c) == info.level_params, name
        if isinstance(info, DefinitionInfo | TheoremInfo):
            assert isinstance(c, DefinitionVal | TheoremVal)
            assert terms[c.value] is info.value, name
            assert c.all == (c.name,)
        if isinstance(info, RecursorInfo):
            assert isinstance(c, RecursorVal)
            assert [(x.name_str(r.ctor), r.nfields, terms[r.rhs]) for r in c.rules] == [
                (r.constructor, r.num_fields, r.rhs) for r in info.rules]
            assert (c.num_params, c.num_indices, c.num_motives, c.num_minors, c.k) == (
                info.num_params, info.num_indices, info.num_motives, info.num_minors, info.k)
            assert [x.name_str(n) for n in c.all] == [info.induct]
        if isinstance(info, InductiveInfo):
            assert isinstance(c, InductiveVal)
            assert [x.name_str(n) for n in c.ctors] == list(info.constructors)
            assert (c.num_params, c.num_indices, c.is_rec, c.num_nested) == (
                info.num_params, info.num_indices, info.is_recursive, 0)
        if isinstance(info, ConstructorInfo):
            assert isinstance(c, ConstructorVal)
            assert (x.name_str(c.induct), c.cidx, c.num_params, c.num_fields) == (
                info.induct, info.index, info.num_params, info.num_fields)


def _mentioned(x: Export, roots: list[int]) -> tuple[set[str], bool]:
    """Constant names mentioned by the expressions ``roots`` (and whether a literal occurs)."""
    seen: set[int] = set()
    names: set[str] = set()
    literal = False
    stack = list(roots)
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        e = x.exprs[i]
        if isinstance(e, ExprConst):
            names.add(x.name_str(e.name))
        elif isinstance(e, ExprNatLit):
            literal = True
        elif isinstance(e, ExprApp):
            stack += [e.fn, e.arg]
        elif isinstance(e, ExprLam | ExprForall):
            stack += [e.type, e.body]
        elif isinstance(e, ExprLet):
            stack += [e.type, e.value, e.body]
    return names, literal


@pytest.mark.parametrize("which", ["extra", "basics"])
def test_declarations_come_after_what_they_mention(which: str) -> None:
    x = exported(which)
    declared: set[str] = set()
    for decl in x.declarations:
        members = block_constants(decl)
        own = {x.name_str(c.name) for c in members}
        roots: list[int] = []
        for c in members:
            roots.append(c.type)
            if isinstance(c, DefinitionVal | TheoremVal):
                roots.append(c.value)
            if isinstance(c, RecursorVal):
                roots += [r.rhs for r in c.rules]
        names, literal = _mentioned(x, roots)
        assert names - own <= declared, (own, names - own - declared)
        if literal:
            assert "Nat" in declared | own
        declared |= own


@pytest.mark.parametrize("which", ["prelude", "basics"])
def test_tables_are_hash_consed_and_sequential(which: str) -> None:
    x = exported(which)
    for table in (x.names, x.levels, x.exprs):
        shapes = [(type(r).__name__, *(v for k, v in sorted(_fields(r).items()) if k != "id")) for r in table.values()]
        assert len(set(shapes)) == len(shapes)
    assert sorted(x.names) == list(range(1, len(x.names) + 1))
    assert sorted(x.levels) == list(range(1, len(x.levels) + 1))
    assert sorted(x.exprs) == list(range(len(x.exprs)))
    ids = [r.id for r in x.items if isinstance(r, ExprBVar | ExprSort | ExprConst | ExprApp | ExprLam | ExprForall)]
    assert ids == sorted(ids)  # written in id order: every reference is to an earlier line


def _fields(record: object) -> dict[str, object]:
    import attrs

    return attrs.asdict(record, recurse=False)  # type: ignore[arg-type]


# -- how our declarations map -------------------------------------------------------------------


def test_declaration_fields_map_from_our_kernel() -> None:
    env = extra_env()
    x = exported("extra")
    c = constants_by_name(x)
    terms = kernel_terms(x)
    add = c["Nat.add"]
    info = env.find("Nat.add")
    assert isinstance(add, DefinitionVal) and isinstance(info, DefinitionInfo)
    assert add.hints.kind is HintKind.REGULAR and add.hints.height == info.height >= 1 and add.safety is Safety.SAFE
    for name, kind in [("two", HintKind.ABBREV), ("secret", HintKind.OPAQUE), ("And.left", HintKind.ABBREV)]:
        val = c[name]
        assert isinstance(val, DefinitionVal) and val.hints.kind is kind, name
    assert isinstance(c["two_eq"], TheoremVal)
    ax = c["ax1"]
    assert isinstance(ax, AxiomVal) and not ax.is_unsafe
    u, v = lv.LParam("u"), lv.LParam("v")
    assert terms[ax.type] is Pi("a", Sort(lv.LMax(u, v)), Sort(lv.LIMax(u, v)))
    tree, nat, eq = c["Tree"], c["Nat"], c["Eq"]
    assert isinstance(tree, InductiveVal) and tree.is_reflexive and tree.is_rec
    assert isinstance(nat, InductiveVal) and not nat.is_reflexive and nat.is_rec
    assert isinstance(eq, InductiveVal) and not eq.is_rec and eq.num_indices == 1
    eq_rec, nat_rec = c["Eq.rec"], c["Nat.rec"]
    assert isinstance(eq_rec, RecursorVal) and eq_rec.k
    assert isinstance(nat_rec, RecursorVal) and not nat_rec.k and nat_rec.num_minors == 2
    assert _level_params(x, nat_rec)[0] == "u"  # the motive's universe first, as in Lean
    with_let = c["withLet"]
    assert isinstance(with_let, DefinitionVal)
    assert any(isinstance(e, ExprLet) and not e.nondep for e in x.exprs.values())
    big = c["big"]
    assert isinstance(big, DefinitionVal)
    assert x.exprs[big.value] == ExprNatLit(big.value, 123456789012345678901234567890)
    blocks = [d for d in x.declarations if isinstance(d, InductiveBlock)]
    nat_block = next(d for d in blocks if x.name_str(d.types[0].name) == "Nat")
    assert [x.name_str(v.name) for v in block_constants(nat_block)] == ["Nat", "Nat.zero", "Nat.succ", "Nat.rec"]
    assert '"natVal":"123456789012345678901234567890"' in "\n".join(write_export(x))


def test_export_of_named_constants_takes_their_dependencies_only() -> None:
    env = prelude()
    x = export_environment(env, ["Nat.add"])
    names = set(constants_by_name(x))
    assert {"Nat", "Nat.zero", "Nat.succ", "Nat.rec", "Nat.add"} <= names
    assert "List" not in names and "Eq" not in names
    assert x.name_str(x.declarations[-1].name) == "Nat.add"  # type: ignore[union-attr]
    # a constructor or recursor stands for its inductive block
    assert set(constants_by_name(export_environment(env, ["Nat.succ"]))) == {"Nat", "Nat.zero", "Nat.succ", "Nat.rec"}
    assert export_environment(env, ["Nat.rec", "Nat"]) == export_environment(env, ["Nat"])
    with pytest.raises(NdjsonExportError, match="unknown constant 'Nope'"):
        export_environment(env, ["Nope"])


def test_terms_that_cannot_be_exported() -> None:
    tables = RecordTables()
    with pytest.raises(NdjsonExportError, match="free variable"):
        tables.expr(App(Const("f"), FVar(7)))
    with pytest.raises(NdjsonExportError, match="metavariable"):
        tables.expr(Lam("x", Const("Nat"), MVar(3)))
    with pytest.raises(NdjsonExportError, match="universe metavariable"):
        tables.expr(Sort(lv.LSucc(lv.LMVar(1))))
    with pytest.raises(NdjsonExportError, match="no Lean form"):
        constant_name("a..b")
    assert constant_name("Nat.add") == ("Nat", "add")


def test_record_tables_share_subterms() -> None:
    tables = RecordTables()
    nat = Const("Nat")
    body = App(App(Const("f"), nat), nat)
    first = tables.expr(Lam("x", nat, body))
    count = len(tables.items)
    assert tables.expr(Lam("x", nat, body)) == first and len(tables.items) == count
    exprs = [r for r in tables.items if isinstance(r, ExprConst)]
    assert len(exprs) == 2  # Nat once, f once
