"""Printing kernel expressions as fully explicit Lean 4 terms (for ``tactic_mesh.lean.source``).

The output uses only syntax that Lean's own parser and elaborator provide without ``Init`` (the
builtin term parsers of ``Lean.Parser.Term``), so it is read in a ``prelude`` file:

* a constant is ``@C.{u, v}`` when its type is a function type (``@`` disables the insertion of
  implicit arguments and implicit lambdas), ``C.{u, v}`` otherwise; a bound variable likewise
  ``@x`` or ``x``; every argument of an application is written, ``@f a b c``;
* ``fun (x : A) {y : B} ⦃z : C⦄ [i : D] => b``, ``∀ (x : A) {y : B}, b``, ``A → B`` (non-dependent,
  explicit), ``let x : A := v; b``; ``Prop``, ``Type``, ``Type u``, ``Sort u``; levels ``0``, ``u``,
  ``u + 1``, ``max u v``, ``imax u v``;
* a natural-number literal ``n`` is ``(n : Nat)``: ``nat_lit`` is declared by ``Init/Notation.lean``
  (``syntax (name := rawNatLit) "nat_lit " num : term``), and a ``syntax`` command needs
  ``Lean.ParserDescr`` from ``Init/Prelude.lean``, so neither exists in a prelude file.  Lean's
  builtin numeral elaborator turns ``(n : Nat)`` into ``@OfNat.ofNat Nat n (instOfNatNat n)`` —
  the raw literal wrapped in the ``OfNat`` class, which the exported file declares for this (as
  Lean's prelude does) — and the kernel reduces it to the literal.

Where Lean's elaborator would introduce an implicit lambda (the expected type starts with ``{x}``
or ``[x]`` and the term is neither ``@…`` nor a ``fun`` with such a binder), the term is prefixed
with ``no_implicit_lambda%`` (builtin): the expected types are tracked with our type checker.
Binders are opened with fresh free variables; each gets a printed name that is a plain
identifier, no keyword, not the first component of a global name (so ``x.y`` never reads as a
projection of a local) and distinct from every enclosing binder (so nothing is captured).
"""

from __future__ import annotations

from collections.abc import Callable

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
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
    get_app_fn_args,
    has_loose_bvar,
    instantiate1,
)
from tactic_mesh.kernel.level import Level
from tactic_mesh.kernel.typechecker import TypeChecker
from tactic_mesh.lean.source_names import LeanNameError, binder_base, lean_ident, level_ident

P_BINDER = 0  # fun, ∀, let, no_implicit_lambda%: extend as far right as possible
P_ARROW = 25
P_APP = 1022  # Lean's leadPrec: an application cannot be an argument
P_ARG = 1023  # Lean's argPrec: what an argument must have
P_ATOM = 1024  # Lean's maxPrec

NAT = "Nat"
_IMPLICIT_LAMBDA = (BinderInfo.IMPLICIT, BinderInfo.INST_IMPLICIT)
_OPEN = {
    BinderInfo.DEFAULT: ("(", ")"),
    BinderInfo.IMPLICIT: ("{", "}"),
    BinderInfo.STRICT_IMPLICIT: ("⦃", "⦄"),
    BinderInfo.INST_IMPLICIT: ("[", "]"),
}


class LeanExportError(TacticMeshError):
    """A declaration that cannot be written as Lean 4 source (the message says why)."""


def bracket(bi: BinderInfo, name: str, type_text: str) -> str:
    left, right = _OPEN[bi]
    return f"{left}{name} : {type_text}{right}"


def level_text(level: Level, atom: bool = False) -> str:
    """Lean's level syntax; ``atom``: parenthesised unless it is a numeral or a name."""
    base, k = lv.to_offset(level)
    if base is lv.ZERO:
        return str(k)
    if isinstance(base, lv.LParam):
        inner, compound = level_ident(base.name), False
    elif isinstance(base, (lv.LMax, lv.LIMax)):
        head = "max" if isinstance(base, lv.LMax) else "imax"
        inner, compound = f"{head} {level_text(base.lhs, True)} {level_text(base.rhs, True)}", True
    elif isinstance(base, lv.LMVar):
        raise LeanExportError("a universe metavariable is left in the term")
    else:  # pragma: no cover
        raise LeanExportError(f"unknown universe level {level!r}")
    if k:
        inner, compound = f"{f'({inner})' if compound else inner} + {k}", True
    return f"({inner})" if atom and compound else inner


def sort_text(level: Level) -> tuple[str, int]:
    if level is lv.ZERO:
        return "Prop", P_ATOM
    if isinstance(level, lv.LSucc):
        if level.of is lv.ZERO:
            return "Type", P_ATOM
        return f"Type {level_text(level.of, True)}", P_APP
    return f"Sort {level_text(level, True)}", P_APP


