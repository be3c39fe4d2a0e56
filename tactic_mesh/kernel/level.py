"""Universe levels: ``zero | succ l | max l l | imax l l | param u`` (and elaboration-only mvars).

Levels are hash-consed, so ``==`` is identity and hashing is O(1).  The decision procedure for
``≤`` is complete for the level language: ``imax`` over a level that may be zero is decided by
case-splitting the parameter it depends on (``u = 0`` or ``u = v + 1``), the rest reduces to
comparing maxima of ``param + offset`` atoms.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar
from weakref import WeakValueDictionary

from tactic_mesh.kernel.errors import KernelLimitError


class Level:
    """Base class of universe levels.  Instances are interned: build them with the subclasses."""

    __slots__ = ("__weakref__",)
    _table: ClassVar[WeakValueDictionary[tuple[object, ...], Level]] = WeakValueDictionary()

    @classmethod
    def _intern(cls, key: tuple[object, ...], *fields: object) -> Level:
        found = Level._table.get(key)
        if found is not None:
            return found
        obj = object.__new__(cls)
        names = cls.__slots__
        for name, value in zip(names, fields, strict=True):
            object.__setattr__(obj, name, value)
        Level._table[key] = obj
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("levels are immutable")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), self.args())

    def args(self) -> tuple[object, ...]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self.args()!r}"

    def __str__(self) -> str:
        return format_level(self)


class LZero(Level):
    __slots__ = ()

    def __new__(cls) -> LZero:
        return cls._intern(("zero",))  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return ()


class LSucc(Level):
    __slots__ = ("of",)
    of: Level

    def __new__(cls, of: Level) -> LSucc:
        return cls._intern(("succ", of), of)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.of,)


class LMax(Level):
    __slots__ = ("lhs", "rhs")
    lhs: Level
    rhs: Level

    def __new__(cls, lhs: Level, rhs: Level) -> LMax:
        return cls._intern(("max", lhs, rhs), lhs, rhs)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.lhs, self.rhs)


class LIMax(Level):
    __slots__ = ("lhs", "rhs")
    lhs: Level
    rhs: Level

    def __new__(cls, lhs: Level, rhs: Level) -> LIMax:
        return cls._intern(("imax", lhs, rhs), lhs, rhs)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.lhs, self.rhs)


class LParam(Level):
    __slots__ = ("name",)
    name: str

    def __new__(cls, name: str) -> LParam:
        return cls._intern(("param", name), name)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.name,)


class LMVar(Level):
    """A universe metavariable; only the elaborator creates these, the kernel rejects them."""

    __slots__ = ("id",)
    id: int

    def __new__(cls, id: int) -> LMVar:
        return cls._intern(("mvar", id), id)  # type: ignore[return-value]

    def args(self) -> tuple[object, ...]:
        return (self.id,)


ZERO = LZero()
ONE = LSucc(ZERO)


def level_of_int(n: int, base: Level = ZERO) -> Level:
    out = base
    for _ in range(n):
        out = LSucc(out)
    return out


def to_offset(level: Level) -> tuple[Level, int]:
    """Split ``succ^k base`` into ``(base, k)``."""
    k = 0
    while isinstance(level, LSucc):
        level = level.of
        k += 1
    return level, k


def params_of(level: Level) -> Iterator[str]:
    if isinstance(level, LParam):
        yield level.name
    elif isinstance(level, LSucc):
        yield from params_of(level.of)
    elif isinstance(level, (LMax, LIMax)):
        yield from params_of(level.lhs)
        yield from params_of(level.rhs)


def occurs(mvar: LMVar, level: Level) -> bool:
    """Does the universe metavariable ``mvar`` occur in ``level``?"""
    if level is mvar:
        return True
    if isinstance(level, LSucc):
        return occurs(mvar, level.of)
    if isinstance(level, (LMax, LIMax)):
        return occurs(mvar, level.lhs) or occurs(mvar, level.rhs)
    return False


def has_mvar(level: Level) -> bool:
    if isinstance(level, LMVar):
        return True
    if isinstance(level, LSucc):
        return has_mvar(level.of)
    if isinstance(level, (LMax, LIMax)):
        return has_mvar(level.lhs) or has_mvar(level.rhs)
    return False


def substitute(level: Level, mapping: Mapping[str, Level]) -> Level:
    """Replace universe parameters by levels."""
    if isinstance(level, LParam):
        return mapping.get(level.name, level)
    if isinstance(level, LSucc):
        return LSucc(substitute(level.of, mapping))
    if isinstance(level, LMax):
        return LMax(substitute(level.lhs, mapping), substitute(level.rhs, mapping))
    if isinstance(level, LIMax):
        return LIMax(substitute(level.lhs, mapping), substitute(level.rhs, mapping))
    return level


def substitute_mvars(level: Level, mapping: Mapping[int, Level]) -> Level:
    if isinstance(level, LMVar):
        found = mapping.get(level.id)
        return level if found is None else substitute_mvars(found, mapping)
    if isinstance(level, LSucc):
        return LSucc(substitute_mvars(level.of, mapping))
    if isinstance(level, LMax):
        return LMax(substitute_mvars(level.lhs, mapping), substitute_mvars(level.rhs, mapping))
    if isinstance(level, LIMax):
        return LIMax(substitute_mvars(level.lhs, mapping), substitute_mvars(level.rhs, mapping))
    return level


def is_never_zero(level: Level) -> bool:
    if isinstance(level, LSucc):
        return True
    if isinstance(level, LMax):
        return is_never_zero(level.lhs) or is_never_zero(level.rhs)
    if isinstance(level, LIMax):
        return is_never_zero(level.rhs)
    return False


def mk_max(a: Level, b: Level) -> Level:
    """``max`` with the obvious simplifications (kept sound: only identities that always hold)."""
    if a is b:
        return a
    if a is ZERO:
        return b
    if b is ZERO:
        return a
    ba, ka = to_offset(a)
    bb, kb = to_offset(b)
    if ba is bb:
        return a if ka >= kb else b
    if ba is ZERO and ka <= kb:
        return b
    if bb is ZERO and kb <= ka:
        return a
    return LMax(a, b)


def mk_imax(a: Level, b: Level) -> Level:
    if is_never_zero(b):
        return mk_max(a, b)
    if b is ZERO:
        return ZERO
    if a is ZERO or a is ONE:
        return b
    if a is b:
        return a
    return LIMax(a, b)


# ---------------------------------------------------------------------------------------------
# Normal forms and comparison
# ---------------------------------------------------------------------------------------------

# A normal form is a frozenset of atoms; an atom is (base, offset) where base is None (the
# constant 0) or a parameter / metavariable / irreducible imax.  The level denotes max of atoms.
Atom = tuple[Level | None, int]


def _normal(level: Level) -> dict[Level | None, int]:
    base, k = to_offset(level)
    if base is ZERO:
        return {None: k}
    if isinstance(base, (LParam, LMVar)):
        return {base: k}
    if isinstance(base, LMax):
        out = _normal(base.lhs)
        for b, n in _normal(base.rhs).items():
            out[b] = max(out.get(b, -1), n)
        return {b: n + k for b, n in out.items()}
    if isinstance(base, LIMax):
        simplified = mk_imax(base.lhs, base.rhs)
        if simplified is not base:
            return {b: n + k for b, n in _normal(simplified).items()}
        return {base: k}
    raise TypeError(f"not a level: {level!r}")  # pragma: no cover


def _zero_deciding_param(level: Level) -> str | None:
    """A parameter whose being a successor makes ``level`` never zero (None if there is none)."""
    if isinstance(level, LParam):
        return level.name
    if isinstance(level, LMax):
        return _zero_deciding_param(level.lhs) or _zero_deciding_param(level.rhs)
    if isinstance(level, LIMax):
        return _zero_deciding_param(level.rhs)
    return None


def _first_imax_param(level: Level) -> str | None:
    """A parameter to case-split on (``u = 0`` or ``u = v+1``) so that an irreducible ``imax``
    simplifies: one that decides whether the imax's right side is zero."""
    if isinstance(level, LSucc):
        return _first_imax_param(level.of)
    if isinstance(level, LMax):
        return _first_imax_param(level.lhs) or _first_imax_param(level.rhs)
    if isinstance(level, LIMax):
        if not is_never_zero(level.rhs):
            found = _zero_deciding_param(level.rhs)
            if found is not None:
                return found
        return _first_imax_param(level.lhs) or _first_imax_param(level.rhs)
    return None


