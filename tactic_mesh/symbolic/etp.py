"""Deciding magma implications (ETP rows) with checked certificates.

``decide(a, b, budget)`` runs the experts in order and returns a ``Verdict``:

* ``instance`` — ``b`` is an instance of ``a`` (either orientation): a theorem the kernel admits
  (``symbolic.instances``);
* ``eprover`` — E prover (a ``foreign`` tool) runs on the TPTP problem.  ``Theorem``: its proof
  object is replayed as lemmas proved by rewrites and instantiations, admitted by the kernel
  (``symbolic.reconstruction``); if the replay fails, the library's own bounded search
  (``eq_search``) is tried before giving up on a proof.  ``CounterSatisfiable``: the saturated
  set is kept for the rewrite certificate below;
* ``finite-model`` — z3 finds a counter-model of size ≤ 4, re-checked in Python and refuted by a
  theory the kernel admits (``symbolic.finite_models``, ``symbolic.refutation``);
* ``linear-over-Z`` — an infinite counter-model ``x ◇ y = p·x + q·y + k`` over ℤ; ``a`` holds by a
  normalisation the kernel evaluates, ``b`` fails by one evaluation (``symbolic.linear_models``);
* ``model-family`` — structured finite magmas beyond brute force (affine maps mod ``n``, affine
  maps on ``(Z_q)²``, tables of size ≥ 5 from a SAT encoding; ``symbolic.model_families``),
  refuted the same way;
* ``rewrite-certificate`` — E's saturation as a convergent rewrite system in which ``a`` holds and
  ``b`` fails, checked by the library's independent checker (``symbolic.rewrite_certificate``);
* otherwise ``unknown``, with every expert's reason.

A verdict is ``proved`` or ``refuted`` only when its certificate was checked (``checked_by``:
``kernel`` or ``rewrite-certificate``); ``certificate_kind`` says what the certificate is.  An
expert that fails (E missing, crashing or timing out, a z3 error, a certificate refused) adds its
reason and the next expert runs — never a verdict on an expert's word.

The order.  ``EXPERTS`` is the fixed order, used when ``decide`` gets no ``order``.  A caller (the
learned router, ``symbolic.etp_router``) may give another one: a permutation of ``ORDER_KEYS`` (the
experts' names, the second E run called ``eprover-again``) that respects ``AFTER`` — the
rewrite certificate and the second E run read the result of the first E run, so they come after
it, and the second E run, which takes what is left of the budget, comes last (``check_order``).
An order may also leave ``eprover-again`` out: the router does so when it judges that the long E
run will not settle the row (``etp_router``), and ``decide`` then says so in the row's reasons.
The order changes nothing else: every expert still runs within what is left of the row's budget
and a verdict still needs its checked certificate.  The refuting experts skip a row E has proved
only when E ran before them.  ``probe`` runs one expert on its own (for the router's training).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import attrs

from tactic_mesh.calculus.magma.equations import Equation
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.eprover import EResult, run_eprover
from tactic_mesh.symbolic.finite_models import FiniteModel, find_counter_model
from tactic_mesh.symbolic.instances import prove_by_instance
from tactic_mesh.symbolic.linear_models import find_linear_model, refute_linear, seconds_needed
from tactic_mesh.symbolic.model_families import search_families
from tactic_mesh.symbolic.reconstruction import prove_by_eprover_proof
from tactic_mesh.symbolic.refutation import implication_text, refute
from tactic_mesh.symbolic.rewrite_certificate import Bounds, CertificateError, check_saturation
from tactic_mesh.symbolic.rewriting import prove_by_rewriting

MAX_MODEL_SIZE = 4
FAMILY_SECONDS = 1.0  # at most, for the structured counter-model families
E_FIRST = 1.0  # seconds of E before the counter-model experts (then E again with what is left)
E_ANSWERED = ("Theorem", "CounterSatisfiable", "Unavailable")  # E statuses after which no longer E run is tried


@attrs.frozen
class Verdict:
    verdict: str  # proved | refuted | unknown | error
    expert: str  # who settled it ("" when nobody did)
    seconds: float
    certificate: str = ""  # the certificate's text (a theory file, or a rewrite certificate)
    checked_by: str = ""  # kernel | rewrite-certificate
    reason: str = ""  # why unknown / error
    statement: str = ""
    certificate_kind: str = ""  # proof-term | finite-model | infinite-model | rewrite-system


@attrs.define
class _Run:
    a: Equation
    b: Equation
    budget: float
    started: float = attrs.field(factory=time.monotonic)
    reasons: list[str] = attrs.field(factory=list)
    e_result: EResult | None = None

    def remaining(self) -> float:
        return self.budget - (time.monotonic() - self.started)

    def e_proved(self) -> bool:
        """E found a proof: no counter-model exists, the refuting experts need not run."""
        return self.e_result is not None and self.e_result.status == "Theorem"

    def verdict(self, verdict: str, expert: str, certificate: str, checked_by: str, kind: str) -> Verdict:
        statement = implication_text(self.a, self.b)
        if verdict == "refuted":
            statement = f"¬ ({statement})"
        return Verdict(verdict, expert, time.monotonic() - self.started, certificate, checked_by,
                       statement=statement, certificate_kind=kind)


Expert = Callable[[_Run], Verdict | None]


def _instance(run: _Run) -> Verdict | None:
    proof = prove_by_instance(run.a, run.b)
    if proof is None:
        run.reasons.append("instance: the conclusion is not an instance of the hypothesis")
        return None
    return run.verdict("proved", "instance", proof.theory, "kernel", "proof-term")


def _eprover_run(run: _Run, seconds: float) -> Verdict | None:
    result = run_eprover(run.a, run.b, seconds, wall=max(0.1, run.remaining()))  # the row's budget is wall clock
    run.e_result = result
    if result.status == "CounterSatisfiable":
        run.reasons.append("eprover: CounterSatisfiable (no proof to replay)")
        return None
    if result.status != "Theorem":
        run.reasons.append(f"eprover ({seconds:g} s): {result.reason or result.status}")
        return None
    try:
        proof = prove_by_eprover_proof(run.a, run.b, list(result.clauses))
    except TacticMeshError as err:
        run.reasons.append(f"eprover: E proved it but the replay failed: {err.message}")
    else:
        return run.verdict("proved", "eprover", proof.theory, "kernel", "proof-term")
    own = prove_by_rewriting(run.a, run.b, depth=3)
    if own is None:
        run.reasons.append("eq_search: no chain of at most 6 rewrites")
        return None
    return run.verdict("proved", "eq_search", own.theory, "kernel", "proof-term")


def _eprover(run: _Run) -> Verdict | None:
    """A short run first: E proves every true row of the dev file within a fraction of a second."""
    return _eprover_run(run, E_FIRST)


def _eprover_again(run: _Run) -> Verdict | None:
    """What is left of the budget, when the short run ran out of resources (not when E answered)."""
    if run.e_result is None or run.e_result.status in E_ANSWERED:
        return None
    if run.remaining() < 2 * E_FIRST:
        run.reasons.append("eprover: no time left for a longer run")
        return None
    found = _eprover_run(run, run.remaining() - 0.5)
    return found if found is not None else _rewrite_certificate(run)


def _rewrite_certificate(run: _Run) -> Verdict | None:
    """E's saturation as a convergent rewrite system, checked independently of E."""
    if run.e_result is None or run.e_result.status != "CounterSatisfiable":
        return None
    bounds = Bounds(max_seconds=max(0.5, min(5.0, run.remaining() / 2)))
    try:
        certificate = check_saturation(run.a, run.b, run.e_result.clauses, bounds)
    except CertificateError as err:
        run.reasons.append(f"rewrite-certificate: {err.message}")
        return None
    return run.verdict("refuted", "rewrite-certificate", certificate.to_text(), "rewrite-certificate",
                       "rewrite-system")