class LeanPrinter:
    """Prints the terms of one declaration; binders opened so far stay in scope (``push``) until
    ``pop``.  ``self_ref``: the inductive type being declared, written without universe levels
    (inside its own ``inductive`` command it is a local, not a constant).  ``shadowed(name)``:
    would ``name`` resolve to another constant in the namespaces Lean might open for the
    declaration (then it is written ``_root_.name``)."""

    def __init__(
        self,
        env: Environment,
        level_params: tuple[str, ...],
        reserved: frozenset[str],
        function_cache: dict[str, bool],
        self_ref: str | None = None,
        shadowed: Callable[[str], bool] | None = None,
    ) -> None:
        self.env = env
        self.tc = TypeChecker(env, level_params=level_params)
        self.reserved = reserved
        self.self_ref = self_ref
        self.shadowed = shadowed
        self._function_cache = function_cache
        self._fvar_function: dict[FVar, bool] = {}
        self.names: dict[FVar, str] = {}
        self.scope: list[str] = []
        self._pushed: list[FVar] = []
        self.uses_natlit = False

    # -- scope -------------------------------------------------------------------------------

    def choose(self, name: str, used: bool, avoid: frozenset[str] = frozenset()) -> str:
        """A printed name for a binder called ``name``; ``used``: the body refers to it."""
        if not name or name == "_":
            if not used:
                return "_"
            base = "x"
        else:
            base = binder_base(name)
        candidate, k = base, 0
        while candidate in self.reserved or candidate in self.scope or candidate in avoid:
            k += 1
            candidate = f"{base}_{k}"
        return candidate

    def push(self, printed: str, type_: Expr, bi: BinderInfo = BinderInfo.DEFAULT, value: Expr | None = None) -> FVar:
        x = self.tc.push_local(printed, type_, value, bi)
        self.names[x] = printed
        self.scope.append(printed)
        self._pushed.append(x)
        return x

    def pop(self, count: int) -> None:
        for _ in range(count):
            self._pushed.pop()
            self.scope.pop()

    def depth(self) -> int:
        return len(self._pushed)

    # -- entry points --------------------------------------------------------------------------

    def term(self, e: Expr, expected: Expr | None = None, ctx: int = P_BINDER) -> str:
        """``e`` (closed but for the binders in scope) where ``expected`` is the type Lean
        elaborates it against (None: none, or a type position)."""
        text, prec = self._expr(e, expected)
        return f"({text})" if prec < ctx else text

    def binder(self, name: str, type_: Expr, bi: BinderInfo, used: bool,
               avoid: frozenset[str] = frozenset()) -> tuple[FVar, str]:
        """Open one binder: its variable and its printed group ``(x : A)``."""
        if bi is BinderInfo.INST_IMPLICIT:
            used = True  # `[_ : C]` is not Lean syntax
        printed = self.choose(name, used, avoid)
        type_text = self.term(type_, None)
        return self.push(printed, type_, bi), bracket(bi, printed, type_text)

    # -- expressions ---------------------------------------------------------------------------

    def _expr(self, e: Expr, expected: Expr | None) -> tuple[str, int]:
        if expected is not None and self._needs_guard(e, expected):
            text, prec = self._plain(e, expected)
            inner = f"({text})" if prec < P_ATOM else text
            return f"no_implicit_lambda% {inner}", P_BINDER
        return self._plain(e, expected)

    def _plain(self, e: Expr, expected: Expr | None) -> tuple[str, int]:
        if isinstance(e, FVar):
            name = self.names.get(e)
            if name is None:
                raise LeanExportError(f"a free variable (#{e.id}) is left in the term")
            return ("@" + name if self._fvar_is_function(e) else name), P_ATOM
        if isinstance(e, Const):
            return self._const(e, head=False), P_ATOM
        if isinstance(e, App):
            return self._app(e)
        if isinstance(e, Lam):
            return self._lam(e, expected)
        if isinstance(e, Pi):
            return self._pi(e)
        if isinstance(e, Sort):
            return sort_text(e.level)
        if isinstance(e, NatLit):
            self.uses_natlit = True
            return f"({digits_of_nat(e.value)} : {lean_ident(NAT)})", P_ATOM
        if isinstance(e, Let):
            return self._let(e, expected)
        if isinstance(e, MVar):
            raise LeanExportError(f"a metavariable (?m{e.id}) is left in the term")
        if isinstance(e, BVar):
            raise LeanExportError(f"a loose bound variable (#{e.idx}) is left in the term")
        raise LeanExportError(f"unknown expression node {type(e).__name__}")  # pragma: no cover

    def _const(self, c: Const, head: bool) -> str:
        if self.env.find(c.name) is None:
            raise LeanExportError(f"unknown constant '{c.name}'")
        try:
            ident = lean_ident(c.name)
        except LeanNameError as err:
            raise LeanExportError(err.message) from None
        if c.name != self.self_ref and self.shadowed is not None and self.shadowed(c.name):
            ident = "_root_." + ident
        if c.name != self.self_ref and c.levels:
            ident += ".{" + ", ".join(level_text(level) for level in c.levels) + "}"
        return "@" + ident if head or self._const_is_function(c) else ident

    def _app(self, e: App) -> tuple[str, int]:
        head, args = get_app_fn_args(e)
        if isinstance(head, Const):
            parts = [self._const(head, head=True)]
            strict = False
        elif isinstance(head, FVar):
            parts = [self._plain(head, None)[0]]
            if not parts[0].startswith("@"):
                parts[0] = "@" + parts[0]
            strict = False
        elif isinstance(head, (Lam, Let)):
            parts = [self.term(head, None, P_ATOM)]
            strict = True  # not `@…`: Lean would insert arguments for implicit binders
        else:
            raise LeanExportError(f"an application of a {type(head).__name__} is ill-typed")
        fn_type = self.tc.infer(head)
        for arg in args:
            t = fn_type if isinstance(fn_type, Pi) else self.tc.whnf(fn_type)
            if not isinstance(t, Pi):
                raise LeanExportError("an application of a non-function is ill-typed")
            if strict and t.bi is not BinderInfo.DEFAULT:
                raise LeanExportError(
                    "a β-redex whose function takes an implicit argument cannot be written with Lean's "
                    "explicit application syntax"
                )
            parts.append(self.term(arg, t.type, P_ARG))
            fn_type = instantiate1(t.body, arg)
        if strict:
            rest = fn_type if isinstance(fn_type, Pi) else self.tc.whnf(fn_type)
            if isinstance(rest, Pi) and rest.bi in _IMPLICIT_LAMBDA:
                raise LeanExportError(
                    "a β-redex whose result takes an implicit argument cannot be written in Lean source "
                    "(Lean would insert the argument)"
                )
        return " ".join(parts), P_APP

    def _lam(self, e: Lam, expected: Expr | None) -> tuple[str, int]:
        groups: list[str] = []
        start = self.depth()
        cur: Expr = e
        exp = expected
        while isinstance(cur, Lam):
            x, group = self.binder(cur.name, cur.type, cur.bi, has_loose_bvar(cur.body, 0))
            groups.append(group)
            if exp is not None:
                w = exp if isinstance(exp, Pi) else self.tc.whnf(exp)
                exp = instantiate1(w.body, x) if isinstance(w, Pi) else None
            cur = instantiate1(cur.body, x)
        body = self.term(cur, exp)
        self.pop(self.depth() - start)
        return f"fun {' '.join(groups)} => {body}", P_BINDER

    def _pi(self, e: Pi) -> tuple[str, int]:
        if self._is_arrow(e):
            lhs = self.term(e.type, None, P_ARROW + 1)
            rhs = self.term(instantiate1(e.body, e.type), None, P_ARROW)  # bound variable unused
            return f"{lhs} → {rhs}", P_ARROW
        groups: list[str] = []
        start = self.depth()
        cur: Expr = e
        while isinstance(cur, Pi) and not self._is_arrow(cur):
            x, group = self.binder(cur.name, cur.type, cur.bi, has_loose_bvar(cur.body, 0))
            groups.append(group)
            cur = instantiate1(cur.body, x)
        body = self.term(cur, None)
        self.pop(self.depth() - start)
        return f"∀ {' '.join(groups)}, {body}", P_BINDER

    @staticmethod
    def _is_arrow(e: Pi) -> bool:
        return e.bi is BinderInfo.DEFAULT and not has_loose_bvar(e.body, 0)

    def _let(self, e: Let, expected: Expr | None) -> tuple[str, int]:
        printed = self.choose(e.name, True)  # `let _ := …` would be a pattern-matching let
        type_text = self.term(e.type, None)
        value_text = self.term(e.value, e.type, P_BINDER + 1)  # `fun … => …` parenthesised before `;`
        x = self.push(printed, e.type, BinderInfo.DEFAULT, e.value)
        body = self.term(instantiate1(e.body, x), expected)
        self.pop(1)
        return f"let {printed} : {type_text} := {value_text}; {body}", P_BINDER

    # -- implicit arguments and implicit lambdas --------------------------------------------

    def _const_is_function(self, c: Const) -> bool:
        known = self._function_cache.get(c.name)
        if known is None:
            info = self.env.find(c.name)
            if info is None:
                return True  # a support constant (all of them are functions)
            known = self._is_function_type(info.type)
            self._function_cache[c.name] = known
        return known

    def _fvar_is_function(self, x: FVar) -> bool:
        known = self._fvar_function.get(x)
        if known is None:
            known = self._is_function_type(self.tc.local_decl(x).type)
            self._fvar_function[x] = known
        return known

    def _is_function_type(self, t: Expr) -> bool:
        return isinstance(t, Pi) or isinstance(self.tc.whnf(t), Pi)

    def _blocked(self, e: Expr) -> bool:
        """Does Lean's ``blockImplicitLambda`` hold for the printed form of ``e``?"""
        if isinstance(e, App):
            return isinstance(get_app_fn_args(e)[0], (Const, FVar))
        if isinstance(e, Lam):
            cur: Expr = e
            while isinstance(cur, Lam):
                if cur.bi in _IMPLICIT_LAMBDA:
                    return True
                cur = cur.body
            return False
        return not isinstance(e, Let)  # atoms, sorts, Π-types and literals cannot have a Π-type there

    def _needs_guard(self, e: Expr, expected: Expr) -> bool:
        if self._blocked(e):
            return False
        w = expected if isinstance(expected, Pi) else self.tc.whnf(expected)
        return isinstance(w, Pi) and w.bi in _IMPLICIT_LAMBDA
