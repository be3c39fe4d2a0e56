"""Kernel expressions.

``Expr`` nodes are immutable and hash-consed: building the same node twice returns the same
object, so structural equality is identity (``is`` / ``==``), hashing is O(1) and every common
sub-term is shared.  Bound variables are de Bruijn indices (``BVar(0)`` is the innermost binder);
free variables (``FVar``) name entries of a local context; metavariables (``MVar``) name holes
of a metavariable context.

Every node satisfies ``type(e)(*e.args()) is e`` (the rebuild invariant).  Each node caches its
loose-bound-variable range and whether it contains free variables, metavariables, universe
metavariables or universe parameters, which keeps instantiate/abstract proportional to the part
of the term that actually changes.
"""

from __future__ import annotations

import enum
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import ClassVar
from weakref import WeakValueDictionary

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.level import Level

HAS_FVAR = 1
HAS_MVAR = 2
HAS_LMVAR = 4
HAS_LPARAM = 8


class BinderInfo(enum.Enum):
    DEFAULT = "default"
    IMPLICIT = "implicit"
    STRICT_IMPLICIT = "strict_implicit"
    INST_IMPLICIT = "inst_implicit"


class Expr:
    """Base class of expressions."""

    __slots__ = ("__weakref__", "flags", "loose")
    _table: ClassVar[WeakValueDictionary[tuple[object, ...], Expr]] = WeakValueDictionary()
    loose: int  # 1 + largest loose bound variable index, 0 when closed
    flags: int
    _fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _make(cls, key: tuple[object, ...], fields: tuple[object, ...], loose: int, flags: int) -> Expr:
        ref = _TABLE_DATA.get(key)
        if ref is not None:
            found: Expr | None = ref()
            if found is not None:
                return found
        obj = object.__new__(cls)
        for name, value in zip(cls._fields, fields, strict=True):
            object.__setattr__(obj, name, value)
        object.__setattr__(obj, "loose", loose)
        object.__setattr__(obj, "flags", flags)
        Expr._table[key] = obj
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("expressions are immutable")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), self.args())

    def args(self) -> tuple[object, ...]:
        raise NotImplementedError

    def children(self) -> tuple[Expr, ...]:
        return ()

    def with_children(self, children: Sequence[Expr]) -> Expr:
        return self

    @property
    def has_fvar(self) -> bool:
        return bool(self.flags & HAS_FVAR)

    @property
    def has_mvar(self) -> bool:
        return bool(self.flags & HAS_MVAR)

    @property
    def has_level_mvar(self) -> bool:
        return bool(self.flags & HAS_LMVAR)

    @property
    def has_level_param(self) -> bool:
        return bool(self.flags & HAS_LPARAM)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(a) for a in self.args())})"


# the weak table's underlying dict (key -> weak reference): a lookup without the Python-level wrapper
_TABLE_DATA: dict[tuple[object, ...], Callable[[], Expr | None]] = Expr._table.data  # type: ignore[attr-defined]


def _level_flags(level: Level) -> int:
    flags = 0
    if lv.has_mvar(level):
        flags |= HAS_LMVAR
    if any(True for _ in lv.params_of(level)):
        flags |= HAS_LPARAM
    return flags


class BVar(Expr):
    __slots__ = ("idx",)
    _fields = ("idx",)
    idx: int

    def __new__(cls, idx: int) -> BVar:
        if type(idx) is not int:
            raise TypeError(f"a de Bruijn index must be an int, got {idx!r}")
        if idx < 0:
            raise ValueError("negative de Bruijn index")
        return cls._make(("B", idx), (idx,), idx + 1, 0)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.idx,)


class FVar(Expr):
    __slots__ = ("id",)
    _fields = ("id",)
    id: int

    def __new__(cls, id: int) -> FVar:
        return cls._make(("F", id), (id,), 0, HAS_FVAR)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.id,)


class MVar(Expr):
    __slots__ = ("id",)
    _fields = ("id",)
    id: int

    def __new__(cls, id: int) -> MVar:
        return cls._make(("M", id), (id,), 0, HAS_MVAR)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.id,)