def _refuted_by(run: _Run, model: FiniteModel, expert: str) -> Verdict | None:
    try:
        refutation = refute(run.a, run.b, model)
    except TacticMeshError as err:
        run.reasons.append(f"{expert}: {err.message}")
        return None
    return run.verdict("refuted", f"{expert} (size {model.size})", refutation.theory, "kernel", "finite-model")


def _finite_model(run: _Run) -> Verdict | None:
    if run.e_proved():
        return None
    per_size = max(1, int(1000 * run.remaining() / 2 / (MAX_MODEL_SIZE - 1)))  # half: the rest for E
    try:
        model = find_counter_model(run.a, run.b, MAX_MODEL_SIZE, per_size)
    except Exception as err:  # z3 errors and wrong models: this expert gives no verdict
        run.reasons.append(f"finite-model: {type(err).__name__}: {err}")
        return None
    if model is None:
        run.reasons.append(f"finite-model: no counter-model of size ≤ {MAX_MODEL_SIZE} found")
        return None
    return _refuted_by(run, model, "finite-model")


def _linear_over_z(run: _Run) -> Verdict | None:
    if run.e_proved():
        return None
    try:
        found = find_linear_model(run.a, run.b)
    except RuntimeError as err:  # a witness that does not refute b: no verdict on it
        run.reasons.append(f"linear-over-Z: {err}")
        return None
    if found is None:
        run.reasons.append("linear-over-Z: no affine model over ℤ with small coefficients")
        return None
    model, values = found
    if run.remaining() < seconds_needed():
        run.reasons.append(f"linear-over-Z: {model.describe()} refutes it, but no time is left to certify it")
        return None
    try:
        refutation = refute_linear(run.a, run.b, model, values)
    except TacticMeshError as err:
        run.reasons.append(f"linear-over-Z: {err.message}")
        return None
    return run.verdict("refuted", f"linear-over-Z ({model.describe()})", refutation.theory, "kernel",
                       "infinite-model")