def _simplify(level: Level) -> Level:
    if isinstance(level, LSucc):
        return LSucc(_simplify(level.of))
    if isinstance(level, LMax):
        return mk_max(_simplify(level.lhs), _simplify(level.rhs))
    if isinstance(level, LIMax):
        return mk_imax(_simplify(level.lhs), _simplify(level.rhs))
    return level


def _atoms_leq(lhs: dict[Level | None, int], rhs: dict[Level | None, int]) -> bool:
    rhs_max = max(rhs.values())
    for base, k in lhs.items():
        if base is None:
            if k > rhs_max and k > 0:
                return False
            continue
        if rhs.get(base, -1) < k:
            return False
    return True


MAX_CASE_SPLITS = 1 << 14


def is_leq(lhs: Level, rhs: Level) -> bool:
    """``lhs ≤ rhs`` for every assignment of natural numbers to the parameters.

    Exact: ``max a b ≤ r`` is split into ``a ≤ r`` and ``b ≤ r``; an ``imax`` whose right side may
    be zero is decided by case-splitting a parameter that decides it (``u = 0`` or ``u = v + 1``).
    Raises ``KernelLimitError`` beyond ``MAX_CASE_SPLITS`` case splits (the kernel reports it)."""
    return _is_leq(_simplify(lhs), _simplify(rhs), [MAX_CASE_SPLITS])