class Sort(Expr):
    __slots__ = ("level",)
    _fields = ("level",)
    level: Level

    def __new__(cls, level: Level) -> Sort:
        if not isinstance(level, Level):
            raise TypeError(f"Sort expects a universe level, got {level!r}")
        return cls._make(("S", level), (level,), 0, _level_flags(level))  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.level,)


class Const(Expr):
    __slots__ = ("levels", "name")
    _fields = ("levels", "name")
    name: str
    levels: tuple[Level, ...]

    def __new__(cls, name: str, levels: tuple[Level, ...] = ()) -> Const:
        levels = tuple(levels)
        if not isinstance(name, str) or not all(isinstance(level, Level) for level in levels):
            raise TypeError(f"Const expects a name and universe levels, got {name!r}, {levels!r}")
        flags = 0
        for level in levels:
            flags |= _level_flags(level)
        return cls._make(("C", name, levels), (levels, name), 0, flags)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.name, self.levels)


class App(Expr):
    __slots__ = ("arg", "fn")
    _fields = ("arg", "fn")
    fn: Expr
    arg: Expr

    def __new__(cls, fn: Expr, arg: Expr) -> App:
        return cls._make(  # type: ignore[return-value]
            ("A", fn, arg), (arg, fn), max(fn.loose, arg.loose), fn.flags | arg.flags
        )

    def args(self) -> tuple[object, ...]:
        return (self.fn, self.arg)

    def children(self) -> tuple[Expr, ...]:
        return (self.fn, self.arg)

    def with_children(self, children: Sequence[Expr]) -> Expr:
        return App(children[0], children[1])


class Binding(Expr):
    """Common shape of ``Lam`` and ``Pi``."""

    __slots__ = ("bi", "body", "name", "type")
    _fields = ("bi", "body", "name", "type")
    name: str
    type: Expr
    body: Expr
    bi: BinderInfo

    def __new__(cls, name: str, type: Expr, body: Expr, bi: BinderInfo = BinderInfo.DEFAULT) -> Binding:
        raise TypeError("Binding is abstract: build a Lam or a Pi")

    def args(self) -> tuple[object, ...]:
        return (self.name, self.type, self.body, self.bi)

    def children(self) -> tuple[Expr, ...]:
        return (self.type, self.body)

    def with_children(self, children: Sequence[Expr]) -> Expr:
        return type(self)(self.name, children[0], children[1], self.bi)


def _binding_loose(ty: Expr, body: Expr) -> int:
    return max(ty.loose, body.loose - 1, 0)


class Lam(Binding):
    __slots__ = ()

    def __new__(cls, name: str, type: Expr, body: Expr, bi: BinderInfo = BinderInfo.DEFAULT) -> Lam:
        return cls._make(  # type: ignore[return-value]
            ("L", name, type, body, bi),
            (bi, body, name, type),
            _binding_loose(type, body),
            type.flags | body.flags,
        )


class Pi(Binding):
    __slots__ = ()

    def __new__(cls, name: str, type: Expr, body: Expr, bi: BinderInfo = BinderInfo.DEFAULT) -> Pi:
        return cls._make(  # type: ignore[return-value]
            ("P", name, type, body, bi),
            (bi, body, name, type),
            _binding_loose(type, body),
            type.flags | body.flags,
        )


class Let(Expr):
    __slots__ = ("body", "name", "type", "value")
    _fields = ("body", "name", "type", "value")
    name: str
    type: Expr
    value: Expr
    body: Expr

    def __new__(cls, name: str, type: Expr, value: Expr, body: Expr) -> Let:
        return cls._make(  # type: ignore[return-value]
            ("T", name, type, value, body),
            (body, name, type, value),
            max(type.loose, value.loose, body.loose - 1, 0),
            type.flags | value.flags | body.flags,
        )

    def args(self) -> tuple[object, ...]:
        return (self.name, self.type, self.value, self.body)

    def children(self) -> tuple[Expr, ...]:
        return (self.type, self.value, self.body)

    def with_children(self, children: Sequence[Expr]) -> Expr:
        return Let(self.name, children[0], children[1], children[2])


class NatLit(Expr):
    __slots__ = ("value",)
    _fields = ("value",)
    value: int

    def __new__(cls, value: int) -> NatLit:
        if type(value) is not int:  # not bool, not float: the kernel computes with it
            raise TypeError(f"a natural number literal must be an int, got {value!r}")
        if value < 0:
            raise ValueError("natural number literal must be non-negative")
        return cls._make(("N", value), (value,), 0, 0)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.value,)


