"""Processing ``.tm`` files: declarations are elaborated, then admitted by the kernel.

Each command yields a ``CommandResult`` (ok or error with ``file:line:col``); an error in one
declaration does not stop the following ones.  ``sorry`` is rejected unless explicitly allowed, and
every theorem's axioms are computed so that ``--forbid-axioms`` can reject smuggled ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.elab import (
    EXT_ATTRIBUTES,
    EXT_CLASSES,
    EXT_INSTANCES,
    EXT_STRUCTURES,
    Elaborator,
    classes,
    instances,
    structures,
)
from tactic_mesh.kernel.environment import (
    AxiomDecl,
    AxiomInfo,
    Declaration,
    DefinitionDecl,
    Environment,
    InductiveDecl,
    InductiveInfo,
    Reducibility,
    TheoremDecl,
)
from tactic_mesh.kernel.errors import ElabError, KernelError, Location, TacticMeshError
from tactic_mesh.kernel.expr import (
    BinderInfo,
    Const,
    Expr,
    FVar,
    Lam,
    Pi,
    Sort,
    collect_consts,
    get_app_fn_args,
    instantiate1,
    level_params_of,
    mk_app,
    mk_apps,
    mk_lambda,
    mk_pi,
    replace_fvars,
    subterms,
)
from tactic_mesh.kernel.printer import Printer
from tactic_mesh.kernel.reduce import normalize
from tactic_mesh.kernel.syntax import (
    AxiomCmd,
    Binder,
    CheckCmd,
    Command,
    DeclHeader,
    DefCmd,
    Ident,
    InductiveCmd,
    InstanceCmd,
    PrintAxiomsCmd,
    ReduceCmd,
    StructureCmd,
    Syntax,
    TheoremCmd,
    UniverseCmd,
    parse_file,
)
from tactic_mesh.kernel.typechecker import add_decl

SORRY = "sorryAx"


@attrs.frozen
class CommandResult:
    kind: str
    name: str
    ok: bool
    message: str
    loc: Location
    axioms: tuple[str, ...] = ()
    output: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "ok": self.ok,
            "message": self.message,
            "file": self.loc.file,
            "line": self.loc.line,
            "col": self.loc.col,
            "axioms": list(self.axioms),
            "output": self.output,
        }


@attrs.define
class Options:
    allow_sorry: bool = False
    forbid_axioms: bool = False  # theorems may use no axiom at all (besides none)
    allowed_axioms: frozenset[str] = frozenset()


def axioms_of(env: Environment, name: str) -> tuple[str, ...]:
    """Axioms a constant depends on, transitively (``#print axioms``)."""
    seen: set[str] = set()
    found: set[str] = set()
    stack = [name]
    while stack:
        cur = stack.pop()
        if cur in seen:
            continue
        seen.add(cur)
        info = env.find(cur)
        if info is None:
            continue
        if isinstance(info, AxiomInfo):
            found.add(cur)
        stack.extend(collect_consts(info.type))
        value = getattr(info, "value", None)
        if isinstance(value, Expr):
            stack.extend(collect_consts(value))
        if isinstance(info, InductiveInfo):
            stack.extend(info.constructors)
    return tuple(sorted(found))


class FileChecker:
    """Checks the commands of one or more files against a growing environment."""

    def __init__(self, env: Environment, options: Options | None = None) -> None:
        self.env = env
        self.options = options or Options()
        self.universes: list[str] = []

    # -- driving -------------------------------------------------------------------------------

    def check_text(self, text: str, filename: str) -> list[CommandResult]:
        try:
            commands = parse_file(text, filename)
        except TacticMeshError as err:
            loc = err.loc or Location(filename, 1, 1)
            return [CommandResult("syntax", "", False, err.message, loc)]
        return [self.run(cmd, filename) for cmd in commands]

    def check_file(self, path: str | Path) -> list[CommandResult]:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            return [CommandResult("file", str(p), False, f"cannot read file: {err}", Location(str(p), 1, 1))]
        return self.check_text(text, str(p))

    def run(self, cmd: Command, filename: str) -> CommandResult:
        loc = Location(filename, cmd.pos.line, cmd.pos.col)
        kind, name = _describe(cmd)
        saved_env, saved_universes = self.env, list(self.universes)
        failure: CommandResult | None = None
        try:
            axioms, output = self._run(cmd, filename)
        except TacticMeshError as err:
            failure = CommandResult(kind, name, False, err.message, err.loc or loc)
        except RecursionError:
            failure = CommandResult(kind, name, False, "term nested too deeply for the checker", loc)
        except MemoryError:
            failure = CommandResult(kind, name, False, "out of memory while checking this command", loc)
        except Exception as err:  # a bug of ours: report it at the command, never as a traceback
            if os.environ.get("TACTIC_MESH_DEBUG"):
                raise
            message = f"internal error ({type(err).__name__}: {err}); set TACTIC_MESH_DEBUG=1 for a traceback"
            failure = CommandResult(kind, name, False, message, loc)
        if failure is not None:
            # a command is atomic: nothing of a failed one stays in the environment
            self.env, self.universes = saved_env, saved_universes
            return failure
        return CommandResult(kind, name, True, "ok", loc, axioms, output)

    def _run(self, cmd: Command, filename: str) -> tuple[tuple[str, ...], str]:
        if isinstance(cmd, UniverseCmd):
            self.universes.extend(n for n in cmd.names if n not in self.universes)
            return (), ""
        if isinstance(cmd, CheckCmd):
            term = cmd.term
            if isinstance(term, Ident) and term.levels is None and term.name in self.env:
                # a constant: show its declared type with its universe parameters (like Lean)
                info = self.env.find(term.name)
                assert info is not None
                params = f".{{{', '.join(info.level_params)}}}" if info.level_params else ""
                printer = Printer(self.env)
                return (), f"{info.name}{params} : {printer.print(info.type)}"
            el = self.elaborator(filename)
            e = el.elab(cmd.term, None)
            el.synthesize_pending()
            ty = el.infer(e)
            return (), f"{el.show(e)} : {el.show(ty)}"
        if isinstance(cmd, ReduceCmd):
            el = self.elaborator(filename)
            e = el.elab(cmd.term, None)
            el.synthesize_pending()
            e = el.instantiate(e)
            if e.has_mvar:
                raise el.error("cannot reduce a term with unsolved holes", cmd.term.pos)
            return (), el.show(normalize(self.env, e))
        if isinstance(cmd, PrintAxiomsCmd):
            if cmd.name not in self.env:
                raise ElabError(f"unknown constant '{cmd.name}'", Location(filename, cmd.pos.line, cmd.pos.col))
            axioms = axioms_of(self.env, cmd.name)
            return axioms, f"'{cmd.name}' depends on axioms: [{', '.join(axioms)}]"
        if isinstance(cmd, (TheoremCmd, DefCmd, AxiomCmd)):
            return self.declaration(cmd, filename)
        if isinstance(cmd, InductiveCmd):
            self.inductive(cmd, filename)
            return (), ""
        if isinstance(cmd, StructureCmd):
            self.structure(cmd, filename)
            return (), ""
        if isinstance(cmd, InstanceCmd):
            return self.instance(cmd, filename)
        raise ElabError(f"unsupported command {type(cmd).__name__}")  # pragma: no cover

    def elaborator(self, filename: str, level_params: Iterable[str] = ()) -> Elaborator:
        return Elaborator(self.env, filename, [*self.universes, *level_params])

    def admit(self, decl: Declaration, loc: Location) -> None:
        if not self.options.allow_sorry and SORRY in _declaration_consts(decl):
            raise ElabError(f"'{decl.name}' uses 'sorry' (not allowed; pass --allow-sorry to accept)", loc)
        try:
            self.env = add_decl(self.env, decl)
        except KernelError as err:
            raise KernelError(f"kernel: {err.message}", loc) from None

    # -- declarations ----------------------------------------------------------------------------

    def header(self, el: Elaborator, header: DeclHeader) -> list[tuple[str, FVar, Expr, BinderInfo]]:
        if header.level_params is not None:
            el.level_params = list(header.level_params)
            el.auto_bound_levels = False
        return el.elab_binders(header.binders)

    def finish(self, el: Elaborator, e: Expr, what: str, pos: Syntax) -> Expr:
        el.synthesize_pending()
        e = el.instantiate(e)
        if e.has_mvar:
            holes = el.mctx.unassigned_mvars(e)
            named = [el.mctx.decl(m).user_name for m in holes if el.mctx.decl(m).user_name]
            where = next((el.hole_positions[m.id] for m in holes if m.id in el.hole_positions), pos.pos)
            detail = f" (named holes: {', '.join('?' + n for n in named)})" if named else ""
            raise el.error(f"{what} has unsolved holes{detail}", where)
        if e.has_level_mvar:
            raise el.error(f"{what}: cannot determine a universe level", pos.pos)
        return e

    def declaration(self, cmd: TheoremCmd | DefCmd | AxiomCmd, filename: str) -> tuple[tuple[str, ...], str]:
        loc = Location(filename, cmd.pos.line, cmd.pos.col)
        name = cmd.header.name
        if name in self.env:
            raise ElabError(f"'{name}' has already been declared", loc)
        el = self.elaborator(filename)
        xs = self.header(el, cmd.header)
        type_stx = cmd.type
        value: Expr | None = None
        if type_stx is not None:
            ty = el.elab_type(type_stx)
        else:
            ty = None
        if not isinstance(cmd, AxiomCmd):
            value = el.elab(cmd.value, ty)
            if ty is None:
                ty = el.infer(value)
        assert ty is not None
        full_type = self.finish(
            el, el.close(Pi, xs, ty), "the statement", type_stx if type_stx is not None else _PosSyntax(loc)
        )
        if isinstance(cmd, AxiomCmd):
            self.admit(AxiomDecl(name, _used_levels(el, [full_type]), full_type), loc)
            return (), ""
        assert value is not None
        full_value = self.finish(el, el.close(Lam, xs, value), "the proof" if isinstance(cmd, TheoremCmd)
                                 else "the definition", cmd.value)
        levels = _used_levels(el, [full_type, full_value])
        decl: Declaration
        if isinstance(cmd, TheoremCmd):
            decl = TheoremDecl(name, levels, full_type, full_value)
        else:
            reducibility = Reducibility.ABBREV if cmd.abbrev else Reducibility.REGULAR
            if "reducible" in cmd.header.attributes:
                reducibility = Reducibility.ABBREV
            if "irreducible" in cmd.header.attributes:
                reducibility = Reducibility.IRREDUCIBLE
            decl = DefinitionDecl(name, levels, full_type, full_value, reducibility)
        self.admit(decl, loc)
        axioms = axioms_of(self.env, name)
        if isinstance(cmd, TheoremCmd):
            self.check_axioms(name, axioms, loc)
        self.record_attributes(name, cmd.header.attributes)
        return axioms, ""

    def check_axioms(self, name: str, axioms: tuple[str, ...], loc: Location) -> None:
        if SORRY in axioms and not self.options.allow_sorry:
            raise ElabError(f"'{name}' depends on 'sorryAx' through another declaration", loc)
        if self.options.forbid_axioms:
            bad = [a for a in axioms if a not in self.options.allowed_axioms and a != SORRY]
            if bad:
                raise ElabError(f"'{name}' depends on axioms that are not allowed: {', '.join(bad)}", loc)

    def record_attributes(self, name: str, attributes: Iterable[str]) -> None:
        current = self.env.extension(EXT_ATTRIBUTES, {})
        assert isinstance(current, dict)
        updated = dict(current)
        changed = False
        for attr in attributes:
            if attr in ("reducible", "irreducible", "instance"):
                continue
            updated[attr] = (*updated.get(attr, ()), name)
            changed = True
        if changed:
            self.env = self.env.with_extension(EXT_ATTRIBUTES, updated)

    # -- inductive types and structures -----------------------------------------------------------

    def inductive_header(
        self, el: Elaborator, header: DeclHeader, type_stx: Syntax | None
    ) -> tuple[list[tuple[str, FVar, Expr, BinderInfo]], Expr, FVar]:
        params = self.header(el, header)
        sort = el.elab_type(type_stx) if type_stx is not None else Sort(el.new_level_mvar())
        if type_stx is not None:
            # the family's type must be a telescope ending in a sort (checked again by the kernel)
            t = el.whnf(sort)
            saved = el.lctx
            while isinstance(t, Pi):
                t = el.whnf(instantiate1(t.body, el.push_local(t.name, t.type)))
            el.lctx = saved
            if not isinstance(t, Sort):
                raise el.error(
                    f"inductive '{header.name}': its type must end in a sort, found {el.show(t)}", type_stx.pos
                )
        full = el.close(Pi, params, sort)
        # the family itself is a local while its constructors are elaborated
        self_var = el.push_local(header.name, full)
        return params, sort, self_var

    def infer_result_universe(self, el: Elaborator, sort: Expr, field_types: list[Expr]) -> None:
        """Without a declared sort the family lives in ``Type (max 0 field universes)``."""
        if not isinstance(sort, Sort):
            return
        level = el.mctx.instantiate_level(sort.level)
        if not isinstance(level, lv.LMVar):
            return
        result: lv.Level = lv.ONE
        for ty in field_types:
            field_level = el.mctx.instantiate_level(el.sort_level_of(ty, _NOWHERE))
            if field_level is level or lv.has_mvar(field_level):
                continue
            result = lv.mk_max(result, field_level)
        el.tc._set_mctx(el.mctx.assign_level(level, lv.normalize(result)))

    def inductive(self, cmd: InductiveCmd, filename: str) -> None:
        loc = Location(filename, cmd.pos.line, cmd.pos.col)
        el = self.elaborator(filename)
        params, sort, self_var = self.inductive_header(el, cmd.header, cmd.type)
        ctors: list[tuple[str, Expr]] = []
        field_types: list[Expr] = []
        for ctor in cmd.ctors:
            saved = el.lctx
            fields = el.elab_binders(ctor.binders)
            if ctor.type is not None:
                result = el.elab_type(ctor.type)
            else:
                result = mk_apps(self_var, [p[1] for p in params])
            field_types.extend(t for _, _, t, _ in fields)
            field_types.extend(_pi_domains(el, result))
            ctype = el.close(Pi, fields, result)
            el.lctx = saved
            ctors.append((f"{cmd.header.name}.{ctor.name}", ctype))
        self.infer_result_universe(el, sort, field_types)
        fixed = _fixed_indices(el, len(params), sort, [c for _, c in ctors], self_var)
        self.add_inductive(el, cmd.header, params, sort, self_var, ctors, loc, fixed)
        if cmd.is_class:
            self.env = self.env.with_extension(EXT_CLASSES, classes(self.env) | {cmd.header.name})

    def add_inductive(
        self,
        el: Elaborator,
        header: DeclHeader,
        params: list[tuple[str, FVar, Expr, BinderInfo]],
        sort: Expr,
        self_var: FVar,
        ctors: list[tuple[str, Expr]],
        loc: Location,
        fixed_indices: int = 0,
    ) -> None:
        levels = _used_levels(el, [el.close(Pi, params, sort), *(c for _, c in ctors)])
        ind_const = Const(header.name, tuple(lv.LParam(u) for u in levels))
        pos_stub = _PosSyntax(loc)
        full_type = self.finish(el, el.close(Pi, params, sort), "the inductive type", pos_stub)
        implicit_params = [(n, x, t, BinderInfo.IMPLICIT) for n, x, t, _ in params]
        kernel_ctors: list[tuple[str, Expr]] = []
        for cname, ctype in ctors:
            closed = el.close(Pi, implicit_params, ctype)
            closed = self.finish(el, replace_fvars(closed, {self_var: ind_const}), f"constructor '{cname}'", pos_stub)
            kernel_ctors.append((cname, closed))
        decl = InductiveDecl(header.name, levels, full_type, len(params) + fixed_indices, tuple(kernel_ctors))
        self.admit(decl, loc)

    def structure(self, cmd: StructureCmd, filename: str) -> None:
        loc = Location(filename, cmd.pos.line, cmd.pos.col)
        el = self.elaborator(filename)
        params, sort, self_var = self.inductive_header(el, cmd.header, cmd.type)
        saved = el.lctx
        fields: list[tuple[str, FVar, Expr, BinderInfo]] = []
        for f in cmd.fields:
            inner = el.lctx
            bs = el.elab_binders(f.binders)
            assert f.type is not None
            fty = el.close(Pi, bs, el.elab_type(f.type))
            el.lctx = inner
            fields.append((f.name, el.push_local(f.name, fty), fty, BinderInfo.DEFAULT))
        result = mk_apps(self_var, [p[1] for p in params])
        self.infer_result_universe(el, sort, [f[2] for f in fields])
        ctor_name = f"{cmd.header.name}.{cmd.ctor_name or 'mk'}"
        ctype = el.close(Pi, fields, result)
        el.lctx = saved
        self.add_inductive(el, cmd.header, params, sort, self_var, [(ctor_name, ctype)], loc)
        field_names = tuple(f[0] for f in fields)
        self.env = self.env.with_extension(
            EXT_STRUCTURES, {**structures(self.env), cmd.header.name: (ctor_name, field_names)}
        )
        if cmd.is_class:
            self.env = self.env.with_extension(EXT_CLASSES, classes(self.env) | {cmd.header.name})
        self.add_projections(cmd.header.name, cmd.is_class, loc)

    def add_projections(self, name: str, is_class: bool, loc: Location) -> None:
        """``S.f : {params} → (self : S params) → T_f`` defined through ``S.rec``."""
        ind = self.env.find(name)
        assert isinstance(ind, InductiveInfo)
        ctor = self.env.find(ind.constructors[0])
        rec = self.env.find(name + ".rec")
        assert ctor is not None and rec is not None
        from tactic_mesh.kernel.typechecker import TypeChecker

        tc = TypeChecker(self.env)
        level_args = tuple(lv.LParam(u) for u in ind.level_params)
        ctype = ctor.type
        params: list[tuple[str, FVar, Expr, BinderInfo]] = []
        for _ in range(ind.num_params):
            assert isinstance(ctype, Pi)
            x = tc.push_local(ctype.name, ctype.type)
            params.append((ctype.name, x, ctype.type, BinderInfo.IMPLICIT))
            ctype = instantiate1(ctype.body, x)
        param_vars = [p[1] for p in params]
        s_type = mk_apps(Const(name, level_args), param_vars)
        self_var = tc.push_local("self", s_type)
        self_bi = BinderInfo.INST_IMPLICIT if is_class else BinderInfo.DEFAULT
        # field binders of the constructor (for the minor premise)
        field_binders: list[tuple[str, FVar, Expr, BinderInfo]] = []
        t = ctype
        while isinstance(t, Pi):
            y = tc.push_local(t.name, t.type)
            field_binders.append((t.name, y, t.type, BinderInfo.DEFAULT))
            t = instantiate1(t.body, y)
        projections: dict[Expr, Expr] = {}
        for i, (fname, fvar, ftype, _) in enumerate(field_binders):
            proj_name = f"{name}.{fname}"
            field_type = replace_fvars(ftype, projections)
            sort = tc.whnf(tc.infer(field_type))
            assert isinstance(sort, Sort)
            if rec.level_params and len(rec.level_params) > len(ind.level_params):
                rec_levels: tuple[lv.Level, ...] = (sort.level, *level_args)
            elif lv.is_equiv(sort.level, lv.ZERO):
                rec_levels = level_args
            else:
                printed = Printer(self.env, {y: n for n, y, _, _ in field_binders}).print(field_type)
                raise ElabError(
                    f"structure '{name}' is a proposition, so its field '{fname}' of type {printed} "
                    f"cannot be projected (a proof only eliminates into Prop); declare it in Type",
                    loc,
                )
            motive = Lam("_", s_type, _abstract_self(field_type, self_var))
            minor = mk_lambda(field_binders, fvar)
            value_body = mk_app(mk_apps(Const(name + ".rec", rec_levels), param_vars), motive, minor, self_var)
            proj_type = mk_pi([*params, ("self", self_var, s_type, self_bi)], field_type)
            proj_value = mk_lambda([*params, ("self", self_var, s_type, self_bi)], value_body)
            self.admit(
                DefinitionDecl(proj_name, ind.level_params, proj_type, proj_value, Reducibility.ABBREV), loc
            )
            projections[fvar] = mk_app(mk_apps(Const(proj_name, level_args), param_vars), self_var)
            del i

    def instance(self, cmd: InstanceCmd, filename: str) -> tuple[tuple[str, ...], str]:
        loc = Location(filename, cmd.pos.line, cmd.pos.col)
        el = self.elaborator(filename)
        xs = el.elab_binders(cmd.binders)
        ty = el.elab_type(cmd.type)
        cls = _head(el.whnf(ty))
        if cls is None or cls not in classes(self.env):
            raise el.error(f"instance type {el.show(ty)} is not a class", cmd.type.pos)
        value = el.elab(cmd.value, ty)
        name = cmd.name or _instance_name(cls, el.instantiate(ty))
        if name in self.env:
            raise ElabError(f"'{name}' has already been declared", loc)
        full_type = self.finish(el, el.close(Pi, xs, ty), "the instance type", cmd.type)
        full_value = self.finish(el, el.close(Lam, xs, value), "the instance", cmd.value)
        levels = _used_levels(el, [full_type, full_value])
        decl = DefinitionDecl(name, levels, full_type, full_value, Reducibility.ABBREV)
        self.admit(decl, loc)
        self.env = self.env.with_extension(EXT_INSTANCES, (*instances(self.env), (name, cls)))
        return axioms_of(self.env, name), ""


_NOWHERE = __import__("tactic_mesh.kernel.syntax", fromlist=["NOPOS"]).NOPOS


@attrs.frozen
class _PosSyntax(Syntax):
    loc: Location | None = None

    def __attrs_post_init__(self) -> None:
        from tactic_mesh.kernel.syntax import Pos

        if self.loc is not None:
            object.__setattr__(self, "pos", Pos(self.loc.line, self.loc.col))


def _used_levels(el: Elaborator, exprs: list[Expr]) -> tuple[str, ...]:
    """The declaration's universe parameters: all of ``.{u, v}`` when given explicitly, otherwise
    the auto-bound and ``universe``-declared names that occur, in order of declaration."""
    if not el.auto_bound_levels:
        return tuple(el.level_params)
    used: set[str] = set()
    for e in exprs:
        used |= level_params_of(el.instantiate(e))
    return tuple(u for u in el.level_params if u in used)


def _declaration_consts(decl: Declaration) -> set[str]:
    consts = collect_consts(decl.type)
    if isinstance(decl, (DefinitionDecl, TheoremDecl)):
        consts |= collect_consts(decl.value)
    if isinstance(decl, InductiveDecl):
        for _, ctype in decl.constructors:
            consts |= collect_consts(ctype)
    return consts


def _fixed_indices(el: Elaborator, num_params: int, sort: Expr, ctor_types: list[Expr], family: FVar) -> int:
    """Leading indices that every constructor takes as its leading fields and passes unchanged,
    in its result and in its recursive occurrences (Lean's promotion of fixed indices to
    parameters: ``Eq a : α → Prop`` from ``refl (a : α) : Eq a a``)."""
    index_types: list[Expr] = []
    t = el.instantiate(sort)
    while isinstance(t, Pi):
        index_types.append(t)
        t = t.body
    if not ctor_types:
        return 0
    best = len(index_types)
    for ctype in ctor_types:
        t = el.instantiate(ctype)
        fields: list[Expr] = []
        saved = el.lctx
        binder_types: list[Expr] = []
        while isinstance(t, Pi):
            x = el.push_local(t.name, t.type)
            fields.append(x)
            binder_types.append(t.type)
            t = instantiate1(t.body, x)
        el.lctx = saved
        args = get_app_fn_args(t)[1][num_params:]
        k = 0
        while k < min(best, len(fields), len(args)) and args[k] is fields[k]:
            k += 1
        for ty in binder_types:
            for occurrence in subterms(ty):
                head, occ_args = get_app_fn_args(occurrence)
                if head is family:
                    occ_indices = occ_args[num_params:]
                    j = 0
                    while j < min(k, len(occ_indices)) and occ_indices[j] is fields[j]:
                        j += 1
                    k = j
        best = min(best, k)
    # the promoted fields must have the index types (checked again by the kernel)
    return best


def _pi_domains(el: Elaborator, t: Expr) -> list[Expr]:
    """Domains of a constructor type written after the colon (``| c : A → B → T``)."""
    out: list[Expr] = []
    t = el.instantiate(t)
    saved = el.lctx
    while isinstance(t, Pi):
        out.append(t.type)
        x = el.push_local(t.name, t.type)
        t = instantiate1(t.body, x)
    el.lctx = saved
    return out


def _abstract_self(e: Expr, self_var: FVar) -> Expr:
    from tactic_mesh.kernel.expr import abstract

    return abstract(e, [self_var])


def _head(e: Expr) -> str | None:
    head = get_app_fn_args(e)[0]
    return head.name if isinstance(head, Const) else None


def _instance_name(cls: str, ty: Expr) -> str:
    parts = [cls.replace(".", "")]
    for arg in get_app_fn_args(ty)[1]:
        head = _head(arg)
        if head is not None:
            parts.append(head.replace(".", ""))
    return "inst" + "".join(parts)


def _describe(cmd: Command) -> tuple[str, str]:
    if isinstance(cmd, TheoremCmd):
        return "theorem", cmd.header.name
    if isinstance(cmd, DefCmd):
        return ("abbrev" if cmd.abbrev else "def"), cmd.header.name
    if isinstance(cmd, AxiomCmd):
        return "axiom", cmd.header.name
    if isinstance(cmd, InductiveCmd):
        return "inductive", cmd.header.name
    if isinstance(cmd, StructureCmd):
        return ("class" if cmd.is_class else "structure"), cmd.header.name
    if isinstance(cmd, InstanceCmd):
        return "instance", cmd.name or ""
    if isinstance(cmd, CheckCmd):
        return "#check", ""
    if isinstance(cmd, ReduceCmd):
        return "#reduce", ""
    if isinstance(cmd, PrintAxiomsCmd):
        return "#print axioms", cmd.name
    if isinstance(cmd, UniverseCmd):
        return "universe", " ".join(cmd.names)
    return type(cmd).__name__, ""


__all__ = ["Binder", "Callable", "CommandResult", "FileChecker", "Options", "Printer", "axioms_of"]