def _model_family(run: _Run) -> Verdict | None:
    if run.e_proved():
        return None
    seconds = max(0.5, min(FAMILY_SECONDS, run.remaining() / 2))
    try:
        found = search_families(run.a, run.b, seconds)
    except Exception as err:  # a solver error or a wrong model: this expert gives no verdict
        run.reasons.append(f"model-family: {type(err).__name__}: {err}")
        return None
    if found is None:
        run.reasons.append(f"model-family: no affordable structured counter-model found in {seconds:.1f} s")
        return None
    return _refuted_by(run, found.model, f"model-family {found.family}")


EXPERTS: tuple[tuple[str, Expert], ...] = (
    ("instance", _instance),
    ("eprover", _eprover),
    ("finite-model", _finite_model),
    ("linear-over-Z", _linear_over_z),
    ("model-family", _model_family),
    ("rewrite-certificate", _rewrite_certificate),
    ("eprover", _eprover_again),
)


ORDER_KEYS: tuple[str, ...] = ("instance", "eprover", "finite-model", "linear-over-Z", "model-family",
                               "rewrite-certificate", "eprover-again")  # EXPERTS' entries, one name each
_BY_KEY: dict[str, tuple[str, Expert]] = dict(zip(ORDER_KEYS, EXPERTS, strict=True))
AFTER: dict[str, str] = {"rewrite-certificate": "eprover", "eprover-again": "eprover"}  # reads E's first result
LAST = "eprover-again"  # takes what is left of the budget


class OrderError(TacticMeshError):
    """An order of the experts that is not a permutation of ``ORDER_KEYS`` respecting ``AFTER``."""


def check_order(order: Sequence[str]) -> tuple[str, ...]:
    """``order`` as a tuple, or ``OrderError`` saying what is wrong with it."""
    keys = tuple(order)
    unknown = [k for k in keys if k not in _BY_KEY]
    if unknown:
        raise OrderError(f"unknown expert(s) {', '.join(map(repr, unknown))} (known: {', '.join(ORDER_KEYS)})")
    required = [k for k in ORDER_KEYS if k != LAST or LAST in keys]  # the long E run may be left out
    if sorted(keys) != sorted(required):
        missing = [k for k in required if k not in keys]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise OrderError(f"an order runs every expert once ({LAST} may be left out): " + "; ".join(
            ([f"missing {', '.join(missing)}"] if missing else []) + ([f"twice {', '.join(twice)}"] if twice else [])))
    for later, first in AFTER.items():
        if later in keys and keys.index(later) < keys.index(first):
            raise OrderError(f"{later} reads the result of {first}: it must come after it")
    if LAST in keys and keys[-1] != LAST:
        raise OrderError(f"{LAST} takes what is left of the budget: it must come last")
    return keys


FIXED_ORDER = check_order(ORDER_KEYS)


def decide(a: Equation, b: Equation, budget: float = 10.0, order: Sequence[str] | None = None) -> Verdict:
    """The verdict on ``a ⇒ b`` within ``budget`` seconds, the experts in ``order`` (default: ``EXPERTS``)."""
    experts = EXPERTS if order is None else tuple(_BY_KEY[k] for k in check_order(order))
    run = _Run(a, b, budget)
    for name, expert in experts:
        if run.remaining() <= 0:
            run.reasons.append(f"{name}: no time left in the budget")
            continue
        try:
            found = expert(run)
        except TacticMeshError as err:
            run.reasons.append(f"{name}: {err.message}")
            continue
        if found is not None:
            return found
    if order is not None and LAST not in order and run.e_result is not None \
            and run.e_result.status not in E_ANSWERED:
        run.reasons.append(f"{LAST}: left out by the order (the router expects no verdict from a longer E run)")
    return Verdict("unknown", "", time.monotonic() - run.started, reason="; ".join(run.reasons),
                   statement=implication_text(a, b))


@attrs.frozen
class Probe:
    """One expert run on its own: its checked verdict (None when it gave none), the seconds it took,
    and E's result when it was an E run."""

    key: str
    verdict: Verdict | None
    seconds: float
    e_result: EResult | None = None


def probe(a: Equation, b: Equation, key: str, budget: float, e_result: EResult | None = None) -> Probe:
    """Run the expert ``key`` alone within ``budget`` seconds; the experts in ``AFTER`` are given
    ``e_result`` (the first E run's result) as if E had just run."""
    if key not in _BY_KEY:
        raise OrderError(f"unknown expert {key!r} (known: {', '.join(ORDER_KEYS)})")
    run = _Run(a, b, budget)
    run.e_result = e_result if key in AFTER else None
    try:
        found = _BY_KEY[key][1](run)
    except TacticMeshError:
        found = None
    return Probe(key, found, time.monotonic() - run.started, run.e_result if key.startswith("eprover") else None)
