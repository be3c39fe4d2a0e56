"""Finite counter-models of magma implications, found with z3 and re-checked in Python.

``find_counter_model(a, b, max_size)`` looks, size by size, for a magma on ``{0..n-1}`` (a table)
in which every instance of ``a`` holds and one instance of ``b`` fails; the result carries the
failing assignment of ``b``'s variables.  The model is re-evaluated here before it is returned;
it is still only a candidate: ``refutation`` turns it into a proof the kernel checks.
"""

from __future__ import annotations

import itertools
from typing import Any

import attrs

from tactic_mesh.calculus.magma.equations import Equation, Term, evaluate


@attrs.frozen
class FiniteModel:
    size: int
    table: tuple[tuple[int, ...], ...]  # table[x][y] = x ◇ y
    witness: tuple[tuple[str, int], ...]  # b's variables where b fails

    def satisfies(self, eq: Equation) -> bool:
        names = eq.variables()
        for values in itertools.product(range(self.size), repeat=len(names)):
            env = dict(zip(names, values, strict=True))
            if evaluate(eq.lhs, env, self.table) != evaluate(eq.rhs, env, self.table):
                return False
        return True

    def fails_at_witness(self, eq: Equation) -> bool:
        env = dict(self.witness)
        return evaluate(eq.lhs, env, self.table) != evaluate(eq.rhs, env, self.table)


def _z3_term(t: Term, env: dict[str, Any], f: Any) -> Any:
    if isinstance(t, str):
        return env[t]
    return f(_z3_term(t[0], env, f), _z3_term(t[1], env, f))


_SORTS: dict[int, tuple[Any, Any]] = {}  # z3 declares an enumeration sort once per context


def _search(a: Equation, b: Equation, n: int, timeout_ms: int) -> FiniteModel | None:
    import z3

    if n not in _SORTS:
        _SORTS[n] = z3.EnumSort(f"M{n}", [f"m{n}_{i}" for i in range(n)])
    sort, elems = _SORTS[n]
    f = z3.Function("op", sort, sort, sort)
    solver = z3.Solver()
    solver.set("timeout", max(1, timeout_ms))
    names = a.variables()
    for values in itertools.product(elems, repeat=len(names)):
        env = dict(zip(names, values, strict=True))
        solver.add(_z3_term(a.lhs, env, f) == _z3_term(a.rhs, env, f))
    skolem = {v: z3.Const(f"c_{v}", sort) for v in b.variables()}
    solver.add(_z3_term(b.lhs, skolem, f) != _z3_term(b.rhs, skolem, f))
    if solver.check() != z3.sat:
        return None
    model = solver.model()
    index = {str(e): i for i, e in enumerate(elems)}
    table = tuple(tuple(index[str(model.eval(f(elems[i], elems[j]), model_completion=True))] for j in range(n))
                  for i in range(n))
    witness = tuple((v, index[str(model.eval(c, model_completion=True))]) for v, c in skolem.items())
    return FiniteModel(n, table, witness)


def find_counter_model(a: Equation, b: Equation, max_size: int = 4, timeout_ms: int = 5_000) -> FiniteModel | None:
    """The smallest counter-model up to ``max_size`` that z3 finds within ``timeout_ms`` per size
    (checked here: ``a`` holds everywhere, ``b`` fails at the witness), or None."""
    for n in range(2, max_size + 1):
        found = _search(a, b, n, timeout_ms)
        if found is not None:
            if not (found.satisfies(a) and found.fails_at_witness(b)):  # never trust the solver's word
                raise RuntimeError(f"z3 returned a model of size {n} that is not a counter-model")
            return found
    return None
