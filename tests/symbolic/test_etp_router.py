"""``symbolic.etp_router`` and ``decide(order=...)``: the order rule, its dependencies, the checkpoint
and its errors, and the verdicts a router's order reaches (the same checked kinds as the fixed order)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import attrs
import pytest

from tactic_mesh.calculus.magma.equations import parse_equation
from tactic_mesh.symbolic import etp, etp_router
from tactic_mesh.symbolic.etp_features import NAMES
from tactic_mesh.symbolic.etp_router import (
    ROUTED,
    Estimate,
    ExpertModel,
    Prediction,
    Router,
    RouterError,
    order_from,
)

N = len(NAMES)


def flat(p: float, seconds: float, fail: float | None = None) -> Prediction:
    return Prediction(p, seconds, seconds if fail is None else fail)


def estimate(true: float, false: float, **given: Prediction) -> Estimate:
    experts = {k: flat(0.01, 1.0) for k in ROUTED}
    experts.update({k.replace("_", "-"): v for k, v in given.items()})
    return Estimate({"true": true, "false": false, "neither": 1 - true - false}, experts)


def constant_router(bias: dict[str, float], true: float = 0.0, false: float = 0.0) -> Router:
    zeros = (0.0,) * N
    return Router((0.0,) * N, (1.0,) * N, {"true": (true, *zeros), "false": (false, *zeros)},
                  {k: ExpertModel((bias.get(k, -3.0), *zeros), (-2.0, *zeros), (-1.0, *zeros)) for k in ROUTED},
                  {"pairs": 0})


def test_the_most_cost_effective_expert_goes_first() -> None:
    order = order_from(estimate(0.1, 0.9, finite_model=flat(0.9, 0.1), eprover=flat(0.9, 1.0)))
    assert order[0] == "finite-model" and order[-1] == etp.LAST
    order = order_from(estimate(0.9, 0.1, finite_model=flat(0.9, 0.5), eprover=flat(0.95, 0.05)))
    assert order[0] == "eprover"


def test_a_failed_refuter_makes_the_other_refuters_worse_bets() -> None:
    # after the table search fails the row is probably true: E before the next counter-model search
    order = order_from(estimate(0.5, 0.5, finite_model=flat(0.9, 0.1), model_family=flat(0.9, 0.1, 1.0),
                                eprover=flat(0.95, 0.05, 1.0)))
    assert order[:2] == ("finite-model", "eprover")
    assert order.index("model-family") > order.index("eprover")


def test_a_likely_certificate_pulls_e_forward_and_follows_it() -> None:
    # E alone never settles these rows, but E then the rewrite certificate often does
    order = order_from(estimate(0.0, 0.9, eprover=flat(0.0, 0.05), rewrite_certificate=flat(0.9, 0.01),
                                finite_model=flat(0.2, 3.0)))
    assert order[:2] == ("eprover", "rewrite-certificate")


def test_ties_keep_the_fixed_order() -> None:
    assert order_from(Estimate({"true": 0.3, "false": 0.3, "neither": 0.4},
                               {k: flat(0.0, 1.0) for k in ROUTED})) == etp.FIXED_ORDER


def test_every_order_respects_the_dependencies() -> None:
    rng = random.Random(7)
    for _ in range(200):
        t = rng.random()
        order = order_from(Estimate({"true": t, "false": (1 - t) * rng.random(), "neither": 0.0}, {
            k: Prediction(rng.random(), rng.uniform(0.002, 5), rng.uniform(0.002, 5)) for k in ROUTED}))
        assert etp.check_order(order) == order
        assert order.index("eprover") < order.index("rewrite-certificate") and order[-1] == "eprover-again"


@pytest.mark.parametrize("order, message", [
    (("instance", "eprover"), "missing"),
    (etp.ORDER_KEYS[:-2], "missing rewrite-certificate"),  # eprover-again may be left out, no other expert
    ((*etp.ORDER_KEYS[:-1], "instance", "eprover-again"), "twice instance"),
    (("rewrite-certificate", *[k for k in etp.ORDER_KEYS if k != "rewrite-certificate"]), "must come after"),
    (("eprover-again", *etp.ORDER_KEYS[:-1]), "must come after"),
    ((*etp.ORDER_KEYS[:-2], "eprover-again", "rewrite-certificate"), "must come last"),
    (("z3", *etp.ORDER_KEYS[1:]), "unknown expert"),
])
def test_bad_orders_are_refused(order: tuple[str, ...], message: str) -> None:
    with pytest.raises(etp.OrderError, match=message):
        etp.decide(parse_equation("x = x"), parse_equation("x = x"), 1.0, order=order)


ROWS = [
    ("x ◇ y = x", "x ◇ y = y ◇ x"),  # false: a two-element model
    ("x = x ◇ y", "x = x ◇ (y ◇ z)"),  # true: an instance
    ("x ◇ (y ◇ z) = (x ◇ y) ◇ z", "x ◇ y = y ◇ x"),  # false
    ("x ◇ y = y ◇ x", "(x ◇ y) ◇ z = z ◇ (y ◇ x)"),  # true: E's proof, replayed
]
REFUTERS_FIRST = ("finite-model", "linear-over-Z", "model-family", "eprover", "rewrite-certificate", "instance",
                  "eprover-again")


@pytest.mark.parametrize("lhs, rhs", ROWS)
def test_a_router_order_reaches_the_same_checked_verdict_kind(lhs: str, rhs: str) -> None:
    a, b = parse_equation(lhs), parse_equation(rhs)
    fixed = etp.decide(a, b, 10.0)
    assert fixed.verdict in ("proved", "refuted")
    for order in (REFUTERS_FIRST, constant_router({"finite-model": 2.0}, false=1.0).order(a, b)):
        v = etp.decide(a, b, 10.0, order=order)
        assert (v.verdict, v.checked_by) == (fixed.verdict, fixed.checked_by)
        assert v.certificate and v.statement == fixed.statement


def test_decide_without_an_order_is_the_fixed_one(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    experts = tuple((name, (lambda n: lambda run: ran.append(n))(key)) for (name, _), key in
                    zip(etp.EXPERTS, etp.ORDER_KEYS, strict=True))
    monkeypatch.setattr(etp, "EXPERTS", experts)
    v = etp.decide(parse_equation("x = x"), parse_equation("x = y"), 5.0)
    assert v.verdict == "unknown" and ran == list(etp.ORDER_KEYS)


# -- the checkpoint -----------------------------------------------------------------------------------

def test_round_trip(tmp_path: Path) -> None:
    router = attrs.evolve(constant_router({"eprover": 1.5}, true=2.0), last=(-4.0, *(0.0,) * N), give_up_below=0.1)
    path = tmp_path / "r.json"
    etp_router.save(router, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == etp_router.FORMAT and data["version"] == etp_router.VERSION
    assert data["features"] == list(NAMES) and data["experts"] == list(ROUTED) and len(data["sha256"]) == 64
    back = etp_router.load(path)
    assert back == router
    a, b = parse_equation("x ◇ y = x"), parse_equation("x ◇ y = y ◇ x")
    assert back.order(a, b) == router.order(a, b) and back.order(a, b)[0] == "eprover"


def _rewrite(path: Path, change: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert callable(change)
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def _resealed(data: dict[str, object]) -> None:
    data["sha256"] = etp_router._digest({k: v for k, v in data.items() if k != "sha256"})


@pytest.mark.parametrize("damage, message", [
    ("missing", "no such router checkpoint"),
    ("truncated", "damaged: not JSON"),
    ("bytes", "cannot read"),
    ("format", "not an ETP router checkpoint"),
    ("list", "not an ETP router checkpoint"),
    ("version", "checkpoint version 99; this library reads version 2"),
    ("weights", "damaged: its sha256 does not match"),
    ("features", "features version"),
    ("experts", "experts"),
    ("shape", "models.eprover.success: expected"),
    ("kinds", "kinds: expected"),
    ("last", "last: expected"),
    ("give-up", "give_up_below: expected a probability"),
])
def test_bad_checkpoints_are_one_clear_error(tmp_path: Path, damage: str, message: str) -> None:
    path = tmp_path / "r.json"
    etp_router.save(constant_router({}), path)
    if damage == "missing":
        path = tmp_path / "absent.json"
    elif damage == "truncated":
        path.write_text(path.read_text(encoding="utf-8")[:200], encoding="utf-8")
    elif damage == "bytes":
        path.write_bytes(b"\xff\xfe\x00{")
    elif damage == "format":
        _rewrite(path, lambda d: d.update(format="tactic-mesh/model"))
    elif damage == "list":
        path.write_text("[1, 2]", encoding="utf-8")
    elif damage == "version":
        _rewrite(path, lambda d: d.update(version=99))
    elif damage == "weights":
        _rewrite(path, lambda d: d["models"]["eprover"]["success"].__setitem__(0, 9.0))
    elif damage == "features":
        _rewrite(path, lambda d: (d.update(features=d["features"][:-1]), _resealed(d)))
    elif damage == "experts":
        _rewrite(path, lambda d: (d.update(experts=d["experts"][:-1]), _resealed(d)))
    elif damage == "kinds":
        _rewrite(path, lambda d: (d.pop("kinds"), _resealed(d)))
    elif damage == "last":
        _rewrite(path, lambda d: (d.update(last=[0.5]), _resealed(d)))
    elif damage == "give-up":
        _rewrite(path, lambda d: (d.update(give_up_below=1.5), _resealed(d)))
    elif damage == "shape":
        _rewrite(path, lambda d: (d["models"]["eprover"].update(success=[1.0]), _resealed(d)))
    with pytest.raises(RouterError) as info:
        etp_router.load(path)
    text = str(info.value)
    assert message in text and str(path) in text and "\n" not in text


def test_the_shipped_checkpoint_loads() -> None:
    router = etp_router.load()
    assert router.training.get("dataset") == "equational_theories" and router.training.get("pairs", 0) >= 100
    order = router.order(parse_equation("x = x ◇ y"), parse_equation("x = x ◇ (y ◇ z)"))
    assert etp.check_order(order) == order


def test_a_hopeless_long_e_run_is_left_out_of_the_order() -> None:
    experts = {k: flat(0.3, 1.0) for k in ROUTED}
    kinds = {"true": 0.3, "false": 0.3, "neither": 0.4}
    assert order_from(Estimate(kinds, experts, last=0.2, give_up_below=0.05))[-1] == "eprover-again"
    order = order_from(Estimate(kinds, experts, last=0.01, give_up_below=0.05))
    assert "eprover-again" not in order and etp.check_order(order) == order and len(order) == len(ROUTED)


def test_decide_says_when_the_order_left_the_long_run_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from tactic_mesh.symbolic.eprover import EResult

    calls: list[float] = []

    def out_of_resources(a: object, b: object, seconds: float, saturation: bool = True,
                         wall: float | None = None) -> EResult:
        calls.append(seconds)
        return EResult("ResourceOut", seconds, reason="out of resources")

    monkeypatch.setattr(etp, "run_eprover", out_of_resources)
    a, b = parse_equation("x ◇ y = y ◇ x"), parse_equation("(x ◇ y) ◇ z = z ◇ (y ◇ x)")  # true, not an instance
    short = etp.decide(a, b, 6.0, order=etp.ORDER_KEYS[:-1])
    assert short.verdict == "unknown" and len(calls) == 1
    assert "eprover-again: left out by the order" in short.reason
    full = etp.decide(a, b, 6.0)
    assert full.verdict == "unknown" and len(calls) == 3 and "left out" not in full.reason  # the long run ran
