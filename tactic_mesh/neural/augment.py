"""Variants of training theorems: new statements, true by construction, with no library proof.

Expert iteration on the library's theorems alone mostly re-finds proofs the model was trained on.
A **variant** is a theorem's statement changed so that it stays true, and so that its proof must
take steps the library's proof did not:

* **instantiation**: a universally quantified variable ``x`` (of type ``Nat``, ``List α`` or
  ``Prop``) is replaced in the rest of the statement by a term built from it — ``x + 0``, ``0 + x``,
  ``x * 1``, ``Nat.succ x``, ``x ++ []``, ``[] ++ x``, ``x ∧ x``, ``x ∨ x`` — and stays bound:
  ``∀ x, P x`` implies ``∀ x, P (t x)``;
* **symmetry**: a conclusion ``a = b`` becomes ``b = a``, ``A ↔ B`` becomes ``B ↔ A``.

Every variant is type-checked by the kernel as a proposition; one alpha-equivalent to a statement
in ``avoid`` (the held-out goals, or anything else that must not be trained on) or to another
variant is dropped.  A variant is a training theorem with no steps: the searches of expert
iteration (``neural/iteration.py``) may prove it, and then the kernel admits the proof as for any
theorem; nothing about a variant is a label until that happens.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence

import attrs

from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import (
    Binding,
    BVar,
    Const,
    Expr,
    Pi,
    Sort,
    alpha_equiv,
    binder_telescope,
    get_app_fn_args,
    has_loose_bvar,
    instantiate,
    instantiate1,
    instantiate_level_params,
    lift_loose_bvars,
    mk_app,
    replace,
)
from tactic_mesh.kernel.level import ZERO, Level
from tactic_mesh.kernel.typechecker import TypeChecker
from tactic_mesh.neural.traces import LibraryTheorem

# (the variable's type, a statement whose left-hand side is the variable's replacement)
_WRAPPERS: tuple[tuple[str, str], ...] = (
    ("Nat", "∀ (x : Nat), x + 0 = x"),
    ("Nat", "∀ (x : Nat), 0 + x = x"),
    ("Nat", "∀ (x : Nat), x * 1 = x"),
    ("Nat", "∀ (x : Nat), Nat.succ x = Nat.succ x"),
    ("List", "∀ (α : Type u) (x : List α), x ++ [] = x"),
    ("List", "∀ (α : Type u) (x : List α), [] ++ x = x"),
    ("Prop", "∀ (x : Prop), (x ∧ x) = x"),
    ("Prop", "∀ (x : Prop), (x ∨ x) = x"),
)


@attrs.frozen
class Wrapper:
    """A replacement: ``body`` over loose variable 0 (the variable) and, for ``List``, loose 1 (its
    element type)."""

    kind: str
    body: Expr = attrs.field(repr=False)
    level_params: tuple[str, ...] = ()  # a list's universe

    def at_binder(self, element: Expr | None, levels: Sequence[Level] = ()) -> Expr:
        """The replacement right under the variable's binder (the variable is loose 0 there);
        ``element``: a list's element type, as seen there, and ``levels`` its universe."""
        if self.kind == "List":
            assert element is not None
            body = instantiate_level_params(self.body, self.level_params, levels)
            return instantiate(body, [BVar(0), element])
        return instantiate1(self.body, BVar(0))


def wrappers(session_elaborate: Callable[[str], tuple[Expr, tuple[str, ...]]]) -> list[Wrapper]:
    """The replacements of ``_WRAPPERS``, elaborated by ``session_elaborate`` (``Session.elaborate``);
    those the environment cannot elaborate are left out."""
    out: list[Wrapper] = []
    for kind, statement in _WRAPPERS:
        try:
            expr, levels = session_elaborate(statement)
        except TacticMeshError:
            continue
        _fn, args = get_app_fn_args(binder_telescope(expr)[1])
        if len(args) == 3:
            out.append(Wrapper(kind, args[1], tuple(levels)))
    return out


def _kind(ty: Expr) -> tuple[str, Expr | None, tuple[Level, ...]] | None:
    """The variable's kind, a list's element type and its universe."""
    if isinstance(ty, Sort) and ty.level == ZERO:
        return "Prop", None, ()
    fn, args = get_app_fn_args(ty)
    if isinstance(fn, Const) and fn.name == "Nat" and not args:
        return "Nat", None, ()
    if isinstance(fn, Const) and fn.name == "List" and len(args) == 1:
        return "List", args[0], tuple(fn.levels)
    return None


