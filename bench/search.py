"""The automatic search on held-out statements (``bench/search_set.py``: Nat arithmetic, ≤/<,
lists, logic, Bool — none of them a library theorem) with a fixed node budget.

Prints, per category and overall: proved/total, median nodes expanded (over the proved ones and
over all), median and total seconds; then the statements not proved.  A proof counts only when the
API returns it, i.e. after the kernel admitted its term (``tactic_mesh.api``).

    python bench/search.py [--max-nodes 300] [--seconds 20] [--only logic] [--json FILE] [--check]

``--check`` runs every reference script instead (each must be admitted) and checks that no
statement is a library theorem.  The same script measures an older checkout without the API
(``PYTHONPATH=OLD python bench/search.py``): it then calls that checkout's ``Searcher`` and
admits the term the way its ``tactic-mesh prove`` did.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import fmt_s, header, say
from search_set import STATEMENTS

Outcome = tuple[bool, int, float, tuple[str, ...]]  # proved, nodes expanded, seconds, script


def make_runner(library: str, policy: str) -> Any:
    """``run(statement, max_nodes, seconds) -> Outcome``: through the API when there is one."""
    try:
        from tactic_mesh.api import NoProofFound, Session
    except ImportError:
        return _legacy_runner(library)
    session = Session(library)

    def run(statement: str, max_nodes: int, seconds: float) -> Outcome:
        start = time.perf_counter()
        try:
            result = session.prove(statement, budget=seconds, max_nodes=max_nodes, policy=policy)
        except NoProofFound as err:
            return False, err.search.expanded, time.perf_counter() - start, ()
        return result.kernel_checked, result.stats.expanded, time.perf_counter() - start, result.script

    return run


def _legacy_runner(library: str) -> Any:  # pragma: no cover - only for checkouts before the API
    from tactic_mesh.calculus.search import Searcher  # type: ignore[import-not-found]
    from tactic_mesh.handlers.artifacts import library_env  # type: ignore[import-not-found]

    from tactic_mesh.calculus.assembly import final_proof_term  # type: ignore[import-not-found]
    from tactic_mesh.calculus.state import ProofState
    from tactic_mesh.kernel.declarations import axioms_of
    from tactic_mesh.kernel.deep import run_deep
    from tactic_mesh.kernel.elab import Elaborator
    from tactic_mesh.kernel.environment import TheoremDecl
    from tactic_mesh.kernel.syntax import parse_term
    from tactic_mesh.kernel.typechecker import add_decl  # type: ignore[attr-defined]

    env = library_env(library)

    def run(statement: str, max_nodes: int, seconds: float) -> Outcome:
        start = time.perf_counter()
        el = Elaborator(env, "<statement>")

        def elaborate() -> Any:
            e = el.instantiate(el.elab_type(parse_term(statement, "<statement>")))
            el.synthesize_pending()
            return el.instantiate(e)

        expr = run_deep(elaborate)
        state = ProofState.initial(env, expr, level_params=tuple(el.level_params))
        found = run_deep(Searcher(max_nodes, seconds).search, state)
        if found.state is None:
            return False, found.expanded, time.perf_counter() - start, ()
        term = final_proof_term(found.state)
        admitted = add_decl(env, TheoremDecl("_bench_goal", tuple(el.level_params), expr, term))
        ok = not term.has_mvar and "sorryAx" not in axioms_of(admitted, "_bench_goal")
        return ok, found.expanded, time.perf_counter() - start, found.script

    return run


def check_set(library: str) -> int:
    """Every reference script is admitted, and no statement is a theorem of the library."""
    from tactic_mesh.api import Session
    from tactic_mesh.kernel.environment import TheoremInfo

    session = Session(library)
    everything = Session("all").environment
    theorem_types = {info.type for name in everything.names()
                     if isinstance(info := everything.find(name), TheoremInfo)}
    bad = 0
    for category, statement, script in STATEMENTS:
        try:
            session.prove(statement, by=script.replace("; ", "\n"))
        except Exception as err:
            bad += 1
            say(f"  reference script fails: [{category}] {statement}: {err}")
        if session.elaborate(statement)[0] in theorem_types:
            bad += 1
            say(f"  a library theorem, not held out: [{category}] {statement}")
    say(f"{len(STATEMENTS)} statements, {bad} problem(s)")
    return 1 if bad else 0


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-nodes", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=20.0, help="time cap per statement")
    ap.add_argument("--library", default="basics")
    ap.add_argument("--policy", default="heuristic")
    ap.add_argument("--only", metavar="CATEGORY")
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--check", action="store_true", help="check the reference scripts and the held-out property")
    args = ap.parse_args()
    if args.check:
        return check_set(args.library)
    started = time.perf_counter()
    run = make_runner(args.library, args.policy)
    rows: list[dict[str, Any]] = []
    for category, statement, _ in STATEMENTS:
        if args.only and category != args.only:
            continue
        proved, nodes, seconds, script = run(statement, args.max_nodes, args.seconds)
        rows.append({"category": category, "statement": statement, "proved": proved, "nodes": nodes,
                     "seconds": round(seconds, 3), "script": list(script)})
        say(f"  {'proved' if proved else 'no    '} {nodes:4d} nodes {fmt_s(seconds):>9}  [{category}] {statement}")
    header(f"search on {len(rows)} held-out statements (max {args.max_nodes} nodes, {args.seconds:g} s each, "
           f"library {args.library}, policy {args.policy})")
    say(f"{'category':<10} {'proved':>8} {'median nodes (proved)':>22} {'median nodes (all)':>19} "
        f"{'median time':>12} {'total time':>11}")
    categories = sorted({r["category"] for r in rows}, key=[c for c, _, _ in STATEMENTS].index)
    for name in [*categories, "all"]:
        part = [r for r in rows if name in ("all", r["category"])]
        done = [r for r in part if r["proved"]]
        say(f"{name:<10} {len(done):>3}/{len(part):<4} {median([r['nodes'] for r in done]):>22} "
            f"{median([r['nodes'] for r in part]):>19} {fmt_s(median([r['seconds'] for r in part])):>12} "
            f"{fmt_s(sum(r['seconds'] for r in part)):>11}")
    missing = [r for r in rows if not r["proved"]]
    if missing:
        header("not proved")
        for r in missing:
            say(f"  [{r['category']}] {r['statement']}")
    say(f"\nwall time {fmt_s(time.perf_counter() - started)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
