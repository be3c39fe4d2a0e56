"""Training data and fitting for the ETP expert router (``symbolic.etp_router``).

Pairs.  ``fresh_pairs`` draws seeded random pairs ``(i, j)``, ``i ≠ j``, of the laws of
``equations.txt`` and leaves out every pair of the dev file and every dual of one (``x ◇ y`` read
as ``y ◇ x``), comparing laws up to variable names and orientation; only the dev file's equation
columns are read, never its labels.  The pairs are drawn in three equal strata of cheap features
(``stratum``): a two-element magma refutes the pair; no two-element magma satisfies ``a`` (mostly
laws that force a one-element magma, so the pair is true); neither — the pairs where the choice of
expert costs time.  Uniform pairs are nearly all in the first two strata.

Labels.  ``probe_pair`` runs every routed expert on the pair on its own (``etp.probe``) with a
per-expert cap of ``cap`` seconds and records whether it ended with a *checked* verdict and how
long it took, failing or not.  The rewrite certificate is given the E run's result, as in
``decide``.  ``eprover-again`` (the long E run) is probed with ``long_cap`` seconds on the pairs
whose first E run ran out of resources, whether or not a routed expert settled them, and recorded
as failed in no time on the others (there it gives no verdict and costs nothing).  ``decide``
reaches it only when every routed expert failed too, but among fresh pairs that is too rare to
learn from (none of 400 pairs of the three strata, none of 120 hard pairs), so the give-up
regression learns ``P(the long run settles | the first E run ran out)`` instead.

Fitting (plain Python: the features are few and the pairs hundreds).  A pair's kind is ``true``
when a prover settled it, ``false`` when a refuter did (``etp_router``): one logistic regression
per kind, and per expert one on the pairs of its kind, each by Newton's method with an L2 penalty
on the weights and two half-weight pseudo-samples (one success, one failure) at the mean, so that
an expert that never or always succeeds keeps a finite bias; and per expert two ridge regressions
for log seconds (its successes, its failures), in closed form.  The long E run's regression
(``Router.last``) is fitted the same way on the pairs that reach it.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from tactic_mesh.calculus.magma.equations import Equation, Term, parse_equation
from tactic_mesh.symbolic.etp import AFTER, E_ANSWERED, FIXED_ORDER, LAST, Probe, probe
from tactic_mesh.symbolic.etp_features import NAMES, features, holds_in
from tactic_mesh.symbolic.etp_router import KIND, KINDS, MIN_SECONDS, ROUTED, ExpertModel, Router, sigmoid

L2 = 1.0
NEWTON_STEPS = 30
_REFUTERS = ("finite-model", "linear-over-Z", "model-family")  # skipped by decide once E proved the row


@attrs.frozen
class Sample:
    lhs: int
    rhs: int
    x: tuple[float, ...]
    ok: Mapping[str, bool]
    seconds: Mapping[str, float]
    e_status: str = ""


# -- fresh pairs --------------------------------------------------------------------------------------

def _canonical(lhs: Term, rhs: Term) -> str:
    names: dict[str, str] = {}

    def ren(t: Term) -> str:
        if isinstance(t, str):
            return names.setdefault(t, f"v{len(names)}")
        return f"({ren(t[0])} * {ren(t[1])})"

    left = ren(lhs)
    return f"{left} = {ren(rhs)}"


def law_key(eq: Equation) -> str:
    """The law up to the names of its variables and the orientation of ``=``."""
    return min(_canonical(eq.lhs, eq.rhs), _canonical(eq.rhs, eq.lhs))


def _mirror(t: Term) -> Term:
    return t if isinstance(t, str) else (_mirror(t[1]), _mirror(t[0]))


def dual_key(eq: Equation) -> str:
    return law_key(Equation(_mirror(eq.lhs), _mirror(eq.rhs)))


def excluded_keys(path: Path) -> set[tuple[str, str]]:
    """The pairs of ``path`` (a TSV with ``lhs_eq`` and ``rhs_eq``) and their duals, as law keys."""
    out: set[tuple[str, str]] = set()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            a, b = parse_equation(row["lhs_eq"]), parse_equation(row["rhs_eq"])
            out.add((law_key(a), law_key(b)))
            out.add((dual_key(a), dual_key(b)))
    return out


def stratum(sat_a: frozenset[int], sat_b: frozenset[int]) -> int:
    """0: a two-element magma refutes the pair; 1: no two-element magma satisfies ``a``; 2: the rest."""
    if sat_a - sat_b:
        return 0
    return 1 if not sat_a else 2


Satisfaction = Mapping[int, frozenset[int]]  # per law number: the two-element magmas it holds in


def satisfaction(eqs: Mapping[int, Equation]) -> dict[int, frozenset[int]]:
    """Each law's two-element magmas (``holds_in``): computed once, shared by the draws of
    ``fresh_pairs`` and ``hard_candidates``."""
    return {i: holds_in(eq) for i, eq in eqs.items()}


def _draws(eqs: Mapping[int, Equation], rng: random.Random, exclude: set[tuple[str, str]],
           seen: set[tuple[int, int]], sat: Satisfaction | None) -> Iterator[tuple[int, int, int] | None]:
    """Endless seeded draws of pairs of law numbers: ``(i, j, stratum)``, or None for a pair already
    in ``seen`` or left out by ``exclude`` (itself or its dual)."""
    numbers = sorted(eqs)
    keys = {i: law_key(eqs[i]) for i in numbers}
    duals = {i: dual_key(eqs[i]) for i in numbers}
    sat = satisfaction(eqs) if sat is None else sat
    while True:
        i, j = rng.sample(numbers, 2)
        if (i, j) in seen or (keys[i], keys[j]) in exclude or (duals[i], duals[j]) in exclude:
            yield None
        else:
            yield i, j, stratum(sat[i], sat[j])


def fresh_pairs(eqs: Mapping[int, Equation], n: int, seed: int, exclude: set[tuple[str, str]],
                sat: Satisfaction | None = None) -> list[tuple[int, int]]:
    """``n`` distinct pairs of law numbers (module doc), the same for the same ``seed``; ``sat``:
    ``satisfaction(eqs)`` when the caller has it."""
    quota = [n // 3, n // 3, n - 2 * (n // 3)]
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for tries, drawn in enumerate(_draws(eqs, random.Random(seed), exclude, seen, sat), start=1):
        if len(out) >= n or tries > 500 * n:
            break
        if drawn is None:
            continue
        i, j, k = drawn
        if quota[k] <= 0 and tries < 100 * n:  # a stratum too rare to fill in time is topped up by the others
            continue
        seen.add((i, j))
        quota[k] -= 1
        out.append((i, j))
    return out


def hard_candidates(eqs: Mapping[int, Equation], n: int, seed: int, exclude: set[tuple[str, str]],
                    taken: set[tuple[int, int]], sat: Satisfaction | None = None) -> list[tuple[int, int]]:
    """``n`` distinct pairs of stratum 2 (no two-element magma refutes them and one satisfies ``a``),
    none in ``taken``, the same for the same ``seed``: the candidates of the hard pairs, of which
    the collector keeps those E's first run does not answer (``probe_pair(hard_only=True)``).  Fresh
    pairs of the three strata almost never get past every routed expert, so without them the long
    E run's regression (``Router.last``) has nothing to learn from."""
    out: list[tuple[int, int]] = []
    seen = set(taken)
    for tries, drawn in enumerate(_draws(eqs, random.Random(seed + 7919), exclude, seen, sat), start=1):
        if len(out) >= n or tries > 1000 * n:
            break
        if drawn is not None and drawn[2] == 2:
            seen.add(drawn[:2])
            out.append(drawn[:2])
    return out


