"""Printing expressions in the project's Lean 4 syntax.

The printer is faithful: elaborating its output in the same environment gives back the same
``Expr`` (tested as a property).  It uses notation (``a + b``, ``a = b``, ``∃ x, p``, ``[a, b]``)
only where re-elaboration recovers the hidden arguments; otherwise it prints ``@f a b c`` with
every argument explicit.  Bound variables keep their binder names unless that would capture an
outer variable, in which case the binder is renamed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import (
    App,
    BinderInfo,
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
    digits_of_nat,
    get_app_fn_args,
    has_loose_bvar,
)

# precedence of printed forms (higher binds tighter)
P_BINDER = 0
P_IFF = 20
P_ARROW = 25
P_OR = 30
P_AND = 35
P_NOT = 40
P_CMP = 50
P_ADD = 65
P_MUL = 70
P_POW = 75
P_APP = 1024
P_ATOM = 2048

# name → (symbol, precedence, number of implicit args before the operands, associativity)
INFIX: dict[str, tuple[str, int, int, str]] = {
    "Iff": ("↔", P_IFF, 0, "none"),
    "Or": ("∨", P_OR, 0, "right"),
    "And": ("∧", P_AND, 0, "right"),
    "Eq": ("=", P_CMP, 1, "none"),
    "Ne": ("≠", P_CMP, 1, "none"),
    "LE.le": ("≤", P_CMP, 2, "none"),
    "LT.lt": ("<", P_CMP, 2, "none"),
    "Add.add": ("+", P_ADD, 2, "left"),
    "Append.append": ("++", P_ADD, 2, "left"),
    "Sub.sub": ("-", P_ADD, 2, "left"),
    "Mul.mul": ("*", P_MUL, 2, "left"),
    "Div.div": ("/", P_MUL, 2, "left"),
    "Mod.mod": ("%", P_MUL, 2, "left"),
    "Pow.pow": ("^", P_POW, 2, "right"),
    "Magma.op": ("◇", P_MUL, 2, "left"),
}
ARROW_BINDER = "a"  # binder name the elaborator gives to `A → B`
# a binder name the lexer reads back as one identifier (see IDENT in syntax.lark)
_ATOMIC_IDENT = re.compile(r"[A-Za-z_α-κμ-ωΑ-Ωℕ][A-Za-z0-9_'₀-₉α-κμ-ωΑ-Ω]*")

KEYWORDS = frozenset(
    "fun λ let in theorem def abbrev axiom inductive structure class instance where by at "
    "Prop Type Sort if then else with match universe".split()
)


def _is_instance_arg(e: Expr) -> bool:
    """Could instance resolution find ``e`` again (a global instance, possibly applied, or a local)?"""
    return isinstance(e, (Const, FVar, BVar)) or (isinstance(e, App) and isinstance(get_app_fn_args(e)[0], Const))


class Printer:
    def __init__(
        self,
        env: Environment | None = None,
        fvar_names: dict[FVar, str] | None = None,
        universes: bool = False,
        mvar_names: dict[int, str] | None = None,
        explicit: bool = False,
        display: bool = False,
    ) -> None:
        self.env = env
        self.fvar_names = fvar_names or {}
        self.explicit = explicit
        # display: for messages — implicit arguments are always left out (like Lean's default
        # pretty printer); the output is for people and need not elaborate back
        self.display = display and not explicit
        self.universes = universes or explicit
        self.mvar_names = mvar_names or {}

    # names in scope: innermost last; each entry is (printed name, type or None)
    def print(self, e: Expr) -> str:
        return self._go(e, [], 0)

    def _wrap(self, text: str, prec: int, ctx_prec: int) -> str:
        return f"({text})" if prec < ctx_prec else text

    def _go(self, e: Expr, names: list[str], ctx: int) -> str:
        text, prec = self._expr(e, names)
        return self._wrap(text, prec, ctx)

    def _trailing(self, e: Expr, names: list[str], ctx: int) -> str:
        """The right operand of `→ ∧ ∨ ↔`: a binder form (∀ ∃ fun let) needs no parentheses there."""
        text, prec = self._expr(e, names)
        return text if prec == P_BINDER else self._wrap(text, prec, ctx)

    def _expr(self, e: Expr, names: list[str]) -> tuple[str, int]:
        if isinstance(e, BVar):
            if e.idx < len(names):
                entry = names[-1 - e.idx]
                if self.explicit:
                    return "@" + _plain(entry), P_ATOM
                return (_plain(entry) if self.display else entry), P_ATOM
            return f"#{e.idx}", P_ATOM
        if isinstance(e, FVar):
            return self.fvar_names.get(e, f"_fvar.{e.id}"), P_ATOM
        if isinstance(e, MVar):
            return "?" + self.mvar_names.get(e.id, f"m{e.id}"), P_ATOM
        if isinstance(e, NatLit):
            return digits_of_nat(e.value), P_ATOM
        if isinstance(e, Sort):
            return self._sort(e.level)
        if isinstance(e, Const):
            at = self.explicit or (not self.display and self._starts_implicit(self._const_type(e)))
            return ("@" if at else "") + self._const(e), P_ATOM
        if isinstance(e, App):
            return self._app(e, names)
        if isinstance(e, Pi):
            return self._pi(e, names)
        if isinstance(e, Lam):
            return self._lam(e, names)
        if isinstance(e, Let):
            name = self._binder_name(e.name, e.body, names)
            ty = self._go(e.type, names, P_BINDER)
            val = self._go(e.value, names, P_BINDER)
            body = self._go(e.body, [*names, _entry(name, e.type)], P_BINDER)
            return f"let {name} : {ty} := {val}; {body}", P_BINDER
        raise TypeError(repr(e))  # pragma: no cover

    def _sort(self, level: lv.Level) -> tuple[str, int]:
        if level is lv.ZERO:
            return "Prop", P_ATOM
        if level is lv.ONE:
            return "Type", P_ATOM
        base, k = lv.to_offset(level)
        if k >= 1:
            inner = lv.level_of_int(k - 1, base)
            return f"Type {_level_atom(inner)}", P_APP
        return f"Sort {_level_atom(level)}", P_APP

    def _const(self, c: Const) -> str:
        if c.levels and self.universes:
            return f"{c.name}.{{{', '.join(lv.format_level(level) for level in c.levels)}}}"
        return c.name

    def _binder_name(self, name: str, body: Expr, names: list[str]) -> str:
        """Keep ``name`` unless a reference in ``body`` to an outer variable would be captured."""
        printable = bool(_ATOMIC_IDENT.fullmatch(name)) and name not in KEYWORDS
        if name == "_" and not has_loose_bvar(body, 0):
            printable = True  # an unused binder may stay anonymous
        elif name == "_":
            printable = False
        base = name if printable else "x"
        candidate = base
        k = 0
        while self._captures(candidate, body, names):
            k += 1
            candidate = f"{base}_{k}"
        return candidate

    def _captures(self, candidate: str, body: Expr, names: list[str]) -> bool:
        # an outer bound variable with the same printed name that the body refers to
        for depth in range(len(names)):
            if _plain(names[-1 - depth]) == candidate and has_loose_bvar(body, depth + 1):
                return True
        if candidate in self.fvar_names.values():
            return True
        if self.env is not None and candidate in self.env:
            return True
        return False

    def _binder_group(self, b: Binding, names: list[str]) -> tuple[str, str]:
        name = self._binder_name(b.name, b.body, names)
        ty = self._go(b.type, names, P_BINDER)
        if b.bi is BinderInfo.IMPLICIT:
            return name, f"{{{name} : {ty}}}"
        if b.bi is BinderInfo.STRICT_IMPLICIT:
            return name, f"⦃{name} : {ty}⦄"
        if b.bi is BinderInfo.INST_IMPLICIT:
            return name, f"[{name} : {ty}]"
        return name, f"({name} : {ty})"

    def _is_arrow(self, e: Pi) -> bool:
        """Print as ``A → B``: non-dependent and explicit; in explicit mode also only when the
        binder has the name the elaborator gives to arrows (so the round trip is exact)."""
        if e.bi is not BinderInfo.DEFAULT or has_loose_bvar(e.body, 0):
            return False
        return e.name == ARROW_BINDER or not self.explicit

    def _pi(self, e: Pi, names: list[str]) -> tuple[str, int]:
        if self._is_arrow(e):
            lhs = self._go(e.type, names, P_ARROW + 1)
            rhs = self._trailing(e.body, [*names, "_"], P_ARROW)
            return f"{lhs} → {rhs}", P_ARROW
        groups: list[str] = []
        scope = list(names)
        cur: Expr = e
        while isinstance(cur, Pi) and not self._is_arrow(cur):
            name, group = self._binder_group(cur, scope)
            groups.append(group)
            scope.append(_entry(name, cur.type))
            cur = cur.body
        body = self._go(cur, scope, P_BINDER)
        return f"∀ {' '.join(groups)}, {body}", P_BINDER

    def _lam(self, e: Lam, names: list[str]) -> tuple[str, int]:
        groups: list[str] = []
        scope = list(names)
        cur: Expr = e
        while isinstance(cur, Lam):
            name, group = self._binder_group(cur, scope)
            groups.append(group)
            scope.append(_entry(name, cur.type))
            cur = cur.body
        body = self._go(cur, scope, P_BINDER)
        return f"fun {' '.join(groups)} => {body}", P_BINDER

    def _const_type(self, c: Const) -> Expr | None:
        info = self.env.find(c.name) if self.env is not None else None
        return None if info is None else info.type

    @staticmethod
    def _starts_implicit(t: Expr | None) -> bool:
        """Would the elaborator insert implicit arguments after a term of this type?"""
        return isinstance(t, Pi) and t.bi is not BinderInfo.DEFAULT

    def _binder_infos(self, fn: Expr, nargs: int, names: list[str]) -> list[tuple[BinderInfo, bool]] | None:
        """Binder info of each argument and whether an implicit one is recoverable; None when
        the readable form (implicit arguments left out) is not safe."""
        fn_type = self._const_type(fn) if isinstance(fn, Const) else None
        if fn_type is None:
            return None
        out: list[tuple[BinderInfo, bool]] = []
        binders: list[Binding] = []
        t = fn_type
        while isinstance(t, Pi) and len(binders) < nargs:
            binders.append(t)
            t = t.body
        if len(binders) < nargs and not all(b.bi is BinderInfo.DEFAULT for b in binders):
            return None
        if len(binders) == nargs and self._starts_implicit(t) and not self.display:
            return None  # elaboration would insert trailing implicit arguments
        for i, b in enumerate(binders):
            recoverable = True
            if b.bi in (BinderInfo.IMPLICIT, BinderInfo.STRICT_IMPLICIT):
                recoverable = any(
                    later.bi is BinderInfo.DEFAULT and _first_order_occurs(later.type, j - i - 1)
                    for j, later in enumerate(binders[i + 1 :], start=i + 1)
                )
            out.append((b.bi, recoverable))
        return out

    def _app(self, e: App, names: list[str]) -> tuple[str, int]:
        fn, args = get_app_fn_args(e)
        if self.explicit:
            items = [self._go(fn, names, P_ATOM), *(self._go(arg, names, P_APP + 1) for arg in args)]
            return " ".join(items), P_APP
        if isinstance(fn, Const):
            special = self._notation(fn, args, names)
            if special is not None:
                return special
        infos = self._binder_infos(fn, len(args), names)
        explicit_only = infos is not None and (
            self.display
            or all(
                ok and (bi is not BinderInfo.INST_IMPLICIT or _is_instance_arg(arg))
                for (bi, ok), arg in zip(infos, args, strict=False)
            )
        )
        parts: list[str] = []
        if infos is None or not explicit_only:
            # every argument is printed, so the head must not get implicit arguments inserted
            if isinstance(fn, Const):
                parts.append("@" + self._const(fn))
            else:
                parts.append(self._go(fn, names, P_ATOM))
            parts.extend(self._go(arg, names, P_APP + 1) for arg in args)
        else:
            parts.append(self._const(fn) if isinstance(fn, Const) else self._go(fn, names, P_ATOM))
            for (bi, _), arg in zip(infos, args, strict=False):
                if bi is BinderInfo.DEFAULT:
                    parts.append(self._go(arg, names, P_APP + 1))
        if len(parts) == 1:
            return parts[0], P_ATOM
        return " ".join(parts), P_APP

    def _notation(self, fn: Const, args: Sequence[Expr], names: list[str]) -> tuple[str, int] | None:
        name = fn.name
        if name in INFIX:
            symbol, prec, implicit, assoc = INFIX[name]
            if len(args) != implicit + 2:
                return None
            if implicit == 2 and not _is_instance_arg(args[1]):
                return None
            lhs_ctx = prec if assoc == "left" else prec + 1
            rhs_ctx = prec if assoc == "right" else prec + 1
            lhs = self._go(args[-2], names, lhs_ctx)
            if name in ("And", "Or", "Iff"):
                rhs = self._trailing(args[-1], names, rhs_ctx)
            else:
                rhs = self._go(args[-1], names, rhs_ctx)
            return f"{lhs} {symbol} {rhs}", prec
        if name == "Not" and len(args) == 1:
            return f"¬{self._go(args[0], names, P_NOT)}", P_NOT
        if name == "Exists" and len(args) == 2 and isinstance(args[1], Lam):
            body = args[1]
            bname = self._binder_name(body.name, body.body, names)
            ty = self._go(body.type, names, P_BINDER)
            inner = self._go(body.body, [*names, _entry(bname, body.type)], P_BINDER)
            return f"∃ ({bname} : {ty}), {inner}", P_BINDER
        if name == "List.cons" and len(args) == 3:
            items: list[Expr] = []
            cur: Expr = App(App(App(fn, args[0]), args[1]), args[2])
            while True:
                head, xs = get_app_fn_args(cur)
                if isinstance(head, Const) and head.name == "List.cons" and len(xs) == 3 and xs[0] is args[0]:
                    items.append(xs[1])
                    cur = xs[2]
                    continue
                break
            head, xs = get_app_fn_args(cur)
            if isinstance(head, Const) and head.name == "List.nil" and len(xs) == 1 and xs[0] is args[0]:
                return "[" + ", ".join(self._go(x, names, P_BINDER) for x in items) + "]", P_ATOM
        if name == "List.nil" and len(args) == 1:
            elem = self._go(args[0], names, P_APP + 1)
            return f"([] : List {elem})", P_ATOM
        return None


def _entry(name: str, type_: Expr) -> str:
    """A scope entry: variables whose type takes implicit arguments are referred to with ``@``."""
    return "@" + name if isinstance(type_, Pi) and type_.bi is not BinderInfo.DEFAULT else name


def _plain(entry: str) -> str:
    return entry[1:] if entry.startswith("@") else entry


def _first_order_occurs(e: Expr, idx: int) -> bool:
    """Does ``BVar(idx)`` occur in ``e`` other than as the head of an application?"""
    if e.loose <= idx:
        return False
    if isinstance(e, BVar):
        return e.idx == idx
    if isinstance(e, App):
        fn, args = get_app_fn_args(e)
        if isinstance(fn, BVar):
            return False
        return any(_first_order_occurs(a, idx) for a in args) or _first_order_occurs(fn, idx)
    if isinstance(e, Binding):
        return _first_order_occurs(e.type, idx) or _first_order_occurs(e.body, idx + 1)
    if isinstance(e, Let):
        return _first_order_occurs(e.type, idx) or _first_order_occurs(e.value, idx) or _first_order_occurs(
            e.body, idx + 1
        )
    return False


def _level_atom(level: lv.Level) -> str:
    text = lv.format_level(level)
    return f"({text})" if " " in text or "+" in text else text


def print_expr(
    e: Expr,
    env: Environment | None = None,
    fvar_names: dict[FVar, str] | None = None,
    universes: bool = False,
    explicit: bool = False,
) -> str:
    """Print ``e``.  ``explicit``: every constant and variable with ``@``, every argument and
    universe level shown, no notation — the form that always elaborates back to ``e`` itself."""
    return Printer(env, fvar_names, universes, explicit=explicit).print(e)