def _substitute(body: Expr, replacement: Expr) -> Expr:
    """A binder's ``body`` with its variable (loose 0) replaced by ``replacement`` (a term over the
    variable, also loose 0)."""

    def fn(sub: Expr, off: int) -> Expr | None:
        if sub.loose <= off:
            return sub
        if isinstance(sub, BVar) and sub.idx == off:
            return lift_loose_bvars(replacement, off)
        return None

    return replace(body, fn)


def instantiations(statement: Expr, table: Sequence[Wrapper]) -> list[Expr]:
    """Every statement that replaces one bound variable of ``statement``'s leading ∀s by one of
    ``table``'s terms over it (module docstring); the binder itself stays."""
    out: list[Expr] = []
    binders, _conclusion = binder_telescope(statement)
    for i, b in enumerate(binders):
        found = _kind(b.type)
        if found is None or not has_loose_bvar(b.body, 0):
            continue
        kind, element, levels = found
        for w in table:
            if w.kind != kind:
                continue
            # the replacement at the binder's body: the variable is loose 0, the element type is
            # the binder's type argument, one binder further out
            repl = w.at_binder(lift_loose_bvars(element, 1) if element is not None else None, levels)
            body = _substitute(b.body, repl)
            out.append(_rebuild(binders[:i], Pi(b.name, b.type, body, b.bi)))
    return out


def _rebuild(outer: Sequence[Binding], inner: Expr) -> Expr:
    for b in reversed(outer):
        inner = Pi(b.name, b.type, inner, b.bi)
    return inner


def symmetric(statement: Expr) -> Expr | None:
    """``statement`` with its conclusion ``a = b`` / ``A ↔ B`` turned around, or ``None``."""
    binders, conclusion = binder_telescope(statement)
    fn, args = get_app_fn_args(conclusion)
    if not isinstance(fn, Const):
        return None
    if fn.name == "Eq" and len(args) == 3 and args[1] is not args[2]:
        return _rebuild(binders, mk_app(fn, args[0], args[2], args[1]))
    if fn.name == "Iff" and len(args) == 2 and args[0] is not args[1]:
        return _rebuild(binders, mk_app(fn, args[1], args[0]))
    return None


def _is_prop(th: LibraryTheorem, statement: Expr) -> bool:
    try:
        tc = TypeChecker(th.environment, level_params=th.level_params)
        return tc.whnf(tc.infer(statement)) == Sort(ZERO)
    except (TacticMeshError, RecursionError):
        return False


@attrs.frozen
class Variants:
    theorems: tuple[LibraryTheorem, ...]
    candidates: int  # built before the checks
    refused: int  # not a proposition to the kernel
    avoided: int  # alpha-equivalent to a statement in ``avoid``


def variants(theorems: Iterable[LibraryTheorem], table: Sequence[Wrapper], per_theorem: int,
             avoid: Sequence[Expr] = (), seed: int = 0) -> Variants:
    """Up to ``per_theorem`` checked variants of each theorem, drawn with ``seed``, named
    ``<theorem>~<k>``; none alpha-equivalent to a statement in ``avoid``, to its theorem or to
    another variant."""
    rng = random.Random(seed)
    kept: list[LibraryTheorem] = []
    seen: list[Expr] = []
    candidates = refused = avoided = 0
    for th in theorems:
        instances = instantiations(th.statement, table)
        pool = list(instances)
        sym = symmetric(th.statement)
        if sym is not None:
            pool.append(sym)
            pool.extend(x for x in map(symmetric, instances) if x is not None)
        rng.shuffle(pool)
        taken = 0
        for stmt in pool:
            if taken >= per_theorem:
                break
            candidates += 1
            if alpha_equiv(stmt, th.statement) or any(alpha_equiv(stmt, s) for s in seen):
                continue
            if any(alpha_equiv(stmt, a) for a in avoid):
                avoided += 1
                continue
            if not _is_prop(th, stmt):
                refused += 1
                continue
            seen.append(stmt)
            kept.append(LibraryTheorem(f"{th.name}~{taken}", stmt, th.level_params, th.environment, (), th.file))
            taken += 1
    return Variants(tuple(kept), candidates, refused, avoided)


__all__ = ["Variants", "Wrapper", "instantiations", "symmetric", "variants", "wrappers"]
