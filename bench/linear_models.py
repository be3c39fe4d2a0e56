"""Benchmark: the cost of a counter-model certificate, by normalisation over ℤ versus by evaluation
over a finite carrier.

For the same affine law ``x ◇ y = p·x + q·y`` the refutation can be certified two ways:

* over ℤ (``symbolic.linear_models``): the hypothesis is proved by one closed normal-form
  computation in the kernel (the theory ``proofs/linear.tm`` is checked once per process — its
  cost is reported separately);
* over ``Z/n`` (``symbolic.refutation``, method ``reflection``): the kernel evaluates the
  hypothesis on all ``n^k`` tuples.

The script prints the median seconds per certificate of each (elaboration + kernel check) and the
ratio finite / ℤ for growing ``n``; it asserts only that every certificate is admitted.  Usage:

    python bench/linear_models.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable

from tactic_mesh.calculus.magma.equations import parse_equation
from tactic_mesh.symbolic.finite_models import FiniteModel
from tactic_mesh.symbolic.linear_models import AffineZ, find_linear_model, refute_linear, theory_env
from tactic_mesh.symbolic.refutation import refute

CASES = (
    # (hypothesis, conclusion), with the first affine model over ℤ the search finds
    ("x = (y ◇ x) ◇ y", "x = (y ◇ z) ◇ ((x ◇ w) ◇ w)"),  # a has 2 variables
    ("x = (x ◇ y) ◇ (z ◇ (y ◇ z))", "x ◇ y = (x ◇ y) ◇ x"),  # a has 3 variables; x ◇ y = -x
)
SIZES = (5, 7, 9, 11, 13)


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _finite(model: AffineZ, n: int, values: dict[str, int]) -> FiniteModel:
    table = tuple(tuple((model.p * x + model.q * y + model.k) % n for y in range(n)) for x in range(n))
    return FiniteModel(n, table, tuple((v, c % n) for v, c in values.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    theory_env()
    print(f"theory proofs/linear.tm checked once per process: {time.perf_counter() - started:.2f} s")
    for a_text, b_text in CASES:
        a, b = parse_equation(a_text), parse_equation(b_text)
        found = find_linear_model(a, b)
        assert found is not None, a_text
        model, values = found
        k = len(a.variables())
        z_time = _median(functools.partial(refute_linear, a, b, model, values), args.repeat)
        print(f"\n{a_text}  ⇏  {b_text}  ({model.describe()}, {k} variables in the hypothesis)")
        print(f"  over ℤ (normalisation):            {z_time:.3f} s")
        for n in SIZES:
            finite = _finite(model, n, values)
            assert finite.satisfies(a) and finite.fails_at_witness(b)
            f_time = _median(functools.partial(refute, a, b, finite, method="reflection"), args.repeat)
            print(f"  over Z/{n:<2} (evaluation, ≤ {n ** k:>4} tuples): {f_time:.3f} s   ratio {f_time / z_time:.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