# -- labels -------------------------------------------------------------------------------------------

LONG_CAP = 8.0  # seconds of the long E run while collecting (what a 10 s row has left when it reaches it)


def reaches_last(ok: Mapping[str, bool], e_status: str) -> bool:
    """Whether ``decide`` would run the long E run on a pair with these probes."""
    return e_ran_out(e_status) and not any(ok[k] for k in ROUTED)


def e_ran_out(e_status: str) -> bool:
    """Whether E's first run left the pair open (no proof, no saturation): the long E run is probed
    there, and the give-up regression (``Router.last``) learns from those pairs."""
    return e_status not in E_ANSWERED


def _checked(found: Probe) -> bool:
    return found.verdict is not None and found.verdict.checked_by in ("kernel", "rewrite-certificate")


def probe_pair(a: Equation, b: Equation, cap: float, long_cap: float = LONG_CAP,
               hard_only: bool = False) -> tuple[dict[str, bool], dict[str, float], str] | None:
    """Every routed expert alone on ``a ⇒ b`` (and the long E run where E's first run left it open,
    whether or not another expert settled it: ``e_ran_out``): checked or not, seconds, and E's
    status.  With ``hard_only``, E runs first and a pair it answers (proved, saturated) is dropped:
    None."""
    ok: dict[str, bool] = {}
    seconds: dict[str, float] = {}
    e_result = None
    done: dict[str, Probe] = {}
    if hard_only:
        done["eprover"] = probe(a, b, "eprover", cap)
        e_status = done["eprover"].e_result
        if e_status is None or e_status.status in E_ANSWERED:
            return None
    for key in ROUTED:
        found = done.get(key) or probe(a, b, key, cap, e_result if key in AFTER else None)
        if key == "eprover":
            e_result = found.e_result
        ok[key] = _checked(found)
        seconds[key] = round(found.seconds, 4)
    status = e_result.status if e_result is not None else ""
    ok[LAST], seconds[LAST] = False, 0.0
    if e_ran_out(status):
        found = probe(a, b, LAST, long_cap, e_result)
        ok[LAST], seconds[LAST] = _checked(found), round(found.seconds, 4)
    return ok, seconds, status


