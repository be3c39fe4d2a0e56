"""A learned order of the ETP experts, per row (``symbolic.etp.decide(..., order=...)``).

The model (linear, over the standardised features of ``symbolic.etp_features``).  A row is of one
of three kinds: ``true`` (a prover — ``instance`` or ``eprover`` — settles it), ``false`` (a
refuter — ``finite-model``, ``linear-over-Z``, ``model-family`` or ``rewrite-certificate`` —
settles it) or neither; two logistic regressions give ``P(true)`` and ``P(false)``.  For each
routed expert (every key of ``etp.ORDER_KEYS`` but the last) a logistic regression gives the
chance ``π`` that it settles a row of its kind, and two regressions give ``log seconds`` when it
succeeds (``t_ok``) and when it fails (``t_fail``).  Within a kind the experts are taken as
independent; across kinds they are not — a prover never settles a false row — which is what a
plain ``p / cost`` ranking misses: after a counter-model search fails, a refuter is a worse bet.

The order rule.  The order with the least expected time to the first checked verdict under that
model, by dynamic programming over the sets of experts already run (the chance of reaching the
next expert depends only on that set): ``cost(S) = min_i Σ_kind P(kind)·Π_{k∈S}(1 − π_k)·(π_i·t_ok_i
+ (1 − π_i)·t_fail_i) + cost(S ∪ {i})``.  Only orders allowed by ``etp.AFTER`` are considered (the
rewrite certificate after ``eprover``), and ``eprover-again``, which takes what is left of the
budget, always comes last.  For independent experts of one kind this is the classic ranking by
``π / expected time``.  Ties go to the fixed order.  The router only orders: ``decide`` still runs
every expert within what is left of the row's budget and still needs a checked certificate.

Giving up.  One more logistic regression (``last``), fitted on the training rows whose first E run
ran out of resources (``etp_training.e_ran_out``; the rows that reach the long run in ``decide``,
where every routed expert failed too, are too rare among fresh pairs to learn from), gives the
chance that ``eprover-again`` settles such a row.  When it is below ``give_up_below`` (``GIVE_UP_BELOW``, kept in
the checkpoint) the order leaves the long run out and the row ends ``unknown`` after the routed
experts, with that said in its reasons: the long run takes what is left of the budget (most of it
on the rows nobody settles), and at 5 % it would buy one settled row for about twenty such runs.
The threshold is a trade of wall time against rows, so it is measured on the dev file
(``bench/etp_router.py``: rows settled must not fall).  ``give_up_below = 0`` never gives up.

The checkpoint is one JSON file: ``format`` (``FORMAT``), ``version`` (``VERSION``), the feature
names and version, the expert keys, the standardisation, the weights, a training summary and the
``sha256`` of all the rest (canonical JSON).  ``load`` refuses a missing, unreadable, damaged,
foreign or differently-versioned file with one ``RouterError`` line.  ``DEFAULT_PATH`` is the
checkpoint shipped with the package (``make etp-router``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from tactic_mesh.calculus.magma.equations import Equation
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.etp import AFTER, LAST, ORDER_KEYS, check_order
from tactic_mesh.symbolic.etp_features import FEATURE_VERSION, NAMES, features

FORMAT = "tactic-mesh/etp-router"
VERSION = 2
GIVE_UP_BELOW = 0.05
ROUTED: tuple[str, ...] = tuple(k for k in ORDER_KEYS if k != LAST)
DEFAULT_PATH = Path(__file__).with_name("etp_router.json")
MIN_SECONDS = 0.002  # the floor of a predicted time (an expert is never free)


class RouterError(TacticMeshError):
    """A router checkpoint that cannot be used (with the reason)."""


@attrs.frozen
class ExpertModel:
    success: tuple[float, ...]  # logistic regression, on the rows of its kind: bias, then one weight per feature
    time_ok: tuple[float, ...]  # log seconds when it succeeds: bias, weights
    time_fail: tuple[float, ...]  # log seconds when it fails: bias, weights


@attrs.frozen
class Prediction:
    p: float  # the chance that it settles a row of its kind
    t_ok: float
    t_fail: float

    @property
    def cost(self) -> float:
        return self.p * self.t_ok + (1 - self.p) * self.t_fail


@attrs.frozen
class Estimate:
    kinds: Mapping[str, float]  # P(true), P(false), P(neither)
    experts: Mapping[str, Prediction]
    last: float = 1.0  # the chance that the long E run settles the row when it reaches it
    give_up_below: float = 0.0  # leave the long run out when ``last`` is below this

    def chance(self, key: str) -> float:
        """The chance that ``key`` alone settles the row."""
        return self.kinds[KIND[key]] * self.experts[key].p


KINDS = ("true", "false")
KIND: dict[str, str] = {k: "true" if k in ("instance", "eprover") else "false" for k in ROUTED}


def _dot(w: Sequence[float], z: Sequence[float]) -> float:
    return w[0] + sum(wi * zi for wi, zi in zip(w[1:], z, strict=True))


def sigmoid(s: float) -> float:
    return 1 / (1 + math.exp(-s)) if s >= 0 else math.exp(s) / (1 + math.exp(s))


def _seconds(w: Sequence[float], z: Sequence[float]) -> float:
    return max(MIN_SECONDS, math.exp(min(5.0, _dot(w, z))))


@attrs.frozen
class Router:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    kinds: Mapping[str, tuple[float, ...]]  # "true", "false": logistic regressions
    experts: Mapping[str, ExpertModel]
    training: Mapping[str, Any] = attrs.field(factory=dict)
    last: tuple[float, ...] = ()  # logistic regression of the long E run's success (empty: always run it)
    give_up_below: float = GIVE_UP_BELOW

    def standardise(self, x: Sequence[float]) -> list[float]:
        return [(xi - m) / s for xi, m, s in zip(x, self.mean, self.scale, strict=True)]

    def predict(self, x: Sequence[float]) -> Estimate:
        z = self.standardise(x)
        t, f = (sigmoid(_dot(self.kinds[k], z)) for k in KINDS)
        if t + f > 1:  # a row is not both: the two regressions are fitted apart
            t, f = t / (t + f), f / (t + f)
        experts = {key: Prediction(sigmoid(_dot(m.success, z)), _seconds(m.time_ok, z), _seconds(m.time_fail, z))
                   for key, m in self.experts.items()}
        last = sigmoid(_dot(self.last, z)) if self.last else 1.0
        return Estimate({"true": t, "false": f, "neither": max(0.0, 1 - t - f)}, experts, last, self.give_up_below)

    def order_for(self, x: Sequence[float]) -> tuple[str, ...]:
        """The order for a row of features ``x`` (``etp_features.features``)."""
        return order_from(self.predict(x))

    def order(self, a: Equation, b: Equation) -> tuple[str, ...]:
        return self.order_for(features(a, b))


def order_from(estimate: Estimate) -> tuple[str, ...]:
    """The order of least expected time under ``estimate``, respecting ``etp.AFTER`` (module doc)."""
    keys = [k for k in ROUTED if k in estimate.experts]
    n = len(keys)
    preds = [estimate.experts[k] for k in keys]
    kind_of = [KIND[k] for k in keys]
    needs = [keys.index(AFTER[k]) if AFTER.get(k) in keys else -1 for k in keys]

    def reach(subset: int) -> dict[str, float]:
        out = {kind: estimate.kinds.get(kind, 0.0) for kind in (*KINDS, "neither")}
        for i in range(n):
            if subset >> i & 1:
                out[kind_of[i]] *= 1 - preds[i].p
        return out

    full = (1 << n) - 1
    best: dict[int, tuple[float, int]] = {full: (0.0, -1)}
    for subset in sorted(range(full), key=lambda m: -bin(m).count("1")):  # larger sets first
        mass = reach(subset)
        total = sum(mass.values())
        choice = (math.inf, -1)
        for i in range(n):
            if subset >> i & 1 or (needs[i] >= 0 and not subset >> needs[i] & 1):
                continue
            p = preds[i]
            own = mass[kind_of[i]]
            step = own * p.cost + (total - own) * p.t_fail  # rows of the other kinds: it fails
            cost = step + best[subset | 1 << i][0]
            if cost < choice[0] - 1e-12:  # ties: the earlier key in the fixed order
                choice = (cost, i)
        best[subset] = choice
    placed: list[str] = []
    subset = 0
    while subset != full:
        i = best[subset][1]
        placed.append(keys[i])
        subset |= 1 << i
    placed += [k for k in ORDER_KEYS if k not in placed and k != LAST]  # anything the router has no model of
    if estimate.last >= estimate.give_up_below:
        placed.append(LAST)
    return check_order(placed)


# -- the checkpoint ----------------------------------------------------------------------------------

def _digest(body: Mapping[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_json(router: Router) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "feature_version": FEATURE_VERSION, "features": list(NAMES),
        "experts": list(router.experts), "order_keys": list(ORDER_KEYS),
        "mean": list(router.mean), "scale": list(router.scale),
        "kinds": {k: list(router.kinds[k]) for k in KINDS},
        "models": {k: {"success": list(m.success), "time_ok": list(m.time_ok), "time_fail": list(m.time_fail)}
                   for k, m in router.experts.items()},
        "training": dict(router.training),
        "last": list(router.last), "give_up_below": router.give_up_below,
    }
    return {**body, "sha256": _digest(body)}


def save(router: Router, path: Path) -> None:
    """Write the checkpoint atomically (a temporary file next to it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(to_json(router), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def _floats(value: Any, n: int, what: str) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != n or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        raise RouterError(f"{what}: expected {n} finite numbers")
    return tuple(float(v) for v in value)


def from_json(data: Any) -> Router:
    """The router of a decoded checkpoint (``RouterError`` naming the first thing wrong)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise RouterError(f"not an ETP router checkpoint (format {found!r}, expected {FORMAT!r})")
    if data.get("version") != VERSION:
        raise RouterError(f"checkpoint version {data.get('version')!r}; this library reads version {VERSION}")
    body = {k: v for k, v in data.items() if k != "sha256"}
    if data.get("sha256") != _digest(body):
        raise RouterError("damaged: its sha256 does not match its content")
    if data.get("feature_version") != FEATURE_VERSION or data.get("features") != list(NAMES):
        raise RouterError(f"features version {data.get('feature_version')!r} differ from this library's "
                          f"(version {FEATURE_VERSION}, {len(NAMES)} features): train it again")
    experts = data.get("experts")
    models = data.get("models")
    if not isinstance(experts, list) or not all(isinstance(k, str) for k in experts) \
            or not isinstance(models, dict) or sorted(experts) != sorted(ROUTED) or sorted(models) != sorted(ROUTED):
        raise RouterError(f"experts {experts!r}, expected {list(ROUTED)}")
    n = len(NAMES)
    mean = _floats(data.get("mean"), n, "mean")
    scale = _floats(data.get("scale"), n, "scale")
    if any(s <= 0 for s in scale):
        raise RouterError("scale: every entry must be positive")
    parsed: dict[str, ExpertModel] = {}
    for k in experts:
        m = models[k]
        if not isinstance(m, dict):
            raise RouterError(f"models.{k}: expected an object")
        parsed[k] = ExpertModel(*(_floats(m.get(f), n + 1, f"models.{k}.{f}")
                                  for f in ("success", "time_ok", "time_fail")))
    kinds = data.get("kinds")
    if not isinstance(kinds, dict) or sorted(kinds) != sorted(KINDS):
        raise RouterError(f"kinds: expected the regressions {', '.join(KINDS)}")
    parsed_kinds = {k: _floats(kinds[k], n + 1, f"kinds.{k}") for k in KINDS}
    training = data.get("training")
    last = data.get("last")
    parsed_last = () if last == [] else _floats(last, n + 1, "last")
    give_up = data.get("give_up_below")
    if not isinstance(give_up, int | float) or isinstance(give_up, bool) or not 0.0 <= give_up <= 1.0:
        raise RouterError(f"give_up_below: expected a probability, got {give_up!r}")
    return Router(mean, scale, parsed_kinds, parsed, training if isinstance(training, dict) else {},
                  parsed_last, float(give_up))


def load(path: Path | None = None) -> Router:
    """The router in ``path`` (default: the shipped one); ``RouterError`` says why it cannot be used."""
    path = DEFAULT_PATH if path is None else path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RouterError(f"{path}: no such router checkpoint"
                          + (" (make etp-router builds it)" if path == DEFAULT_PATH else "")) from None
    except (OSError, UnicodeDecodeError) as err:
        raise RouterError(f"{path}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    try:
        data = json.loads(text)
    except ValueError as err:
        raise RouterError(f"{path}: damaged: not JSON ({err})") from None
    try:
        return from_json(data)
    except RouterError as err:
        raise RouterError(f"{path}: {err.message}") from None
