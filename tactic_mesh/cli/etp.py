"""``tactic-mesh etp``: decide magma implications (ETP rows) with kernel-checked certificates.

``tactic-mesh etp FILE.tsv`` decides every row (columns as in the shared data's README: at least
``lhs_eq`` and ``rhs_eq``; ``holds``, ``lhs_id``, ``rhs_id``, ``stratum`` when present) with
``--jobs`` workers and ``--budget`` seconds per row; ``tactic-mesh etp --eq 4 --implies 381`` decides
one pair of numbered laws.  ``--executor`` says where the rows run (``tactic_mesh.net.executor``):
``process`` (the default: a local process pool), ``inline`` (this process) or ``ray`` (Ray tasks,
the ``ray`` extra); a worker that raises, dies or hangs makes its row an ``error``, never a crash
of the command.  Each settled row's certificate, checked in its worker by the kernel (or the
rewrite-certificate checker), is written here as a theory file under ``--out`` (re-check it with
``tactic-mesh check``).  A verdict that contradicts the
``holds`` column is a soundness bug: it is reported loudly and the exit status is 2.  Results go
to ``--json`` as they come (``--resume`` skips the rows already there); ``--plot`` draws the
verdicts by stratum (SVG).

``--policy fixed`` (the default) runs the experts in the fixed order of ``symbolic.etp.EXPERTS``;
``--policy router`` orders them per row with the learned router (``symbolic.etp_router``; the
checkpoint shipped with the package, or ``--router PATH``).  The order changes no check: every
verdict still rests on a checked certificate.  Each JSON record says the order used (``order``)
and the seconds spent choosing it (``route_seconds``, on top of ``seconds``).  A router checkpoint
that cannot be used is one error line (exit status 1).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from tactic_mesh.cli.console import progress_bar, write_json
from tactic_mesh.net.executor import ExecutorError, Failed, Ok, make_executor

REQUIRED = ("lhs_eq", "rhs_eq")


Job = tuple[int, str, str, float, str | None]  # row, lhs, rhs, budget, router checkpoint (None: fixed order)


@cache
def _router(path: str) -> Any:
    """The router, loaded once per worker process (the main process has checked it loads)."""
    from tactic_mesh.symbolic.etp_router import load

    return load(Path(path))


def _decide_row(job: Job) -> dict[str, Any]:
    """One row, in a worker process: parse, order the experts, decide, and return a plain record."""
    from tactic_mesh.calculus.magma.equations import EquationError, parse_equation
    from tactic_mesh.kernel.errors import Location
    from tactic_mesh.symbolic.etp import FIXED_ORDER, decide

    index, lhs, rhs, budget, router = job
    record: dict[str, Any] = {"row": index, "lhs_eq": lhs, "rhs_eq": rhs, "policy": "router" if router else "fixed"}
    try:
        a = parse_equation(lhs, Location(f"row {index}", 1, 1))
        b = parse_equation(rhs, Location(f"row {index}", 1, 1))
    except EquationError as err:
        return {**record, "verdict": "error", "expert": "", "seconds": 0.0, "reason": str(err), "certificate_text": ""}
    started = time.monotonic()
    order = _router(router).order(a, b) if router else FIXED_ORDER
    routing = time.monotonic() - started
    v = decide(a, b, budget, order=None if router is None else order)
    return {**record, "verdict": v.verdict, "expert": v.expert, "seconds": round(v.seconds, 4),
            "reason": v.reason, "checked_by": v.checked_by, "certificate_kind": v.certificate_kind,
            "order": list(order), "route_seconds": round(routing, 5), "certificate_text": v.certificate}


def _timeout(budget: float) -> float:
    """The executor's bound on one row (the experts keep to ``budget``; this only catches a hang)."""
    return 4 * budget + 120


def _failed(job: Job, failure: Failed) -> dict[str, Any]:
    """The record of a row whose worker failed (raised, timed out or died): an ``error`` verdict."""
    index, lhs, rhs, _, router = job
    return {"row": index, "lhs_eq": lhs, "rhs_eq": rhs, "policy": "router" if router else "fixed", "verdict": "error",
            "expert": "", "seconds": round(failure.seconds, 4), "reason": f"worker {failure.kind}: {failure.message}",
            "certificate_text": ""}


def _rows(path: Path) -> tuple[list[dict[str, str]], str | None]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t")
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                return [], f"{path}:1: missing column(s) {', '.join(missing)}"
            return [dict(r) for r in reader], None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        return [], f"{path}: cannot read: {err}"


