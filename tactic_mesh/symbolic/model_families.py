"""Counter-models of magma implications from structured families that reach beyond brute force.

``finite_models.find_counter_model`` asks z3 for an arbitrary table of size ≤ 4.  The refutations
the ETP needed beyond that came mostly from structured magmas; this module searches three kinds,
cheapest first, within one time budget:

* ``affine`` — ``x ◇ y = p·x + q·y + c  (mod n)``, ``2 ≤ n ≤ 24``.  Both sides of a law are affine
  forms: the coefficient of a variable is a sum of monomials ``p^i q^j`` (one per occurrence,
  ``i``/``j`` = left/right steps from the root to it) and the constant is ``c`` times a sum of
  such monomials (one per operation node).  ``a`` holds iff the coefficients agree mod ``n`` and
  ``c`` times the constant difference is ``0``; all ``(p, q)`` are enumerated directly, ``c`` is
  then solved for.  Symbolic and exact: a few ms per row.
* ``matrix`` — ``x ◇ y = A·x + B·y + c`` on ``(Z_q)²`` with 2×2 matrices ``A, B`` over ``Z_q``,
  ``q ≤ 4`` (sizes 4, 9, 16): the non-commutative version, the same word sums with matrix
  products.  ``A`` runs over representatives of conjugacy classes (``(A, B, c)`` and
  ``(PAP⁻¹, PBP⁻¹, Pc)`` give isomorphic magmas), ``B`` and ``c`` over everything.
* ``sat`` — an arbitrary table of size 2, 3, … (the small sizes again: they cost milliseconds and
  cover brute-force time-outs) found by a SAT solver (z3's, on DIMACS): the
  equations are flattened as Mace4/Paradox do (one clause per assignment of the variables and of
  the values of the inner sub-terms), ``b``'s failure is Skolemised, and when ``a`` is ``x = t``
  with ``t`` not a variable (so the operation is onto), every sub-term whose variables occur once
  and nowhere else is replaced by one fresh variable first (an equivalent law with fewer clauses).

Every model is re-checked here (``a`` on all tuples, ``b`` at the witness) before it is returned,
and only models whose kernel certificate stays affordable are returned: ``refutation.law_tuples``
(tuples the certificate evaluates, after strengthening ``a``) at most ``max_tuples`` (default
``refutation.MAX_LAW_TUPLES``) and at most ``MAX_SIZE`` elements.  The model is only a candidate:
``refutation.refute`` turns it into the certificate the kernel admits.

Measured on ``dev_implications.tsv`` (one core): of the 116 false rows that ``find_counter_model``
(size ≤ 4) leaves open, 23 are refuted, all by affine models of sizes 5–13 (17 ``LinearOps``
rows, 6 ``All4x4Tables`` rows), each certificate admitted by the kernel in 0.4–1.1 s; those
models are found in ≤ 0.03 s and the affine and matrix searches finish in ≤ 0.11 s on every row,
so ``timeout_s = 0.5`` already finds all 23 (43 s for the 116 rows).  The rest of the budget goes
to the SAT search, which found no further row of the dev file (its remaining false rows are the
blueprint-hard, hand-made and finite-only ones).  No true row (303) yields a model.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterator
from functools import cache

import attrs

from tactic_mesh.calculus.magma.equations import Equation, Term, evaluate
from tactic_mesh.symbolic.finite_models import FiniteModel
from tactic_mesh.symbolic.refutation import MAX_LAW_TUPLES, law_tuples

MAX_SIZE = 24  # the certificate's link check grows like n³: 2.6 s at n = 23, 5.7 s at n = 31 (k = 2)
AFFINE_MAX = MAX_SIZE
MATRIX_MODULI = (2, 3, 4)  # sizes 4, 9, 16 (25 is beyond MAX_SIZE)
SAT_MIN_SIZE = 2  # small sizes cost milliseconds; they cover brute-force time-outs
SAT_MAX_CLAUSES = 400_000  # beyond it writing the clauses alone takes seconds
SAT_CLAUSES_PER_S = 300_000  # written and parsed
_SEED = 20250101


@attrs.frozen
class FamilyModel:
    family: str  # affine | matrix | sat
    description: str  # e.g. "x ◇ y = 5·x + 9·y + 0 mod 13"
    model: FiniteModel


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def over(self) -> bool:
        return self.left() <= 0


def find_family_model(a: Equation, b: Equation, timeout_s: float = 3.0) -> FiniteModel | None:
    """A counter-model of ``a ⇒ b`` from the structured families (re-checked: ``a`` holds
    everywhere, ``b`` fails at the witness) whose certificate is affordable, or None."""
    found = search_families(a, b, timeout_s)
    return None if found is None else found.model


def search_families(a: Equation, b: Equation, timeout_s: float = 3.0,
                    max_tuples: int = MAX_LAW_TUPLES) -> FamilyModel | None:
    """As ``find_family_model``, with the family and its parameters."""
    deadline = _Deadline(timeout_s)
    if _trivial(a) and _trivial(b):
        return None
    searches: list[Callable[[Equation, Equation, _Deadline, int], Iterator[FamilyModel]]] = [
        _affine_models, _matrix_models, _sat_models]
    for search in searches:
        for found in search(a, b, deadline, max_tuples):
            model = found.model
            if not (model.satisfies(a) and model.fails_at_witness(b)):  # never trust a search's word
                raise RuntimeError(f"the {found.family} search returned a model that is not a counter-model")
            if model.size <= MAX_SIZE and law_tuples(a, model) <= max_tuples:
                return found
            if deadline.over():
                return None
        if deadline.over():
            return None
    return None


def _trivial(eq: Equation) -> bool:
    return eq.lhs == eq.rhs


def _cost_variables(a: Equation) -> int:
    """The variables the certificate's law check will range over (at most): those of the
    equivalent law ``simplify_onto(a)``, which every model of ``a`` satisfies."""
    return max(1, len(simplify_onto(a).variables()))


# -- witnesses -----------------------------------------------------------------------------------

def _witness(b: Equation, table: tuple[tuple[int, ...], ...]) -> tuple[tuple[str, int], ...] | None:
    """An assignment of ``b``'s variables where ``b`` fails in ``table``: the assignments with at
    most one non-zero value first, then random ones, then all (up to a bound)."""
    n = len(table)
    names = b.variables()

    def fails(values: tuple[int, ...]) -> bool:
        env = dict(zip(names, values, strict=True))
        return evaluate(b.lhs, env, table) != evaluate(b.rhs, env, table)

    def found(values: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
        return tuple(zip(names, values, strict=True))

    for pos in range(len(names)):
        for v in range(n):
            values = tuple(v if i == pos else 0 for i in range(len(names)))
            if fails(values):
                return found(values)
    rng = random.Random(_SEED)
    for _ in range(2_000):
        values = tuple(rng.randrange(n) for _ in names)
        if fails(values):
            return found(values)
    for count, values in enumerate(itertools.product(range(n), repeat=len(names))):
        if count > 200_000:
            break
        if fails(values):
            return found(values)
    return None


# -- affine forms ------------------------------------------------------------------------------------

Words = list[str]  # a monomial: the left (A) / right (B) steps from the root, in order


def _words(t: Term, prefix: str, var_words: dict[str, Words], const_words: Words) -> None:
    if isinstance(t, str):
        var_words.setdefault(t, []).append(prefix)
        return
    const_words.append(prefix)
    _words(t[0], prefix + "A", var_words, const_words)
    _words(t[1], prefix + "B", var_words, const_words)


@attrs.frozen
class LinearForm:
    """An equation as (per variable: words left, words right) and (constant words left, right)."""
    variables: tuple[tuple[Words, Words], ...]
    constant: tuple[Words, Words]


def linear_form(eq: Equation) -> LinearForm:
    lv: dict[str, Words] = {}
    rv: dict[str, Words] = {}
    lc: Words = []
    rc: Words = []
    _words(eq.lhs, "", lv, lc)
    _words(eq.rhs, "", rv, rc)
    return LinearForm(tuple((lv.get(v, []), rv.get(v, [])) for v in eq.variables()), (lc, rc))


class WordValues:
    """The coefficient a sum of monomials gets under ``x ◇ y = p·x + q·y``: ``p`` per ``A`` step and
    ``q`` per ``B`` step of each word, summed — exactly, or mod ``modulus``; cached per word."""

    def __init__(self, p: int, q: int, modulus: int | None = None) -> None:
        self.p, self.q, self.modulus = p, q, modulus
        self._cache: dict[str, int] = {}

    def word(self, w: str) -> int:
        x = self._cache.get(w)
        if x is None:
            a, b = w.count("A"), w.count("B")
            x = (self.p ** a * self.q ** b if self.modulus is None
                 else pow(self.p, a, self.modulus) * pow(self.q, b, self.modulus) % self.modulus)
            self._cache[w] = x
        return x

    def total(self, words: Words) -> int:
        total = sum(self.word(w) for w in words)
        return total if self.modulus is None else total % self.modulus


def _affine_models(a: Equation, b: Equation, deadline: _Deadline, max_tuples: int) -> Iterator[FamilyModel]:
    fa, fb = linear_form(a), linear_form(b)
    k = _cost_variables(a)
    for n in range(2, AFFINE_MAX + 1):
        if n ** k > max_tuples or deadline.over():
            return
        for p in range(n):
            for q in range(n):
                value = WordValues(p, q, n).total

                if any(value(left) != value(right) for left, right in fa.variables):
                    continue
                const_a = (value(fa.constant[0]) - value(fa.constant[1])) % n
                b_linear_differs = any(value(left) != value(right) for left, right in fb.variables)
                const_b = (value(fb.constant[0]) - value(fb.constant[1])) % n
                for c in range(n):
                    if c * const_a % n or not (b_linear_differs or c * const_b % n):
                        continue
                    table = tuple(tuple((p * x + q * y + c) % n for y in range(n)) for x in range(n))
                    witness = _witness(b, table)
                    if witness is not None:
                        yield FamilyModel("affine", f"x ◇ y = {p}·x + {q}·y + {c} mod {n}",
                                          FiniteModel(n, table, witness))
                        break


# -- 2×2 matrices over Z_q -----------------------------------------------------------------------------

Mat = tuple[int, int, int, int]  # (a, b, c, d) = [[a, b], [c, d]]


def _mul(x: Mat, y: Mat, q: int) -> Mat:
    return ((x[0] * y[0] + x[1] * y[2]) % q, (x[0] * y[1] + x[1] * y[3]) % q,
            (x[2] * y[0] + x[3] * y[2]) % q, (x[2] * y[1] + x[3] * y[3]) % q)


@cache
def _matrices(q: int) -> tuple[tuple[Mat, ...], tuple[Mat, ...]]:
    """All 2×2 matrices over ``Z_q`` and one representative of each conjugacy class."""
    mats = tuple((w, x, y, z) for w in range(q) for x in range(q) for y in range(q) for z in range(q))
    units = [u for u in range(q) if any(u * v % q == 1 for v in range(q))]
    inverse: list[tuple[Mat, Mat]] = []
    for m in mats:
        det = (m[0] * m[3] - m[1] * m[2]) % q
        if det in units:
            di = next(v for v in range(q) if det * v % q == 1)
            inverse.append((m, (m[3] * di % q, -m[1] * di % q, -m[2] * di % q, m[0] * di % q)))
    seen: set[Mat] = set()
    reps: list[Mat] = []
    for m in mats:
        if m in seen:
            continue
        reps.append(m)
        for p, pi in inverse:
            seen.add(_mul(_mul(p, m, q), pi, q))
    return mats, tuple(reps)


class _Words:
    """Sums of products of ``A`` and ``B`` (words) over ``Z_q``, memoised per word."""

    def __init__(self, a_mat: Mat, b_mat: Mat, q: int) -> None:
        self.a_mat, self.b_mat, self.q = a_mat, b_mat, q
        self.memo: dict[str, Mat] = {"": (1, 0, 0, 1)}

    def word(self, w: str) -> Mat:
        got = self.memo.get(w)
        if got is None:
            got = _mul(self.word(w[:-1]), self.a_mat if w[-1] == "A" else self.b_mat, self.q)
            self.memo[w] = got
        return got

    def total(self, words: Words) -> Mat:
        q = self.q
        acc: Mat = (0, 0, 0, 0)
        for w in words:
            m = self.word(w)
            acc = ((acc[0] + m[0]) % q, (acc[1] + m[1]) % q, (acc[2] + m[2]) % q, (acc[3] + m[3]) % q)
        return acc


def _matrix_models(a: Equation, b: Equation, deadline: _Deadline, max_tuples: int) -> Iterator[FamilyModel]:
    fa, fb = linear_form(a), linear_form(b)
    k = _cost_variables(a)
    for q in MATRIX_MODULI:
        n = q * q
        if n ** k > max_tuples or deadline.over():
            return
        mats, reps = _matrices(q)
        vectors = [(x, y) for x in range(q) for y in range(q)]
        for a_mat in reps:
            if deadline.over():
                return
            for b_mat in mats:
                words = _Words(a_mat, b_mat, q)
                if any(words.total(left) != words.total(right) for left, right in fa.variables):
                    continue
                b_linear_differs = any(words.total(left) != words.total(right) for left, right in fb.variables)
                ka = _sub(words.total(fa.constant[0]), words.total(fa.constant[1]), q)
                kb = _sub(words.total(fb.constant[0]), words.total(fb.constant[1]), q)
                for c in vectors:
                    if _apply(ka, c, q) != (0, 0) or not (b_linear_differs or _apply(kb, c, q) != (0, 0)):
                        continue
                    table = _matrix_table(a_mat, b_mat, c, q)
                    witness = _witness(b, table)
                    if witness is not None:
                        yield FamilyModel("matrix", f"x ◇ y = {a_mat}·x + {b_mat}·y + {c} on (Z_{q})²",
                                          FiniteModel(n, table, witness))
                        break


def _sub(x: Mat, y: Mat, q: int) -> Mat:
    return ((x[0] - y[0]) % q, (x[1] - y[1]) % q, (x[2] - y[2]) % q, (x[3] - y[3]) % q)


def _apply(m: Mat, v: tuple[int, int], q: int) -> tuple[int, int]:
    return ((m[0] * v[0] + m[1] * v[1]) % q, (m[2] * v[0] + m[3] * v[1]) % q)


def _matrix_table(a_mat: Mat, b_mat: Mat, c: tuple[int, int], q: int) -> tuple[tuple[int, ...], ...]:
    vectors = [(x, y) for x in range(q) for y in range(q)]  # element i = vectors[i]
    index = {v: i for i, v in enumerate(vectors)}
    rows = []
    for x in vectors:
        ax = _apply(a_mat, x, q)
        row = []
        for y in vectors:
            by = _apply(b_mat, y, q)
            row.append(index[((ax[0] + by[0] + c[0]) % q, (ax[1] + by[1] + c[1]) % q)])
        rows.append(tuple(row))
    return tuple(rows)


# -- arbitrary tables by SAT ------------------------------------------------------------------------

def _occurrences(t: Term, counts: dict[str, int]) -> None:
    if isinstance(t, str):
        counts[t] = counts.get(t, 0) + 1
    else:
        _occurrences(t[0], counts)
        _occurrences(t[1], counts)


def simplify_onto(a: Equation) -> Equation:
    """For ``a`` of the form ``x = t`` (or ``t = x``) with ``t`` not a variable, the operation of
    any model is onto, so a sub-term whose variables each occur once in it and nowhere else takes
    every value: replacing each maximal such sub-term by a fresh variable gives an equivalent law.
    Other laws are returned unchanged."""
    if not (isinstance(a.lhs, str) ^ isinstance(a.rhs, str)):
        return a
    counts: dict[str, int] = {}
    _occurrences(a.lhs, counts)
    _occurrences(a.rhs, counts)
    used = set(counts)
    fresh = (f"u{i}" for i in itertools.count() if f"u{i}" not in used)

    def linear(t: Term) -> bool:
        inner: dict[str, int] = {}
        _occurrences(t, inner)
        return all(counts[v] == 1 for v in inner)

    def go(t: Term) -> Term:
        if isinstance(t, str):
            return t
        if linear(t):
            return next(fresh)
        return (go(t[0]), go(t[1]))

    return Equation(go(a.lhs), go(a.rhs))


_Ref = int  # >= 0: variable index; < 0: node -1 - index


def _flatten(t: Term, names: list[str], nodes: list[tuple[_Ref, _Ref]]) -> _Ref:
    if isinstance(t, str):
        return names.index(t)
    left = _flatten(t[0], names, nodes)
    right = _flatten(t[1], names, nodes)
    nodes.append((left, right))
    return -len(nodes)


def _sat_clauses(a: Equation, b: Equation, n: int) -> tuple[list[str], int, dict[str, int]] | None:
    """The DIMACS clauses (without header) of "a table of size n satisfying a, failing b at the
    witness"; variable ``1 + (i·n + j)·n + k`` means ``i ◇ j = k``; the witness variables follow."""
    def cell(i: int, j: int, k: int) -> int:
        return 1 + (i * n + j) * n + k

    out: list[str] = []
    for i in range(n):
        for j in range(n):
            out.append(" ".join(str(cell(i, j, k)) for k in range(n)) + " 0")
            for k1 in range(n):
                for k2 in range(k1 + 1, n):
                    out.append(f"-{cell(i, j, k1)} -{cell(i, j, k2)} 0")
    if a.lhs != a.rhs:
        lhs, rhs = (a.rhs, a.lhs) if isinstance(a.lhs, str) else (a.lhs, a.rhs)
        if isinstance(lhs, str):
            return None  # x = y: only the trivial magma
        names = list(a.variables())
        nodes: list[tuple[_Ref, _Ref]] = []
        _flatten(lhs, names, nodes)
        root = len(nodes) - 1
        target = _flatten(rhs, names, nodes)
        inner = [i for i in range(len(nodes)) if i != root]
        k = len(names)
        values = [0] * (k + len(nodes))  # variables, then node values

        def ref(r: _Ref) -> int:
            return values[r] if r >= 0 else values[k - 1 - r]

        def assign(pos: int, lits: list[str]) -> None:
            if pos < len(inner):
                node = inner[pos]
                left, right = nodes[node]
                lv, rv = ref(left), ref(right)
                for v in range(n):
                    values[k + node] = v
                    lits.append(f"-{cell(lv, rv, v)}")
                    assign(pos + 1, lits)
                    lits.pop()
                return
            left, right = nodes[root]
            out.append(" ".join(lits) + f" {cell(ref(left), ref(right), ref(target))} 0")

        for vs in itertools.product(range(n), repeat=k):
            values[:k] = vs
            assign(0, [])
    nxt = n ** 3 + 1
    witness: dict[str, int] = {}
    for v in b.variables():
        witness[v] = nxt
        out.append(" ".join(str(nxt + c) for c in range(n)) + " 0")
        nxt += n
    first = b.variables()[0] if b.variables() else None
    if first is not None:
        out.append(f"{witness[first]} 0")  # relabel: the first witness is element 0

    def value_of(t: Term) -> int:
        nonlocal nxt
        if isinstance(t, str):
            return witness[t]
        left, right = value_of(t[0]), value_of(t[1])
        s = nxt
        nxt += n
        for i in range(n):
            for j in range(n):
                for k2 in range(n):
                    out.append(f"-{left + i} -{right + j} -{cell(i, j, k2)} {s + k2} 0")
        return s

    sl, sr = value_of(b.lhs), value_of(b.rhs)
    for c in range(n):
        out.append(f"-{sl + c} -{sr + c} 0")
    return out, nxt - 1, witness


