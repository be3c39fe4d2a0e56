"""Elaboration state and the utilities every part of the elaborator uses.

The elaborator is split by concern: this module (state, metavariables, conversions, universe
levels), :mod:`instances` (type class resolution), :mod:`elab_app` (applications and their
arguments), :mod:`elab` (the term forms).  Nothing here is trusted: the kernel re-checks every
declaration built from the output.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import ElabError, KernelError, KernelLimitError, Location
from tactic_mesh.kernel.expr import BinderInfo, Expr, FVar, MVar, Sort
from tactic_mesh.kernel.level import Level
from tactic_mesh.kernel.local_context import LocalContext
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.printer import Printer
from tactic_mesh.kernel.syntax import LevelS, Pos, Syntax
from tactic_mesh.kernel.unify import MetaChecker

NOWHERE = Pos(0, 0)
MAX_LEVEL_LITERAL = 1024  # levels are unary (succ chains); no real development needs more

# elaboration metadata kept in the environment's (untrusted) extensions
EXT_CLASSES = "classes"  # frozenset of class names
EXT_INSTANCES = "instances"  # tuple of (instance constant, class name), newest last
EXT_STRUCTURES = "structures"  # dict: name → (constructor, field names)
EXT_ATTRIBUTES = "attributes"  # dict: attribute → tuple of constant names


@attrs.frozen
class Elaborated(Syntax):
    """Internal syntax node wrapping an already elaborated expression."""

    expr: Expr


def classes(env: Environment) -> frozenset[str]:
    value = env.extension(EXT_CLASSES, frozenset())
    assert isinstance(value, frozenset)
    return value


def instances(env: Environment) -> tuple[tuple[str, str], ...]:
    value = env.extension(EXT_INSTANCES, ())
    assert isinstance(value, tuple)
    return value


def structures(env: Environment) -> dict[str, tuple[str, tuple[str, ...]]]:
    value = env.extension(EXT_STRUCTURES, {})
    assert isinstance(value, dict)
    return value


class ElabCore:
    """State of one elaboration: local context, metavariables, pending instance problems."""

    def __init__(
        self,
        env: Environment,
        filename: str = "<input>",
        level_params: Sequence[str] = (),
        auto_bound_levels: bool = True,
    ) -> None:
        self.env = env
        self.filename = filename
        self.level_params: list[str] = list(level_params)
        self.auto_bound_levels = auto_bound_levels
        self.lctx = LocalContext()
        self.tc = MetaChecker(env, MetavarContext())
        self.pending_instances: list[tuple[MVar, Pos]] = []
        self.hole_positions: dict[int, Pos] = {}
        self.named_holes: dict[str, MVar] = {}

    # -- utilities -------------------------------------------------------------------------

    @property
    def mctx(self) -> MetavarContext:
        return self.tc.mctx

    def error(self, message: str, pos: Pos) -> ElabError:
        return ElabError(message, Location(self.filename, pos.line, pos.col) if pos.line else None)

    def instantiate(self, e: Expr) -> Expr:
        return self.tc.mctx.instantiate(e)

    def show(self, e: Expr) -> str:
        names = {d.fvar: d.user_name for d in self.lctx}
        holes = {m.id: name for name, m in self.named_holes.items()}
        printer = Printer(self.env, names, mvar_names=holes, display=True)
        try:
            return printer.print(self.instantiate(e))
        except Exception:  # pragma: no cover - printing must not hide the real error
            return repr(e)

    def push_local(self, name: str, type_: Expr, value: Expr | None = None,
                   bi: BinderInfo = BinderInfo.DEFAULT) -> FVar:
        self.lctx, fvar = self.lctx.mk_local(name, type_, value, bi)
        self.tc.lctx[fvar] = self.lctx.find(fvar)  # type: ignore[assignment]
        return fvar

    def new_mvar(self, type_: Expr, kind: MVarKind = MVarKind.NATURAL, name: str = "",
                 pos: Pos | None = None) -> MVar:
        mctx, m = self.tc.mctx.declare(type_, self.lctx, kind, name)
        self.tc._set_mctx(mctx)
        if pos is not None:
            self.hole_positions[m.id] = pos
        return m

    def new_level_mvar(self) -> Level:
        mctx, u = self.tc.mctx.declare_level()
        self.tc._set_mctx(mctx)
        return u

    def new_type_mvar(self, pos: Pos | None = None) -> MVar:
        return self.new_mvar(Sort(self.new_level_mvar()), pos=pos)

    def whnf(self, e: Expr) -> Expr:
        return self.tc.whnf(self.instantiate(e))

    def infer(self, e: Expr) -> Expr:
        try:
            return self.instantiate(self.tc.infer(self.instantiate(e)))
        except KernelError as err:
            raise ElabError(err.message) from None

    def is_def_eq(self, a: Expr, b: Expr) -> bool:
        try:
            return self.tc.is_def_eq(self.instantiate(a), self.instantiate(b))
        except KernelLimitError as err:
            raise ElabError(err.message) from None
        except KernelError:
            return False

    def sort_level_of(self, type_: Expr, pos: Pos) -> Level:
        t = self.whnf(self.infer(type_))
        if isinstance(t, Sort):
            return t.level
        if isinstance(t, MVar):
            u = self.new_level_mvar()
            if self.is_def_eq(t, Sort(u)):
                return u
        raise self.error(f"type expected, but {self.show(type_)} has type {self.show(t)}", pos)
    # -- levels ------------------------------------------------------------------------------

    def _level_literal(self, n: int, pos: Pos) -> int:
        if n > MAX_LEVEL_LITERAL:
            raise self.error(f"universe level literal {n} is too large (at most {MAX_LEVEL_LITERAL})", pos)
        return n

    def elab_level(self, stx: LevelS, pos: Pos) -> Level:
        if stx.kind == "num":
            return lv.level_of_int(self._level_literal(int(stx.value), pos))
        if stx.kind == "name":
            name = str(stx.value)
            if name == "_":
                return self.new_level_mvar()
            if name not in self.level_params:
                if not self.auto_bound_levels:
                    raise self.error(f"unknown universe level '{name}'", pos)
                self.level_params.append(name)
            return lv.LParam(name)
        if stx.kind == "succ":
            return lv.level_of_int(self._level_literal(int(stx.value), pos), self.elab_level(stx.args[0], pos))
        if stx.kind == "max":
            return lv.LMax(self.elab_level(stx.args[0], pos), self.elab_level(stx.args[1], pos))
        if stx.kind == "imax":
            return lv.LIMax(self.elab_level(stx.args[0], pos), self.elab_level(stx.args[1], pos))
        raise self.error(f"bad universe level {stx!r}", pos)  # pragma: no cover

    def elab(self, stx: Syntax, expected: Expr | None) -> Expr:
        """Elaborate ``stx`` against ``expected`` (the term forms live in :mod:`elab`)."""
        raise NotImplementedError