def _jobs(rows: list[dict[str, str]], done: dict[int, dict[str, Any]], budget: float,
          router: str | None) -> Iterator[Job]:
    for i, r in enumerate(rows, start=2):  # line numbers of the TSV (the header is line 1)
        if i not in done:
            yield (i, r.get("lhs_eq") or "", r.get("rhs_eq") or "", budget, router)


def _router_path(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The router checkpoint to use (None with the fixed order), or the one-line reason it cannot be used."""
    from tactic_mesh.symbolic.etp_router import DEFAULT_PATH, RouterError, load

    if args.policy == "fixed":
        return None, None
    path = Path(args.router) if args.router else DEFAULT_PATH
    try:
        load(path)
    except RouterError as err:
        return None, str(err)
    return str(path), None


def _stem(record: dict[str, Any], row: dict[str, str]) -> str:
    ids = f"{row.get('lhs_id', '')}_{row.get('rhs_id', '')}".strip("_")
    return f"row{record['row']}" + (f"_eq{ids.replace('_', '_eq')}" if ids else "")


def _percentile(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * (len(xs) - 1) + 0.5))]


def _plot(records: list[dict[str, Any]], path: Path) -> None:
    """Verdicts by stratum as a stacked horizontal bar chart (SVG, written by hand)."""
    from html import escape

    colours = {"proved": "#2e7d32", "refuted": "#1565c0", "unknown": "#9e9e9e", "error": "#d84315"}
    strata: dict[str, dict[str, int]] = {}
    for r in records:
        counts = strata.setdefault(r.get("stratum") or "(none)", {})
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    names = sorted(strata)
    width, bar, left = 900, 18, 260
    most = max((sum(c.values()) for c in strata.values()), default=1)
    scale = (width - left - 60) / most
    height = 60 + len(names) * (bar + 6) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           'font-size="11">', f'<text x="10" y="20" font-size="14">verdicts by stratum ({len(records)} rows)</text>']
    for k, name in enumerate(names):
        y = 40 + k * (bar + 6)
        out.append(f'<text x="10" y="{y + 13}">{escape(name)}</text>')
        x = float(left)
        for verdict in ("proved", "refuted", "unknown", "error"):
            n = strata[name].get(verdict, 0)
            if n:
                out.append(f'<rect class="{verdict}" x="{x:.1f}" y="{y}" width="{n * scale:.1f}" height="{bar}" '
                           f'fill="{colours[verdict]}"><title>{verdict}: {n}</title></rect>')
                x += n * scale
        out.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{sum(strata[name].values())}</text>')
    y = 50 + len(names) * (bar + 6)
    for k, (verdict, colour) in enumerate(colours.items()):
        out.append(f'<rect x="{left + k * 120}" y="{y}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{left + k * 120 + 16}" y="{y + 10}">{verdict}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _single(args: argparse.Namespace) -> tuple[list[dict[str, str]], str | None]:
    from tactic_mesh.calculus.magma.equations import EquationError, data_dir, load_equations

    source = Path(args.equations) if args.equations else (data_dir() or Path("equations.txt")) / "equations.txt"
    if args.equations is None and data_dir() is None:
        return [], "the equations file is not found: give --equations PATH (equations.txt of the ETP data)"
    try:
        eqs = load_equations(source)
    except (OSError, UnicodeDecodeError) as err:
        return [], f"{source}: cannot read: {err}"
    except EquationError as err:
        return [], str(err)
    unknown = [n for n in (args.eq, args.implies) if n not in eqs]
    if unknown:
        return [], f"unknown equation number(s) {', '.join(map(str, unknown))} (1..{max(eqs)})"
    return [{"lhs_eq": eqs[args.eq].text(), "rhs_eq": eqs[args.implies].text(), "lhs_id": str(args.eq),
             "rhs_id": str(args.implies)}], None


def run_etp(args: argparse.Namespace) -> int:
    if (args.eq is None) != (args.implies is None):
        print("error: --eq and --implies go together", file=sys.stderr)
        return 2
    if args.eq is not None:
        rows, problem = _single(args)
    elif args.file is None:
        print("error: give a TSV file, or --eq N --implies M", file=sys.stderr)
        return 2
    else:
        rows, problem = _rows(Path(args.file))
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if args.router and args.policy != "router":
        print("error: --router goes with --policy router", file=sys.stderr)
        return 2
    router, problem = _router_path(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    done: dict[int, dict[str, Any]] = {}
    json_path = Path(args.json) if args.json else None
    if args.resume and json_path is not None and json_path.is_file():
        try:
            previous = json.loads(json_path.read_text(encoding="utf-8"))
            done = {int(r["row"]): r for r in previous if r.get("verdict") in ("proved", "refuted", "unknown")}
        except (ValueError, TypeError, KeyError) as err:
            print(f"error: {json_path}: cannot resume from it ({err}); move it away or drop --resume", file=sys.stderr)
            return 2
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    records: dict[int, dict[str, Any]] = dict(done)
    by_line = {i: r for i, r in enumerate(rows, start=2)}
    jobs = list(_jobs(rows, done, args.budget, router))
    try:
        executor = make_executor(getattr(args, "executor", "process") if jobs else "inline", args.jobs)
    except ExecutorError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    interrupted = False
    try:
        with progress_bar("etp", len(jobs), sys.stderr.isatty() and bool(jobs)) as advance, executor:
            for outcome in executor.map(_decide_row, jobs, timeout=_timeout(args.budget)):
                record = outcome.value if isinstance(outcome, Ok) else _failed(jobs[outcome.index], outcome)
                row = by_line[record["row"]]
                record.update({k: row.get(k, "") for k in ("holds", "stratum", "lhs_id", "rhs_id", "method")})
                text = record.pop("certificate_text")
                record["certificate"] = ""
                if text and out_dir is not None:
                    suffix = ".rwc" if record.get("checked_by") == "rewrite-certificate" else ".tm"
                    cert = out_dir / f"{_stem(record, row)}{suffix}"
                    cert.write_text(text, encoding="utf-8")
                    record["certificate"] = str(cert)
                records[record["row"]] = record
                if json_path is not None:
                    _save(json_path, records)
                advance()
    except KeyboardInterrupt:
        interrupted = True
    ordered = [records[k] for k in sorted(records)]
    if json_path is not None:
        _save(json_path, records)
    if args.plot:
        _plot(ordered, Path(args.plot))
    return _report(ordered, len(rows), interrupted, args.eq is not None)


def _save(path: Path, records: dict[int, dict[str, Any]]) -> None:
    write_json(path, [records[k] for k in sorted(records)])


def _checked(record: dict[str, Any]) -> str:
    if record.get("checked_by") == "rewrite-certificate":
        return "rewrite certificate checked by the library's independent checker"
    return f"{record.get('certificate_kind') or 'certificate'} checked by the kernel"


def _report(records: list[dict[str, Any]], total: int, interrupted: bool, single: bool) -> int:
    contradictions = [r for r in records if (r["verdict"] == "proved" and r.get("holds") == "false")
                      or (r["verdict"] == "refuted" and r.get("holds") == "true")]
    if single and records:
        r = records[0]
        print(f"{r['lhs_eq']}  ⟹  {r['rhs_eq']}: {r['verdict']}"
              + (f" by {r['expert']} ({_checked(r)})" if r["verdict"] in ("proved", "refuted")
                 else f" ({r['reason']})"))
        if r.get("certificate"):
            print(f"certificate: {r['certificate']}")
    else:
        print(f"{'verdict':<9} {'rows':>5} {'holds=true':>10} {'holds=false':>11}")
        for verdict in ("proved", "refuted", "unknown", "error"):
            group = [r for r in records if r["verdict"] == verdict]
            print(f"{verdict:<9} {len(group):>5} {sum(r.get('holds') == 'true' for r in group):>10} "
                  f"{sum(r.get('holds') == 'false' for r in group):>11}")
        experts: dict[str, int] = {}
        for r in records:
            if r["expert"]:
                name = r["expert"].split(" ")[0]
                experts[name] = experts.get(name, 0) + 1
        times = [float(r["seconds"]) for r in records]
        print(f"experts: {', '.join(f'{k} {v}' for k, v in sorted(experts.items())) or 'none'}; time per row: "
              f"median {statistics.median(times) if times else 0:.3f} s, p90 {_percentile(times, 0.9):.3f} s")
        checkers = sorted({r.get("checked_by", "") for r in records if r["verdict"] in ("proved", "refuted")})
        print(f"{len(records)} of {total} row(s) decided; every proved/refuted verdict rests on a checked "
              f"certificate (checked by: {', '.join(checkers) or 'none needed'})")
    for r in records:
        if r["verdict"] == "error":
            print(f"error: row {r['row']}: {r['reason']}", file=sys.stderr)
    if interrupted:
        print(f"interrupted: {len(records)} of {total} row(s) kept (run again with --resume)", file=sys.stderr)
    if contradictions:
        for r in contradictions:
            print(f"SOUNDNESS BUG: row {r['row']} ({r['lhs_eq']} ⟹ {r['rhs_eq']}) is {r['verdict']} but holds="
                  f"{r.get('holds')}", file=sys.stderr)
        return 2
    return 1 if interrupted else 0
