"""The ``inductive``, ``structure`` and ``class`` commands: elaboration of the family and its
constructors (universe inference, promotion of fixed indices to parameters), admission by the
kernel, and structure projections defined through the generated recursor."""


from __future__ import annotations

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.declarations import NOWHERE, DeclarationChecker, PosSyntax, used_levels
from tactic_mesh.kernel.elab import Elaborator
from tactic_mesh.kernel.elab_core import (
    EXT_CLASSES,
    EXT_STRUCTURES,
    classes,
    structures,
)
from tactic_mesh.kernel.environment import (
    DefinitionDecl,
    InductiveDecl,
    InductiveInfo,
    Reducibility,
)
from tactic_mesh.kernel.errors import ElabError, Location
from tactic_mesh.kernel.expr import (
    BinderInfo,
    Const,
    Expr,
    FVar,
    Lam,
    Pi,
    Sort,
    abstract,
    get_app_fn_args,
    instantiate1,
    mk_app,
    mk_apps,
    mk_lambda,
    mk_pi,
    replace_fvars,
    subterms,
)
from tactic_mesh.kernel.printer import Printer
from tactic_mesh.kernel.syntax import (
    DeclHeader,
    InductiveCmd,
    StructureCmd,
    Syntax,
)


class InductiveCommands(DeclarationChecker):

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
            field_level = el.mctx.instantiate_level(el.sort_level_of(ty, NOWHERE))
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
        levels = used_levels(el, [el.close(Pi, params, sort), *(c for _, c in ctors)])
        ind_const = Const(header.name, tuple(lv.LParam(u) for u in levels))
        pos_stub = PosSyntax(loc)
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
            motive = Lam("_", s_type, abstract(field_type, [self_var]))
            minor = mk_lambda(field_binders, fvar)
            value_body = mk_app(mk_apps(Const(name + ".rec", rec_levels), param_vars), motive, minor, self_var)
            proj_type = mk_pi([*params, ("self", self_var, s_type, self_bi)], field_type)
            proj_value = mk_lambda([*params, ("self", self_var, s_type, self_bi)], value_body)
            self.admit(
                DefinitionDecl(proj_name, ind.level_params, proj_type, proj_value, Reducibility.ABBREV), loc
            )
            projections[fvar] = mk_app(mk_apps(Const(proj_name, level_args), param_vars), self_var)
            del i


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

