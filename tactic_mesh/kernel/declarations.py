"""Shared machinery for checking declarations: options, results, elaboration set-up, and admission
through the kernel (with the ``sorry`` and axiom policies)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.elab import Elaborator
from tactic_mesh.kernel.elab_core import (
    EXT_ATTRIBUTES,
)
from tactic_mesh.kernel.environment import (
    AxiomInfo,
    Declaration,
    DefinitionDecl,
    Environment,
    InductiveDecl,
    InductiveInfo,
    TheoremDecl,
)
from tactic_mesh.kernel.errors import ElabError, KernelError, Location, TacticMeshError
from tactic_mesh.kernel.expr import (
    BinderInfo,
    Expr,
    FVar,
    collect_consts,
    level_params_of,
)
from tactic_mesh.kernel.syntax import (
    NOPOS,
    DeclHeader,
    Pos,
    Syntax,
)

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


class TheoremRefused(KernelError):
    """``admit_theorem`` refuses a proof: the kernel rejects it, it has holes or it uses ``sorry``."""


def admit_theorem(env: Environment, name: str, level_params: tuple[str, ...], statement: Expr, term: Expr,
                  allow_axioms: bool = True) -> tuple[Environment, tuple[str, ...]]:
    """The kernel admits ``term : statement`` as theorem ``name``: the extended environment and the
    axioms the proof depends on.  Raises ``TheoremRefused`` for a term with holes, a name already
    declared, a term the type checker rejects, a proof using ``sorryAx`` and (with
    ``allow_axioms=False``) one using any axiom.  The one place a found proof becomes a theorem."""
    if term.has_mvar:
        raise TheoremRefused("the proof still has holes that are not goals (an unsolved unification problem)")
    if env.find(name) is not None:
        raise TheoremRefused(f"'{name}' is already declared in the session's environment")
    try:
        admitted = add_decl(env, TheoremDecl(name, level_params, statement, term))
    except TacticMeshError as err:
        raise TheoremRefused(f"the kernel refuses the proof: {err.message}") from None
    axioms = tuple(sorted(axioms_of(admitted, name)))
    if "sorryAx" in axioms:
        raise TheoremRefused("the proof uses sorry: nothing is proved")
    if axioms and not allow_axioms:
        raise TheoremRefused(f"the proof depends on axioms: {', '.join(axioms)}")
    return admitted, axioms


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


TacticRunner = Callable[[Environment, Expr, tuple[str, ...], list[str], str, int, int, str], Expr]
TheoremHook = Callable[[str, Environment, TheoremDecl, bool, Location], None]
"""Called after a theorem is admitted: its name, the environment before it, its declaration,
whether a ``by`` block proved it, and where it is (assembly traces, ``tactic-mesh check --trace``)."""


class DeclarationChecker:
    """A growing environment and the steps every declaration command shares."""

    def __init__(
        self, env: Environment, options: Options | None = None, tactic_runner: TacticRunner | None = None
    ) -> None:
        # `by` blocks are run by the tactic calculus, which the kernel does not import: the caller
        # plugs it in (``tactic_mesh.handlers.blocks.prove_by_block``)
        self.tactic_runner = tactic_runner
        self.theorem_hook: TheoremHook | None = None
        self.declaring = ""  # the declaration being checked
        self.env = env
        self.options = options or Options()
        self.universes: list[str] = []

    # -- driving -------------------------------------------------------------------------------

    def elaborator(self, filename: str, level_params: Iterable[str] = ()) -> Elaborator:
        return Elaborator(self.env, filename, [*self.universes, *level_params])

    def admit(self, decl: Declaration, loc: Location) -> None:
        if not self.options.allow_sorry and SORRY in declaration_consts(decl):
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


NOWHERE = NOPOS


@attrs.frozen
class PosSyntax(Syntax):
    loc: Location | None = None

    def __attrs_post_init__(self) -> None:
        if self.loc is not None:
            object.__setattr__(self, "pos", Pos(self.loc.line, self.loc.col))


def used_levels(el: Elaborator, exprs: list[Expr]) -> tuple[str, ...]:
    """The declaration's universe parameters: all of ``.{u, v}`` when given explicitly, otherwise
    the auto-bound and ``universe``-declared names that occur, in order of declaration."""
    if not el.auto_bound_levels:
        return tuple(el.level_params)
    used: set[str] = set()
    for e in exprs:
        used |= level_params_of(el.instantiate(e))
    return tuple(u for u in el.level_params if u in used)


def declaration_consts(decl: Declaration) -> set[str]:
    consts = collect_consts(decl.type)
    if isinstance(decl, (DefinitionDecl, TheoremDecl)):
        consts |= collect_consts(decl.value)
    if isinstance(decl, InductiveDecl):
        for _, ctype in decl.constructors:
            consts |= collect_consts(ctype)
    return consts