# Python refuses int <-> str conversions beyond 4300 digits by default; literals may be longer
_CHUNK = 4000


def nat_of_digits(digits: str) -> int:
    """The value of a decimal numeral of any length."""
    value = 0
    for i in range(0, len(digits), _CHUNK):
        chunk = digits[i : i + _CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


_CHUNK_BASE = 10**_CHUNK


def digits_of_nat(value: int) -> str:
    """The decimal numeral of a natural number of any size."""
    if value < _CHUNK_BASE:
        return str(value)
    chunks: list[str] = []
    base = _CHUNK_BASE
    while value >= base:
        value, rest = divmod(value, base)
        chunks.append(str(rest).rjust(_CHUNK, "0"))
    chunks.append(str(value))
    return "".join(reversed(chunks))


NODE_CLASSES: tuple[type[Expr], ...] = (BVar, FVar, MVar, Sort, Const, App, Lam, Pi, Let, NatLit)

PROP = Sort(lv.ZERO)
TYPE = Sort(lv.ONE)

_fresh = itertools.count(1)
_fresh_lock = threading.Lock()


def fresh_id() -> int:
    """A process-wide fresh identifier for free variables and metavariables."""
    return next(_fresh)


def advance_fresh_ids(past: int) -> None:
    """Make every later ``fresh_id()`` greater than ``past`` (codecs call it with the largest id
    they read back, so ids created afterwards never collide with decoded ones)."""
    global _fresh
    with _fresh_lock:
        current = next(_fresh)  # this id is skipped: ids need only be unique
        if past >= current:
            _fresh = itertools.count(past + 1)


# ---------------------------------------------------------------------------------------------
# Application spines
# ---------------------------------------------------------------------------------------------


def mk_app(fn: Expr, *args: Expr) -> Expr:
    for arg in args:
        fn = App(fn, arg)
    return fn


def mk_apps(fn: Expr, args: Iterable[Expr]) -> Expr:
    for arg in args:
        fn = App(fn, arg)
    return fn


def get_app_fn(e: Expr) -> Expr:
    while isinstance(e, App):
        e = e.fn
    return e


def get_app_args(e: Expr) -> list[Expr]:
    args: list[Expr] = []
    while isinstance(e, App):
        args.append(e.arg)
        e = e.fn
    args.reverse()
    return args


def get_app_fn_args(e: Expr) -> tuple[Expr, list[Expr]]:
    args: list[Expr] = []
    while isinstance(e, App):
        args.append(e.arg)
        e = e.fn
    args.reverse()
    return e, args


def const_name(e: Expr) -> str | None:
    head = get_app_fn(e)
    return head.name if isinstance(head, Const) else None


# ---------------------------------------------------------------------------------------------
# Generic traversal (a bottom-up rebuild with offset tracking and memoisation)
# ---------------------------------------------------------------------------------------------

Replacer = Callable[[Expr, int], Expr | None]


def replace(e: Expr, fn: Replacer, offset: int = 0) -> Expr:
    """Rebuild ``e``: ``fn(sub, offset)`` returns a replacement or None to descend.

    ``offset`` counts the binders crossed.  Shared sub-terms are visited once per offset.
    """
    cache: dict[tuple[Expr, int], Expr] = {}

    def go(e: Expr, off: int) -> Expr:
        key = (e, off)
        hit = cache.get(key)
        if hit is not None:
            return hit
        out = fn(e, off)
        if out is None:
            if isinstance(e, App):
                out = App(go(e.fn, off), go(e.arg, off))
            elif isinstance(e, Binding):
                out = type(e)(e.name, go(e.type, off), go(e.body, off + 1), e.bi)
            elif isinstance(e, Let):
                out = Let(e.name, go(e.type, off), go(e.value, off), go(e.body, off + 1))
            else:
                out = e
        cache[key] = out
        return out

    return go(e, offset)


def subterms(e: Expr) -> Iterator[Expr]:
    """Each distinct sub-term once (pre-order), iteratively."""
    seen: set[int] = set()
    stack = [e]
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        stack.extend(reversed(cur.children()))


# ---------------------------------------------------------------------------------------------
# De Bruijn operations
# ---------------------------------------------------------------------------------------------


def lift_loose_bvars(e: Expr, shift: int, start: int = 0) -> Expr:
    """Add ``shift`` to every loose bound variable ``>= start``."""
    if shift == 0 or e.loose <= start:
        return e

    def fn(sub: Expr, off: int) -> Expr | None:
        if sub.loose <= start + off:
            return sub
        if isinstance(sub, BVar):
            return BVar(sub.idx + shift)
        return None

    return replace(e, fn)


def lower_loose_bvars(e: Expr, shift: int, start: int) -> Expr:
    """Subtract ``shift`` from loose bound variables ``>= start`` (they must be ``>= shift``)."""
    if shift == 0 or e.loose <= start:
        return e

    def fn(sub: Expr, off: int) -> Expr | None:
        if sub.loose <= start + off:
            return sub
        if isinstance(sub, BVar):
            return BVar(sub.idx - shift)
        return None

    return replace(e, fn)


def instantiate(e: Expr, subst: Sequence[Expr]) -> Expr:
    """Replace ``BVar(i)`` (i < len(subst)) by ``subst[i]``; higher indices drop by len(subst)."""
    n = len(subst)
    if n == 0 or e.loose == 0:
        return e

    def fn(sub: Expr, off: int) -> Expr | None:
        if sub.loose <= off:
            return sub
        if isinstance(sub, BVar):
            idx = sub.idx - off
            if idx < n:
                return lift_loose_bvars(subst[idx], off)
            return BVar(sub.idx - n)
        return None

    return replace(e, fn)


def instantiate1(body: Expr, value: Expr) -> Expr:
    return instantiate(body, (value,))


def beta(fn: Expr, args: Sequence[Expr]) -> Expr:
    """``fn args`` with as many leading λ-binders of ``fn`` as there are arguments reduced."""
    i = 0
    body = fn
    while isinstance(body, Lam) and i < len(args):
        body = body.body
        i += 1
    return mk_apps(instantiate_rev(body, list(args[:i])), args[i:])


def instantiate_rev(e: Expr, xs: Sequence[Expr]) -> Expr:
    """Instantiate a telescope body: ``xs[-1]`` replaces ``BVar(0)``."""
    return instantiate(e, list(reversed(xs)))


def abstract(e: Expr, xs: Sequence[Expr]) -> Expr:
    """Replace free variables ``xs`` by bound variables; ``xs[-1]`` becomes ``BVar(0)``."""
    if not xs or not e.flags & (HAS_FVAR | HAS_MVAR):
        return e
    position = {x: i for i, x in enumerate(xs)}
    n = len(xs)

    def fn(sub: Expr, off: int) -> Expr | None:
        if not sub.flags & (HAS_FVAR | HAS_MVAR):
            return sub
        if isinstance(sub, (FVar, MVar)):
            i = position.get(sub)
            if i is not None:
                return BVar(off + n - 1 - i)
            return sub
        return None

    return replace(e, fn)


def kabstract(e: Expr, targets: Sequence[Expr]) -> Expr:
    """Replace every occurrence of the closed terms ``targets`` by bound variables for ``len(targets)``
    new binders (``targets[-1]`` becomes ``BVar(0)``, like ``abstract``); loose variables of ``e`` are
    lifted past the new binders."""
    n = len(targets)
    position = {t: i for i, t in enumerate(targets)}

    def fn(sub: Expr, off: int) -> Expr | None:
        i = position.get(sub)
        return None if i is None else BVar(off + n - 1 - i)

    return replace(lift_loose_bvars(e, n), fn)


def has_loose_bvar(e: Expr, idx: int) -> bool:
    """Does ``BVar(idx)`` occur loose in ``e``?"""
    if e.loose <= idx:
        return False
    stack = [(e, idx)]
    seen: set[tuple[int, int]] = set()
    while stack:
        cur, i = stack.pop()
        if cur.loose <= i or (id(cur), i) in seen:
            continue
        seen.add((id(cur), i))
        if isinstance(cur, BVar):
            if cur.idx == i:
                return True
        elif isinstance(cur, App):
            stack.append((cur.fn, i))
            stack.append((cur.arg, i))
        elif isinstance(cur, Binding):
            stack.append((cur.type, i))
            stack.append((cur.body, i + 1))
        elif isinstance(cur, Let):
            stack.append((cur.type, i))
            stack.append((cur.value, i))
            stack.append((cur.body, i + 1))
    return False


def instantiate_level_params(e: Expr, names: Sequence[str], levels: Sequence[Level]) -> Expr:
    if not names or not e.has_level_param:
        return e
    mapping = dict(zip(names, levels, strict=True))

    def fn(sub: Expr, off: int) -> Expr | None:
        if not sub.has_level_param:
            return sub
        if isinstance(sub, Sort):
            return Sort(lv.substitute(sub.level, mapping))
        if isinstance(sub, Const):
            return Const(sub.name, tuple(lv.substitute(level, mapping) for level in sub.levels))
        return None

    return replace(e, fn)


def replace_fvars(e: Expr, mapping: Mapping[Expr, Expr]) -> Expr:
    if not mapping or not e.has_fvar:
        return e

    def fn(sub: Expr, off: int) -> Expr | None:
        if not sub.has_fvar:
            return sub
        if isinstance(sub, FVar):
            return lift_loose_bvars(mapping[sub], off) if sub in mapping else sub
        return None

    return replace(e, fn)


def collect_fvars(e: Expr) -> set[FVar]:
    if not e.has_fvar:
        return set()
    return {s for s in subterms(e) if isinstance(s, FVar)}


def collect_mvars(e: Expr) -> list[MVar]:
    """Metavariables of ``e`` in order of first occurrence (left to right)."""
    if not e.has_mvar:
        return []
    out: list[MVar] = []
    for s in subterms(e):
        if isinstance(s, MVar) and s not in out:
            out.append(s)
    return out


def collect_consts(e: Expr) -> set[str]:
    return {s.name for s in subterms(e) if isinstance(s, Const)}


def alpha_equiv(a: Expr, b: Expr) -> bool:
    """Structural equality up to binder names (binder infos and universe levels must agree).

    ``==`` on expressions is identity, which includes binder names; this is the comparison a
    printer that renames a binder to avoid capture can promise."""
    seen: set[tuple[int, int]] = set()
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y or (id(x), id(y)) in seen:
            continue
        seen.add((id(x), id(y)))
        if type(x) is not type(y):
            return False
        if isinstance(x, Binding):
            assert isinstance(y, Binding)
            if x.bi is not y.bi:
                return False
        elif not isinstance(x, (App, Let)):
            return False  # distinct leaves (hash-consed)
        children_x, children_y = x.children(), y.children()
        stack.extend(zip(children_x, children_y, strict=True))
    return True


def level_params_of(e: Expr) -> set[str]:
    """Universe parameter names occurring in ``e``."""
    if not e.has_level_param:
        return set()
    out: set[str] = set()
    for sub in subterms(e):
        if isinstance(sub, Sort):
            out.update(lv.params_of(sub.level))
        elif isinstance(sub, Const):
            for level in sub.levels:
                out.update(lv.params_of(level))
    return out


def expr_size(e: Expr) -> int:
    """Number of distinct sub-terms (DAG size)."""
    return sum(1 for _ in subterms(e))


def binder_telescope(e: Expr) -> tuple[list[Binding], Expr]:
    """Peel syntactic Pi binders (without instantiating)."""
    binders: list[Binding] = []
    while isinstance(e, Pi):
        binders.append(e)
        e = e.body
    return binders, e


def mk_pi(xs: Sequence[tuple[str, FVar, Expr, BinderInfo]], body: Expr) -> Expr:
    """Close ``body`` over free variables ``xs`` = (name, fvar, type, binder info) as Pi binders."""
    return _close(Pi, xs, body)


def mk_lambda(xs: Sequence[tuple[str, FVar, Expr, BinderInfo]], body: Expr) -> Expr:
    return _close(Lam, xs, body)


def _close(
    kind: type[Lam] | type[Pi], xs: Sequence[tuple[str, FVar, Expr, BinderInfo]], body: Expr
) -> Expr:
    fvars = [x[1] for x in xs]
    out = abstract(body, fvars)
    for i in range(len(xs) - 1, -1, -1):
        name, _, ty, bi = xs[i]
        out = kind(name, abstract(ty, fvars[:i]), out, bi)
    return out
