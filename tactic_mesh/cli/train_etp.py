"""``tactic-mesh train --dataset equational_theories``: learn the order of the ETP experts.

Draws ``--pairs`` (default 400) fresh implication pairs from the laws of ``equations.txt``
(seeded by ``--seed``; no pair of ``dev_implications.tsv`` or its dual, whose labels are never
read: ``symbolic.etp_training``), runs every routed expert on each pair on its own with a cap of
``--budget`` seconds (default 5) in ``--jobs`` processes, and fits the router
(``symbolic.etp_router``) on what was checked and how long everything took.  Before the final fit
on every pair, a fit on the first 80 % is scored on the last 20 %: how often each expert's success
is predicted right, and the time the fixed order and the router's order would take there if each
expert took what it took alone.  The checkpoint goes to ``--out`` (default: the one shipped with
the package).  ``--hard N`` adds N hard fresh pairs: candidates that no two-element magma refutes
(``etp_training.hard_candidates``), kept when E's first run does not answer them — the rows where
the long E run is decided, which the three strata almost never reach.  ``--epochs`` does not apply
(the fit is Newton's method to convergence).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs

PAIRS = 400
BUDGET = 5.0  # seconds per expert while collecting (half of a row's budget in bench/etp.py)
HARD_CANDIDATES = 8  # stratum-2 candidates drawn per hard pair asked for (about one in four is hard)
HOLDOUT = 0.2
ROW_BUDGET = 10.0  # seconds per row when replaying the orders on the held-out probes (as bench/etp.py)


def _warm() -> None:
    """Each collecting process checks the ℤ-model theory once, so that no probe pays for it."""
    from tactic_mesh.symbolic.linear_models import theory_env

    theory_env()


def _collect(job: tuple[int, int, str, str, float, bool]) -> dict[str, Any] | None:
    from tactic_mesh.calculus.magma.equations import parse_equation
    from tactic_mesh.symbolic.etp_training import sample_of

    i, j, a, b, cap, hard_only = job
    s = sample_of(i, j, parse_equation(a), parse_equation(b), cap, hard_only=hard_only)
    if s is None:
        return None
    return {"lhs": s.lhs, "rhs": s.rhs, "x": list(s.x), "ok": dict(s.ok), "seconds": dict(s.seconds),
            "e_status": s.e_status}


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def run_train_etp(args: argparse.Namespace) -> int:
    from tactic_mesh.calculus.magma.equations import EquationError, data_dir, load_equations
    from tactic_mesh.symbolic import etp, etp_router
    from tactic_mesh.symbolic.etp_training import (
        Sample,
        compare_orders,
        e_ran_out,
        excluded_keys,
        fit,
        fresh_pairs,
        hard_candidates,
        reaches_last,
        satisfaction,
    )

    pairs = args.pairs or PAIRS
    cap = args.budget or BUDGET
    out = Path(args.out) if args.out else etp_router.DEFAULT_PATH
    root = data_dir()
    if root is None:
        return _fail("the ETP data is not found (equations.txt): set TACTIC_MESH_ETP_DATA to its directory")
    try:
        eqs = load_equations(root / "equations.txt")
        dev = root / "dev_implications.tsv"
        exclude = excluded_keys(dev) if dev.is_file() else set()
    except (OSError, UnicodeDecodeError, KeyError) as err:
        return _fail(f"cannot read the ETP data in {root}: {err}")
    except EquationError as err:
        return _fail(str(err))
    if not dev.is_file():
        print(f"train: warning: {dev} is absent; no dev pair to leave out", file=sys.stderr)
    sat = satisfaction(eqs)
    chosen = fresh_pairs(eqs, pairs, args.seed, exclude, sat)
    jobs = [(i, j, eqs[i].text(), eqs[j].text(), cap, False) for i, j in chosen]
    hard = max(0, args.hard)
    candidates = hard_candidates(eqs, HARD_CANDIDATES * hard, args.seed, exclude, set(chosen), sat) if hard else []
    jobs += [(i, j, eqs[i].text(), eqs[j].text(), cap, True) for i, j in candidates]
    started = time.monotonic()
    records: list[dict[str, Any]] = []
    hard_records: list[dict[str, Any]] = []
    screened = 0
    try:
        with ProcessPoolExecutor(max_workers=args.jobs, initializer=_warm) as pool:
            futures = [pool.submit(_collect, job) for job in jobs]
            for job, future in zip(jobs, futures, strict=True):
                record = future.result()
                if job[-1]:
                    screened += 1
                    if record is not None:
                        hard_records.append(record)
                    if len(hard_records) >= hard:
                        break
                elif record is not None:
                    records.append(record)
                done = len(records) + screened
                if not args.quiet and (done % 20 == 0 or done == len(jobs)):
                    print(f"train: pairs {len(records)}/{len(chosen)}, hard {len(hard_records)}/{hard} "
                          f"({screened} screened)", file=sys.stderr, flush=True)
            for future in futures:
                future.cancel()
    except KeyboardInterrupt:
        return _fail(f"interrupted after {len(records)} of {len(chosen)} pairs; nothing written")
    collect = time.monotonic() - started
    if len(hard_records) < hard:
        print(f"train: warning: only {len(hard_records)} of {hard} hard pairs in {screened} candidates",
              file=sys.stderr)
    if hard_records:  # spread over the split, so that the held-out fifth is not all hard pairs
        records += hard_records
        random.Random(args.seed).shuffle(records)
    samples = [Sample(r["lhs"], r["rhs"], tuple(r["x"]), r["ok"], r["seconds"], r["e_status"]) for r in records]
    started = time.monotonic()
    cut = max(1, int(len(samples) * (1 - HOLDOUT)))
    train, held = samples[:cut], samples[cut:]
    summary: dict[str, Any] = {"dataset": "equational_theories", "pairs": len(samples), "seed": args.seed,
                               "hard_pairs": len(hard_records), "hard_screened": screened,
                               "cap_seconds": cap, "left_out_keys": len(exclude),
                               "collect_seconds": round(collect, 1)}
    summary["success_rate"] = {k: round(sum(s.ok[k] for s in samples) / len(samples), 3) for k in etp_router.ROUTED}
    summary["median_seconds"] = {k: round(statistics.median(s.seconds[k] for s in samples), 4)
                                 for k in etp_router.ROUTED}
    reached = [s for s in samples if reaches_last(s.ok, s.e_status)]
    summary["long_e_run"] = {"reached": len(reached), "settled": sum(s.ok.get(etp.LAST, False) for s in reached),
                             "seconds": round(sum(s.seconds.get(etp.LAST, 0.0) for s in reached), 1)}
    ran_out = [s for s in samples if e_ran_out(s.e_status)]  # what the give-up regression learns from
    summary["e_ran_out"] = {"pairs": len(ran_out), "long_run_settled": sum(s.ok.get(etp.LAST, False) for s in ran_out)}
    if held:
        trial = fit(train)
        preds = {id(s): trial.predict(s.x) for s in held}
        summary["holdout"] = {
            "rows": len(held),
            "success_accuracy": {k: round(sum((preds[id(s)].chance(k) >= 0.5) == s.ok[k] for s in held) / len(held), 3)
                                 for k in etp_router.ROUTED},
            "simulated": compare_orders(held, lambda s: etp_router.order_from(preds[id(s)]), ROW_BUDGET),
        }
    router = fit(samples, training=summary)
    summary["train_seconds"] = round(time.monotonic() - started, 2)
    router = attrs.evolve(router, training=dict(summary))
    try:
        etp_router.save(router, out)
    except OSError as err:
        return _fail(f"cannot write {out}: {err.strerror or err}")
    summary["checkpoint"] = str(out)
    summary["sha256"] = etp_router.to_json(router)["sha256"]
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"collected {len(samples)} fresh pairs ({len(hard_records)} hard of {screened} screened; seed {args.seed}; "
          f"the dev pairs and their duals, "
          f"{len(exclude)} pairs of laws, left out) in {collect:.1f} s with {args.jobs} process(es), "
          f"{cap:g} s per expert")
    print("checked successes: " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in summary["success_rate"].items()))
    long_run = summary["long_e_run"]
    print(f"long E run ({etp.LAST}): reached on {long_run['reached']} pairs, settled {long_run['settled']} of them "
          f"in {long_run['seconds']} s")
    print(f"E's first run ran out on {summary['e_ran_out']['pairs']} pairs; the long run settled "
          f"{summary['e_ran_out']['long_run_settled']} of them (the give-up regression learns from these)")
    if held:
        h = summary["holdout"]
        sim = h["simulated"]
        print(f"held-out {h['rows']} pairs: success predicted right " + ", ".join(
            f"{k} {100 * v:.0f} %" for k, v in h["success_accuracy"].items()))
        print(f"  replayed from the probes: fixed order {sim['fixed_seconds']} s, router {sim['router_seconds']} s "
              f"(settled {sim['fixed_settled']} / {sim['router_settled']})")
    print(f"fitted in {summary['train_seconds']} s; checkpoint written to {out}")
    return 0