def _is_leq(lhs: Level, rhs: Level, budget: list[int]) -> bool:
    if lhs is rhs or lhs is ZERO:
        return True
    base, k = to_offset(lhs)
    if isinstance(base, LMax):
        return _is_leq(level_of_int(k, base.lhs), rhs, budget) and _is_leq(level_of_int(k, base.rhs), rhs, budget)
    split = _first_imax_param(lhs) or _first_imax_param(rhs)
    if split is not None:
        budget[0] -= 1
        if budget[0] < 0:
            raise KernelLimitError(f"deciding {format_level(lhs)} ≤ {format_level(rhs)} needs too many case splits")
        for case in ({split: ZERO}, {split: LSucc(LParam(split))}):
            if not _is_leq(_simplify(substitute(lhs, case)), _simplify(substitute(rhs, case)), budget):
                return False
        return True
    return _atoms_leq(_normal(lhs), _normal(rhs))


def is_equiv(lhs: Level, rhs: Level) -> bool:
    return lhs is rhs or (is_leq(lhs, rhs) and is_leq(rhs, lhs))


def normalize(level: Level) -> Level:
    """A canonical representative: the max of atoms in a fixed order (imax atoms kept as-is)."""
    level = _simplify(level)
    atoms = _normal(level)
    const = atoms.pop(None, None)
    items = sorted(atoms.items(), key=lambda item: format_level(item[0]) if item[0] else "")
    parts = [level_of_int(k, base) for base, k in items if base is not None]
    if const is not None and not any(k >= const for _, k in items):
        parts.insert(0, level_of_int(const))
    if not parts:
        return ZERO
    out = parts[-1]
    for part in reversed(parts[:-1]):
        out = LMax(part, out)
    return out


def max_atoms(level: Level) -> list[Level]:
    """The arguments of the normal form's ``max`` (each ``base + offset``)."""
    return [level_of_int(n, ZERO if base is None else base) for base, n in _normal(_simplify(level)).items()]


def mk_max_all(levels: list[Level]) -> Level:
    out = levels[0] if levels else ZERO
    for level in levels[1:]:
        out = mk_max(out, level)
    return out


def subtract_offset(level: Level, k: int) -> Level | None:
    """A level ``l'`` with ``l' + k ≡ level``, if every atom of the normal form has offset ≥ k."""
    if k == 0:
        return level
    atoms = _normal(_simplify(level))
    parts: list[Level] = []
    for base, n in atoms.items():
        if n < k:
            if base is None and any(m >= k for b, m in atoms.items() if b is not None):
                continue  # a constant dominated by another atom
            return None
        parts.append(level_of_int(n - k, ZERO if base is None else base))
    out = parts[0]
    for part in parts[1:]:
        out = mk_max(out, part)
    return out


def format_level(level: Level) -> str:
    base, k = to_offset(level)
    if base is ZERO:
        return str(k)
    if isinstance(base, LParam):
        inner = base.name
    elif isinstance(base, LMVar):
        inner = f"?u{base.id}"
    elif isinstance(base, LMax):
        inner = f"max {_level_arg(base.lhs)} {_level_arg(base.rhs)}"
    elif isinstance(base, LIMax):
        inner = f"imax {_level_arg(base.lhs)} {_level_arg(base.rhs)}"
    else:  # pragma: no cover
        raise TypeError(repr(level))
    if k == 0:
        return inner
    if isinstance(base, (LMax, LIMax)):
        inner = f"({inner})"
    return f"{inner}+{k}"


def _level_arg(level: Level) -> str:
    text = format_level(level)
    return f"({text})" if " " in text or "+" in text else text