def _sat_clause_estimate(a: Equation, n: int) -> int:
    ops = _count_ops(a.lhs) + _count_ops(a.rhs)
    inner = max(0, ops - 1)
    return int(n ** (len(a.variables()) + inner))


def _count_ops(t: Term) -> int:
    return 0 if isinstance(t, str) else 1 + _count_ops(t[0]) + _count_ops(t[1])


def _sat_search(a: Equation, b: Equation, n: int, deadline: _Deadline | float) -> FiniteModel | None:
    """A table of size ``n`` satisfying ``a`` and failing ``b`` (the SAT solver's word, checked by
    the caller), None when unsatisfiable or out of time (``deadline``: a deadline or seconds)."""
    import z3

    if not isinstance(deadline, _Deadline):
        deadline = _Deadline(deadline)
    built = _sat_clauses(simplify_onto(a), b, n)
    if built is None:
        return None
    clauses, variables, witness = built
    solver = z3.SolverFor("QF_FD")
    solver.from_string(f"p cnf {variables} {len(clauses)}\n" + "\n".join(clauses) + "\n")
    if deadline.left() <= 0.01:
        return None
    solver.set("timeout", max(1, int(1000 * deadline.left())))
    if solver.check() != z3.sat:
        return None
    model = solver.model()
    true: set[int] = set()
    for decl in model.decls():
        if z3.is_true(model[decl]):
            true.add(int(decl.name().split("!")[1]))
    table = tuple(tuple(next(k for k in range(n) if 1 + (i * n + j) * n + k in true) for j in range(n))
                  for i in range(n))
    values = tuple((v, next(c for c in range(n) if witness[v] + c in true)) for v in b.variables())
    return FiniteModel(n, table, values)


def _sat_models(a: Equation, b: Equation, deadline: _Deadline, max_tuples: int) -> Iterator[FamilyModel]:
    simple = simplify_onto(a)
    for n in range(SAT_MIN_SIZE, MAX_SIZE + 1):
        clauses = _sat_clause_estimate(simple, n)
        # writing and parsing the clauses take about 1 s per 300,000: keep half the time to solve
        if clauses > SAT_MAX_CLAUSES or clauses / SAT_CLAUSES_PER_S > deadline.left() / 2:
            return
        if n ** max(1, len(simple.variables())) > max_tuples:
            return
        model = _sat_search(a, b, n, deadline)
        if model is not None:
            yield FamilyModel("sat", f"a table of size {n} (SAT)", model)
            return


__all__ = ["MAX_SIZE", "FamilyModel", "find_family_model", "search_families", "simplify_onto"]