def sample_of(number_a: int, number_b: int, a: Equation, b: Equation, cap: float,
              long_cap: float = LONG_CAP, hard_only: bool = False) -> Sample | None:
    """The probed sample of ``a ⇒ b`` (None: ``hard_only`` and E answered it, ``probe_pair``)."""
    probed = probe_pair(a, b, cap, long_cap, hard_only)
    if probed is None:
        return None
    ok, seconds, status = probed
    return Sample(number_a, number_b, tuple(features(a, b)), ok, seconds, status)


# -- fitting ------------------------------------------------------------------------------------------

def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrices here are positive definite)."""
    n = len(rhs)
    m = [[*row, rhs[i]] for i, row in enumerate(matrix)]
    for c in range(n):
        pivot = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[pivot] = m[pivot], m[c]
        if abs(m[c][c]) < 1e-12:
            continue
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            if f:
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    out = [0.0] * n
    for c in range(n - 1, -1, -1):
        if abs(m[c][c]) >= 1e-12:
            out[c] = (m[c][n] - sum(m[c][k] * out[k] for k in range(c + 1, n))) / m[c][c]
    return out


def _normal(rows: Sequence[Sequence[float]], weights: Sequence[float], l2: float) -> list[list[float]]:
    """``Xᵀ W X + λI`` with a leading column of ones (the bias, not penalised)."""
    d = len(rows[0]) + 1 if rows else len(NAMES) + 1
    h = [[0.0] * d for _ in range(d)]
    for z, w in zip(rows, weights, strict=True):
        v = (1.0, *z)
        for i in range(d):
            wi = w * v[i]
            if wi:
                hi = h[i]
                for j in range(i, d):
                    hi[j] += wi * v[j]
    for i in range(d):
        for j in range(i):
            h[i][j] = h[j][i]
        if i:
            h[i][i] += l2
    return h


def fit_logistic(rows: Sequence[Sequence[float]], ys: Sequence[bool], l2: float = L2,
                 d: int | None = None) -> tuple[float, ...]:
    """Bias and ``d`` weights of ``P(y | z)``, with the pseudo-samples of the module doc."""
    d = d if d is not None else len(rows[0]) if rows else len(NAMES)
    data = [*rows, [0.0] * d, [0.0] * d]
    targets = [float(y) for y in ys] + [1.0, 0.0]
    counts = [1.0] * len(rows) + [0.5, 0.5]
    w = [0.0] * (d + 1)
    for _ in range(NEWTON_STEPS):
        ps = [sigmoid(w[0] + sum(wi * zi for wi, zi in zip(w[1:], z, strict=True))) for z in data]
        grad = [0.0] * (d + 1)
        for z, y, p, c in zip(data, targets, ps, counts, strict=True):
            r = c * (p - y)
            grad[0] += r
            for i, zi in enumerate(z, start=1):
                grad[i] += r * zi
        for i in range(1, d + 1):
            grad[i] += l2 * w[i]
        hess = _normal(data, [c * max(p * (1 - p), 1e-9) for p, c in zip(ps, counts, strict=True)], l2)
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return tuple(w)


def fit_ridge(rows: Sequence[Sequence[float]], ys: Sequence[float], fallback: float, d: int, l2: float = L2) -> tuple[
        float, ...]:
    """Bias and ``d`` weights of the least-squares fit of ``ys`` (``fallback`` as the bias when no rows)."""
    if not rows:
        return (fallback, *([0.0] * d))
    h = _normal(rows, [1.0] * len(rows), l2)
    g = [0.0] * (d + 1)
    for z, y in zip(rows, ys, strict=True):
        g[0] += y
        for i, zi in enumerate(z, start=1):
            g[i] += y * zi
    return tuple(_solve(h, g))


def _log(seconds: float) -> float:
    return math.log(max(MIN_SECONDS, seconds))


def kind_of(sample: Sample) -> str:
    """``true`` when a prover settled it, ``false`` when a refuter did, else ``neither``."""
    if any(sample.ok[k] for k in ROUTED if KIND[k] == "true"):
        return "true"
    return "false" if any(sample.ok[k] for k in ROUTED if KIND[k] == "false") else "neither"


def fit(samples: Sequence[Sample], l2: float = L2, training: Mapping[str, Any] | None = None) -> Router:
    """A router from probed samples (``training`` is kept in the checkpoint as its summary)."""
    if not samples:
        raise ValueError("no samples to train on")
    d = len(samples[0].x)
    mean = [sum(s.x[i] for s in samples) / len(samples) for i in range(d)]
    scale = [math.sqrt(sum((s.x[i] - mean[i]) ** 2 for s in samples) / len(samples)) for i in range(d)]
    scale = [s if s > 1e-9 else 1.0 for s in scale]
    rows = [[(xi - m) / sc for xi, m, sc in zip(s.x, mean, scale, strict=True)] for s in samples]
    kinds = [kind_of(s) for s in samples]
    kind_models = {k: fit_logistic(rows, [kind == k for kind in kinds], l2) for k in KINDS}
    experts: dict[str, ExpertModel] = {}
    for key in ROUTED:
        ys = [s.ok[key] for s in samples]
        logs = [_log(s.seconds[key]) for s in samples]
        overall = sum(logs) / len(logs)
        mine = [(z, y) for z, y, kind in zip(rows, ys, kinds, strict=True) if kind == KIND[key]]
        ok_rows = [z for z, y in zip(rows, ys, strict=True) if y]
        fail_rows = [z for z, y in zip(rows, ys, strict=True) if not y]
        experts[key] = ExpertModel(
            fit_logistic([z for z, _ in mine], [y for _, y in mine], l2, d),
            fit_ridge(ok_rows, [t for t, y in zip(logs, ys, strict=True) if y], overall, d, l2),
            fit_ridge(fail_rows, [t for t, y in zip(logs, ys, strict=True) if not y], overall, d, l2))
    reach = [(z, s.ok.get(LAST, False)) for z, s in zip(rows, samples, strict=True) if e_ran_out(s.e_status)]
    last = fit_logistic([z for z, _ in reach], [y for _, y in reach], l2, d)
    return Router(tuple(mean), tuple(scale), kind_models, experts, dict(training or {}), last)


# -- replaying an order on probed samples -------------------------------------------------------------

def simulated_seconds(sample: Sample, order: Sequence[str], budget: float) -> tuple[float, bool]:
    """The time ``order`` would take on ``sample`` if each expert took what it took alone (and
    whether some expert settles it); a row nobody settles costs the whole budget, unless the order
    leaves the long E run out."""
    spent = 0.0
    e_ran = False
    for key in order:
        if key not in sample.ok:
            continue
        if key in _REFUTERS and e_ran and sample.e_status == "Theorem":
            continue
        spent += sample.seconds[key]
        e_ran = e_ran or key == "eprover"
        if sample.ok[key]:
            return min(spent, budget), True
    # the long E run takes what is left of the budget; an order without it stops where it is
    return (budget if LAST in order else min(spent, budget)), False


def compare_orders(samples: Sequence[Sample], router_order: Callable[[Sample], Sequence[str]],
                   budget: float) -> dict[str, float]:
    """Simulated total seconds of the fixed order and of the router's on ``samples``."""
    fixed = [simulated_seconds(s, FIXED_ORDER, budget) for s in samples]
    routed = [simulated_seconds(s, router_order(s), budget) for s in samples]
    return {"rows": len(samples), "fixed_seconds": round(sum(t for t, _ in fixed), 2),
            "router_seconds": round(sum(t for t, _ in routed), 2),
            "fixed_settled": sum(ok for _, ok in fixed), "router_settled": sum(ok for _, ok in routed)}

