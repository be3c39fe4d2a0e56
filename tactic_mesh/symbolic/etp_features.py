"""Cheap features of a magma implication ``a ⇒ b`` for the ETP expert router (``symbolic.etp_router``).

Per law (``a`` and ``b``, each prefixed ``a_`` / ``b_``): operations, depth, distinct variables,
variables on one side only, the largest number of occurrences of one variable, whether a side is a
bare variable, whether that variable is missing from the other side (``x = t`` with ``x ∉ t``
forces a one-element magma), and the share of the 16 two-element magmas that satisfy it.  For the
pair: whether ``b`` is an instance of ``a`` (first-order matching, either orientation — the quick
check, not the kernel proof), the differences in size and variables, the share of ``b``'s
operation shapes (subterms with variables erased) that occur in ``a``, and the number of
two-element magmas in which ``a`` holds and ``b`` fails (a size-2 counter-model exists).

The two-element magmas are evaluated on truth tables: a term over ``k`` variables is a ``2^k``-bit
integer (bit ``i`` is its value at the ``i``-th assignment), so one law costs a few hundred integer
operations.  Everything here is a function of the two laws' syntax: nothing runs a prover, and the
whole vector takes about a millisecond.  ``FEATURE_VERSION`` changes whenever ``NAMES`` or a
feature's meaning does (a checkpoint records both).
"""

from __future__ import annotations

from collections import Counter

from tactic_mesh.calculus.magma.equations import Equation, Term
from tactic_mesh.calculus.magma.terms import match_pair

FEATURE_VERSION = 1

_LAW = ("ops", "depth", "vars", "one_side_vars", "max_occurrences", "bare_side", "forces_trivial", "sat2")
_PAIR = ("is_instance", "ops_diff", "vars_diff", "shared_shapes", "counter2", "a_trivial_law", "b_trivial_law")
NAMES: tuple[str, ...] = (*(f"a_{n}" for n in _LAW), *(f"b_{n}" for n in _LAW), *_PAIR)

# the 16 operation tables on {0, 1}: table t maps (p, q) to bit (2p + q) of t
_TABLES = range(16)


def _shape(t: Term) -> str:
    if isinstance(t, str):
        return "_"
    return f"({_shape(t[0])}{_shape(t[1])})"


def _walk(t: Term, occurrences: Counter[str], shapes: set[str]) -> tuple[int, int]:
    """(operations, depth) of ``t``; counts the variables and collects the operation shapes."""
    if isinstance(t, str):
        occurrences[t] += 1
        return 0, 0
    lo, ld = _walk(t[0], occurrences, shapes)
    ro, rd = _walk(t[1], occurrences, shapes)
    shapes.add(_shape(t))
    return lo + ro + 1, max(ld, rd) + 1


def _truth(t: Term, table: int, columns: dict[str, int], full: int) -> int:
    """The values of ``t`` at every assignment, as bits, in the magma ``table``."""
    if isinstance(t, str):
        return columns[t]
    f = _truth(t[0], table, columns, full)
    g = _truth(t[1], table, columns, full)
    out = 0
    for p in (0, 1):
        fp = f if p else full & ~f
        for q in (0, 1):
            if table >> (2 * p + q) & 1:
                out |= fp & (g if q else full & ~g)
    return out


def _columns(names: list[str]) -> tuple[dict[str, int], int]:
    """Variable ``i`` as the bit pattern of its value over all ``2^k`` assignments."""
    k = len(names)
    rows = 1 << k
    cols = {v: sum(1 << r for r in range(rows) if r >> i & 1) for i, v in enumerate(names)}
    return cols, (1 << rows) - 1


def holds_in(eq: Equation) -> frozenset[int]:
    """The two-element magmas (tables 0..15) in which ``eq`` holds."""
    names = sorted(set(eq.variables()))
    cols, full = _columns(names)
    return frozenset(t for t in _TABLES if _truth(eq.lhs, t, cols, full) == _truth(eq.rhs, t, cols, full))


def _law(eq: Equation) -> tuple[list[float], set[str], frozenset[int]]:
    left: Counter[str] = Counter()
    right: Counter[str] = Counter()
    shapes: set[str] = set()
    lo, ld = _walk(eq.lhs, left, shapes)
    ro, rd = _walk(eq.rhs, right, shapes)
    both = left + right
    one_side = len(set(left) ^ set(right))
    bare = [side for side in (eq.lhs, eq.rhs) if isinstance(side, str)]
    forces = (isinstance(eq.lhs, str) and eq.lhs not in right) or (isinstance(eq.rhs, str) and eq.rhs not in left)
    sat = holds_in(eq)
    values = [float(lo + ro), float(max(ld, rd)), float(len(both)), float(one_side), float(max(both.values())),
              float(len(bare) > 0), float(forces), len(sat) / 16]
    return values, shapes, sat


def features(a: Equation, b: Equation) -> list[float]:
    """The feature vector of ``a ⇒ b``, in the order of ``NAMES``."""
    fa, shapes_a, sat_a = _law(a)
    fb, shapes_b, sat_b = _law(b)
    instance = any(match_pair((a.lhs, a.rhs), target) is not None for target in ((b.lhs, b.rhs), (b.rhs, b.lhs)))
    shared = len(shapes_b & shapes_a) / len(shapes_b) if shapes_b else 1.0
    pair = [float(instance), fb[0] - fa[0], fb[2] - fa[2], shared, float(len(sat_a - sat_b)),
            float(a.lhs == a.rhs), float(b.lhs == b.rhs)]
    return [*fa, *fb, *pair]
