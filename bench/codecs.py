"""JSON codec throughput for tactic-mesh.

Run from the repository root::

    .venv/bin/python bench/codecs.py            # full run (about a minute)
    .venv/bin/python bench/codecs.py --quick    # fewer repetitions
    .venv/bin/python bench/codecs.py --json     # machine-readable results on stdout

Figures are *reported*, never asserted (DESIGN §12).  Every ratio is against the standard
library's ``json`` measured in the same run on the same data: ``dumps`` (objects → JSON text)
against ``json.dumps`` of the encoded document (plain dicts and lists → the same text), ``loads``
(text → objects, with every check) against ``json.loads`` of that text (text → plain data), and
the gzip variants against ``gzip`` + ``json``.  MB/s are megabytes of (uncompressed) JSON text per
second.  The only assertions are about correctness: every document decodes to a value equal to
the one encoded.

The corpus is the proof library: ``basics.tm`` and ``tactics.tm`` are checked with the tactic
runner while every ``by`` block's final proof state is recorded.

1. a trace document holding every StepPack of those proofs (one large document);
2. every final proof state (one document each: partial term, metavariable context, StepPacks);
3. every tactic program that ran (one document each);
4. the record layer: the ``cattrs`` converter for StepPacks (strict hooks for ids and strings,
   expression hooks into the document's tables, ``detailed_validation`` for error paths) against
   hand-written code producing the same JSON / objects with the same checks, in both directions
   (timed over more rounds: the two are close and the machine may be noisy);
5. a 100 000-deep expression and a 100 000-long bind chain;
6. the cost of the safety checks of ``loads``: the text pre-scan and duplicate-key detection.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/codecs.py` without installing
    sys.path.insert(0, str(ROOT))

from report import finish, fmt_s, header, say, timed, to_stderr  # noqa: E402

from tactic_mesh.calculus.state import ProofState, Provenance  # noqa: E402
from tactic_mesh.calculus.steppack import Coupling, CouplingKind, ResidualBuilder, StateDelta, StepPack  # noqa: E402
from tactic_mesh.calculus.terms import Op, Pure, Term, VNum, seq  # noqa: E402
from tactic_mesh.codecs import json_envelope as je  # noqa: E402
from tactic_mesh.codecs.json_artifacts import KernelExpr, ProofTrace  # noqa: E402
from tactic_mesh.codecs.json_base import (  # noqa: E402
    DEFAULT_LIMITS,
    MAX_ID,
    CodecError,
    Limits,
    at,
    enum_value,
    fail_type,
    lst,
    obj,
    wstr,
)
from tactic_mesh.codecs.json_limits import _pairs_unique, check_text, dump_text, parse_text  # noqa: E402
from tactic_mesh.codecs.json_records import read_records, write_record  # noqa: E402
from tactic_mesh.codecs.json_state import COUPLING_KINDS, StateReader, StateWriter  # noqa: E402
from tactic_mesh.handlers import blocks as tactic_block  # noqa: E402
from tactic_mesh.kernel.commands import FileChecker  # noqa: E402
from tactic_mesh.kernel.deep import run_deep  # noqa: E402
from tactic_mesh.kernel.environment import Environment  # noqa: E402
from tactic_mesh.kernel.expr import PROP, App, BinderInfo, BVar, Expr, Lam, Pi  # noqa: E402
from tactic_mesh.kernel.prelude import prelude  # noqa: E402

PROOFS = ROOT / "tactic_mesh" / "proofs"
MB = 1e6

# ---------------------------------------------------------------------------------------------
# corpus
# ---------------------------------------------------------------------------------------------


def library_states() -> tuple[list[ProofState], list[Term], float]:
    """The final state of every `by` block of basics.tm + tactics.tm, and the programs that ran."""
    states: list[ProofState] = []
    programs: list[Term] = []
    original = tactic_block.run_block

    def recording(*args: Any, **kwargs: Any) -> Any:
        final, log = original(*args, **kwargs)
        states.append(final)
        programs.extend(program for _, program in log)
        return final, log

    checker = FileChecker(prelude(), tactic_runner=tactic_block.prove_by_block)
    tactic_block.run_block = recording
    started = time.perf_counter()
    try:
        for name in ("basics.tm", "tactics.tm"):
            out = run_deep(checker.check_text, (PROOFS / name).read_text(encoding="utf-8"), name)
            bad = [r for r in out if not r.ok]
            if bad:
                raise SystemExit(f"{name}: {len(bad)} declarations rejected, e.g. {bad[0].name}: {bad[0].message}")
    finally:
        tactic_block.run_block = original
    return states, programs, time.perf_counter() - started


Doc = tuple[str, object, Provenance, Environment | None]  # kind, value, provenance, env for decoding


def rounds(cases: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Median time of each case, the cases interleaved round by round."""
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            times[name].append(timed(fn)[0])
    return {k: statistics.median(v) for k, v in times.items()}


def bench_corpus(title: str, docs: list[Doc], runs: int) -> dict[str, Any]:
    """dumps/loads and the gzip variants of a list of documents, against json (+ gzip)."""
    header(title)
    dicts = [je.encode(kind, value, prov) for kind, value, prov, _ in docs]
    texts = [dump_text(d) for d in dicts]
    blobs = [gzip.compress(t.encode(), compresslevel=6, mtime=0) for t in texts]
    size = sum(len(t) for t in texts)
    gz_size = sum(len(b) for b in blobs)
    for (kind, value, _, env), text, blob in zip(docs, texts, blobs, strict=True):  # correctness first
        assert je.loads(text, kind, env=env) == value
        assert je.load_gz(blob, kind, env=env) == value

    def ours_dumps() -> None:
        for kind, value, prov, _ in docs:
            je.dumps(kind, value, prov)

    def base_dumps() -> None:
        for d in dicts:
            json.dumps(d, ensure_ascii=True, separators=(",", ":"), allow_nan=False, check_circular=False)

    def ours_loads() -> None:
        for (kind, _, _, env), text in zip(docs, texts, strict=True):
            je.loads(text, kind, env=env)

    def base_loads() -> None:
        for text in texts:
            json.loads(text)

    def ours_encode() -> None:
        for kind, value, prov, _ in docs:
            je.encode(kind, value, prov)

    def ours_decode() -> None:
        for (kind, _, _, env), d in zip(docs, dicts, strict=True):
            je.decode(d, kind, env=env)

    def ours_dump_gz() -> None:
        for kind, value, prov, _ in docs:
            je.dump_gz(kind, value, prov)

    def base_dump_gz() -> None:
        for d in dicts:
            gzip.compress(json.dumps(d, separators=(",", ":")).encode(), compresslevel=6, mtime=0)

    def ours_load_gz() -> None:
        for (kind, _, _, env), blob in zip(docs, blobs, strict=True):
            je.load_gz(blob, kind, env=env)

    def base_load_gz() -> None:
        for blob in blobs:
            json.loads(gzip.decompress(blob))

    t = rounds({"dumps": ours_dumps, "json.dumps": base_dumps, "loads": ours_loads, "json.loads": base_loads,
                "encode": ours_encode, "decode": ours_decode, "dump_gz": ours_dump_gz, "gzip+json.dumps": base_dump_gz,
                "load_gz": ours_load_gz, "gzip+json.loads": base_load_gz}, runs)  # fmt: skip
    say(f"   {len(docs)} document(s), {size / MB:.2f} MB of JSON, {gz_size / MB:.2f} MB gzipped "
        f"(level 6, {size / gz_size:.1f}×)")  # fmt: skip
    rates = {k: size / v / MB for k, v in t.items()}
    for ours, base in (("dumps", "json.dumps"), ("loads", "json.loads"), ("dump_gz", "gzip+json.dumps"),
                       ("load_gz", "gzip+json.loads")):  # fmt: skip
        say(f"   {ours:<8} {fmt_s(t[ours]):>9}  {rates[ours]:7.1f} MB/s   {base:<16} {fmt_s(t[base]):>9}  "
            f"{rates[base]:7.1f} MB/s   ratio {t[ours] / t[base]:5.1f}×")  # fmt: skip
    say(f"   of which objects → dict (encode) {fmt_s(t['encode'])}, dict → objects with every check (decode) "
        f"{fmt_s(t['decode'])}")  # fmt: skip
    return {"documents": len(docs), "bytes": size, "gzip_bytes": gz_size, "seconds": t, "mb_per_s": rates}


# ---------------------------------------------------------------------------------------------
# record layer: hand-written against cattrs
# ---------------------------------------------------------------------------------------------


# Hand-written StepPack code producing the same JSON and objects with the same checks and error
# paths as the library's cattrs converter (json_records): the baseline of section 4.

STEP_KEYS = frozenset({"parent", "parent_type", "delta", "child_interface", "coupling", "residual_builder",
                       "certificates"})  # fmt: skip
DELTA_KEYS = frozenset({"closed", "opened"})
COUPLING_KEYS = frozenset({"child_obligations", "shared_metavars", "dependency_edges", "kind"})
BUILDER_KEYS = frozenset({"parent", "term", "children"})


def _id(x: object) -> int:
    if type(x) is not int or not 0 <= x <= MAX_ID:
        raise CodecError("StepPack", "not an id", "int", repr(x))
    return x


def hand_write_step(w: StateWriter, step: StepPack) -> dict[str, object]:
    c, rb = step.coupling, step.residual_builder
    if type(c.kind) is not CouplingKind:
        raise CodecError("StepPack.coupling.kind", "not a CouplingKind", "CouplingKind", type(c.kind).__name__)
    return {
        "parent": _id(step.parent),
        "parent_type": w.expr(step.parent_type),
        "delta": {"closed": [_id(x) for x in step.delta.closed], "opened": [_id(x) for x in step.delta.opened]},
        "child_interface": [[_id(g), w.expr(ty)] for g, ty in step.child_interface],
        "coupling": {"child_obligations": [_id(x) for x in c.child_obligations],
                     "shared_metavars": [_id(x) for x in c.shared_metavars],
                     "dependency_edges": [[_id(a), _id(b)] for a, b in c.dependency_edges], "kind": c.kind.value},
        "residual_builder": {"parent": _id(rb.parent), "term": w.expr(rb.term),
                             "children": [_id(x) for x in rb.children]},
        "certificates": [wstr(x, "certificate") for x in step.certificates],
    }  # fmt: skip


def hand_read_step(r: StateReader, entry: object, p: Any) -> StepPack:
    d = obj(entry, p, STEP_KEYS)
    dp = at(p, "delta")
    delta = obj(d["delta"], dp, DELTA_KEYS)
    ip = at(p, "child_interface")
    interface = []
    for j, pair in enumerate(lst(d["child_interface"], ip)):
        if type(pair) is not list or len(pair) != 2:
            raise fail_type(at(ip, j), "array of 2", pair)
        interface.append((r.ident(pair[0], at(at(ip, j), 0)), r.expr(pair[1], at(at(ip, j), 1))))
    cp = at(p, "coupling")
    c = obj(d["coupling"], cp, COUPLING_KEYS)
    ep = at(cp, "dependency_edges")
    edges = []
    for j, pair in enumerate(lst(c["dependency_edges"], ep)):
        if type(pair) is not list or len(pair) != 2:
            raise fail_type(at(ep, j), "array of 2", pair)
        edges.append((r.ident(pair[0], at(at(ep, j), 0)), r.ident(pair[1], at(at(ep, j), 1))))
    coupling = Coupling(r.ids(c["child_obligations"], at(cp, "child_obligations")),
                        r.ids(c["shared_metavars"], at(cp, "shared_metavars")), tuple(edges),
                        enum_value(c["kind"], at(cp, "kind"), COUPLING_KINDS, "CouplingKind"))  # fmt: skip
    bp = at(p, "residual_builder")
    b = obj(d["residual_builder"], bp, BUILDER_KEYS)
    builder = ResidualBuilder(r.ident(b["parent"], at(bp, "parent")), r.expr(b["term"], at(bp, "term")),
                              r.ids(b["children"], at(bp, "children")))  # fmt: skip
    certp = at(p, "certificates")
    return StepPack(
        parent=r.ident(d["parent"], at(p, "parent")), parent_type=r.expr(d["parent_type"], at(p, "parent_type")),
        delta=StateDelta(r.ids(delta["closed"], at(dp, "closed")), r.ids(delta["opened"], at(dp, "opened"))),
        child_interface=tuple(interface), coupling=coupling, residual_builder=builder,
        certificates=tuple(r.text(x, at(certp, j)) for j, x in enumerate(lst(d["certificates"], certp))),
    )


def bench_records(steps: list[StepPack], runs: int) -> dict[str, Any]:
    header(f"4. the StepPack record layer ({len(steps)} StepPacks): cattrs vs hand-written")
    writer = StateWriter()
    for s in steps:
        writer.step(s)
    raw = writer.steps  # written by the library (cattrs)
    assert [hand_write_step(writer, s) for s in steps] == raw  # the same JSON
    reader = StateReader(DEFAULT_LIMITS)
    reader.read_levels(writer.levels, "$.levels")
    reader.read_exprs(writer.exprs, "$.exprs")
    reader.used["exprs"] = bytearray(len(reader.exprs))
    assert [hand_read_step(reader, d, "$") for d in raw] == steps == read_records(reader, StepPack,
                                                                                 [(d, "$") for d in raw])

    def cattrs_write() -> None:
        for s in steps:
            write_record(writer, s)

    def hand_write() -> None:
        for s in steps:
            hand_write_step(writer, s)

    def cattrs_read() -> None:
        read_records(reader, StepPack, [(d, "$") for d in raw])

    def hand_read() -> None:
        for d in raw:
            hand_read_step(reader, d, "$")

    t = rounds({"cattrs write": cattrs_write, "hand write": hand_write, "cattrs read": cattrs_read,
                "hand read": hand_read}, 3 * runs)  # fmt: skip
    for direction, c, h in (("unstructure (objects → JSON data)", "cattrs write", "hand write"),
                            ("structure (JSON data → objects)", "cattrs read", "hand read")):  # fmt: skip
        ratio = t[c] / t[h]
        verdict = f"hand-written {ratio:.1f}× faster" if ratio > 1.1 else \
            f"cattrs {1 / ratio:.1f}× faster" if ratio < 0.9 else "on par"
        say(f"   {direction:<35} cattrs {fmt_s(t[c]):>8}   hand-written {fmt_s(t[h]):>8}   {verdict}")
    say("   (the same JSON and objects, the same checks and error paths; the library uses cattrs for these records)")
    return {"seconds": t, "write_ratio": t["cattrs write"] / t["hand write"],
            "read_ratio": t["cattrs read"] / t["hand read"]}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# deep and long inputs, safety checks
# ---------------------------------------------------------------------------------------------


def bench_deep(runs: int) -> dict[str, Any]:
    n = 100_000
    header(f"5. a {n:,}-deep expression and a {n:,}-long bind chain (iterative codecs)")
    prov = Provenance("bench", "0" * 64)
    e: Expr = PROP
    for i in range(n):
        e = Lam("x", PROP, App(e, BVar(0))) if i % 2 else Pi("y", e, BVar(0), BinderInfo.IMPLICIT)
    program = seq(*[Op("Inc", (VNum(i % 7),)) for i in range(n)], Pure(VNum(n)))
    out: dict[str, Any] = {}
    for name, kind, value in (("expression", "expr", KernelExpr(e)), ("bind chain", "program", program)):
        text = je.dumps(kind, value, prov)
        assert je.loads(text, kind) == value
        t = rounds({"dumps": lambda kind=kind, value=value: je.dumps(kind, value, prov),
                    "loads": lambda kind=kind, text=text: je.loads(text, kind),
                    "json.loads": lambda text=text: json.loads(text)}, runs)  # fmt: skip
        say(f"   {name:<10}  {len(text) / MB:5.1f} MB   dumps {fmt_s(t['dumps']):>8}   loads {fmt_s(t['loads']):>8}"
            f"   ({t['loads'] / t['json.loads']:.1f}× json.loads)")  # fmt: skip
        out[name] = {"bytes": len(text), "seconds": t}
    return out


def bench_checks(texts: list[str], runs: int) -> dict[str, Any]:
    header(f"6. the safety checks of loads, on the {len(texts)} states' texts")
    full_scan = Limits(max_depth=50)  # more opening brackets than that: the bracket scan runs (depth ≤ 50 passes)
    no_dup = Limits(reject_duplicate_keys=False)

    def run(fn: Callable[[str], object]) -> Callable[[], None]:
        def go() -> None:
            for text in texts:
                fn(text)

        return go

    t = rounds({
        "json.loads": run(json.loads),
        "pre-scan, default limits": run(check_text),
        "pre-scan, forced bracket scan": run(lambda x: check_text(x, full_scan)),
        "json.loads + duplicate-key hook": run(lambda x: json.loads(x, object_pairs_hook=_pairs_unique)),
        "parse_text (scan + hook)": run(parse_text),
        "parse_text, no hook": run(lambda x: parse_text(x, no_dup)),
    }, runs)  # fmt: skip
    base = t["json.loads"]
    for k, v in t.items():
        say(f"   {k:<32} {fmt_s(v):>9}  {v / base:5.2f}× json.loads")
    return {"seconds": t}


# ---------------------------------------------------------------------------------------------


def bench_dsl(runs: int) -> dict[str, Any]:
    """DSL speed on the theorem library: every `by` block of tactics.tm as a program, printed as one
    `.tac` text; parse it (lines/s), against splitting the same tactic text with the `.tm` splitter."""
    from importlib import resources

    from tactic_mesh.calculus.tactic_syntax import split_tactics
    from tactic_mesh.calculus.tactics import defer_seq
    from tactic_mesh.codecs.dsl import parse_program, print_program

    text = resources.files("tactic_mesh.proofs").joinpath("tactics.tm").read_text(encoding="utf-8")
    blocks = [b for b in _by_blocks(text) if b.strip()]
    programs = [defer_seq(split_tactics(b, 1, 1)) for b in blocks]
    printed = [print_program(p) for p in programs]
    lines = sum(p.count("\n") + 1 for p in printed)
    times = rounds({
        "parse_program": lambda: [parse_program(p) for p in printed],
        "print_program": lambda: [print_program(p) for p in programs],
        "split_tactics": lambda: [split_tactics(b, 1, 1) for b in blocks],
    }, runs)
    assert all(parse_program(t) == p for t, p in zip(printed, programs, strict=True))
    return {"blocks": len(blocks), "lines": lines, "seconds": times,
            "lines_per_s": lines / times["parse_program"]}


def _by_blocks(text: str) -> list[str]:
    """The tactic text after `:= by` of each theorem of a .tm file."""
    out: list[str] = []
    for chunk in text.split("\ntheorem ")[1:]:
        _, sep, body = chunk.partition(":= by")
        if sep:
            out.append(body.split("\n\n", 1)[0])
    return out


def summary(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for key, label in (("trace", "trace of all StepPacks"), ("states", "final proof states"),
                       ("programs", "tactic programs")):  # fmt: skip
        r = res[key]
        t, rate = r["seconds"], r["mb_per_s"]
        what = f"{r['documents']} doc(s), {r['bytes'] / MB:.1f} MB"
        rows.append((f"{label}: dumps", f"{rate['dumps']:.1f} MB/s",
                     f"{t['dumps'] / t['json.dumps']:.1f}× json.dumps; {what}"))  # fmt: skip
        rows.append((f"{label}: loads", f"{rate['loads']:.1f} MB/s", f"{t['loads'] / t['json.loads']:.1f}× json.loads"))
        rows.append((f"{label}: dump_gz", f"{rate['dump_gz']:.1f} MB/s",
                     f"{t['dump_gz'] / t['gzip+json.dumps']:.1f}× gzip+json.dumps"))  # fmt: skip
        rows.append((f"{label}: load_gz", f"{rate['load_gz']:.1f} MB/s",
                     f"{t['load_gz'] / t['gzip+json.loads']:.1f}× gzip+json.loads"))  # fmt: skip
    rec = res["records"]
    rows.append(("StepPack records: cattrs / hand-written time", f"{rec['read_ratio']:.2f}×",
                 f"structure; unstructure {rec['write_ratio']:.2f}×"))  # fmt: skip
    dsl = res["dsl"]
    ratio = dsl["seconds"]["parse_program"] / dsl["seconds"]["split_tactics"]
    rows.append(("DSL parse, tactics.tm programs", f"{dsl['lines_per_s']:,.0f} lines/s",
                 f"{dsl['blocks']} programs, {dsl['lines']} lines; {ratio:.1f}× the .tm splitter"))  # fmt: skip
    for name, d in res["deep"].items():
        rows.append((f"100 000 {name}: loads", fmt_s(d["seconds"]["loads"]), f"{d['bytes'] / MB:.1f} MB"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tactic-mesh JSON codec benchmarks (reported, not asserted)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    args = parser.parse_args(argv)
    if args.json:
        to_stderr()
    runs = 3 if args.quick else 7
    started = time.perf_counter()
    say(f"tactic-mesh codec benchmark ({'quick' if args.quick else 'full'}) - Python {sys.version.split()[0]} "
        f"on {sys.platform}, {os.cpu_count()} CPUs")  # fmt: skip
    states, programs, check_s = library_states()
    steps = [s for st in states for s in st.steps]
    say(f"   corpus: basics.tm + tactics.tm checked in {fmt_s(check_s)}: {len(states)} tactic proofs, "
        f"{len(steps)} StepPacks, {len(programs)} tactic programs")  # fmt: skip
    env = states[-1].environment
    prov = Provenance.of(env)
    res: dict[str, Any] = {"mode": "quick" if args.quick else "full", "python": sys.version.split()[0]}
    res["trace"] = bench_corpus("1. one trace document: every StepPack of the library's tactic proofs",
                                [("trace", ProofTrace(tuple(steps)), prov, None)], runs)  # fmt: skip
    res["states"] = bench_corpus("2. every final proof state, one document each",
                                 [("state", s, s.provenance, s.environment) for s in states], runs)  # fmt: skip
    res["programs"] = bench_corpus("3. every tactic program that ran, one document each",
                                   [("program", p, prov, None) for p in programs], runs)  # fmt: skip
    res["records"] = bench_records(steps, runs)
    res["deep"] = bench_deep(max(1, runs // 2))
    res["dsl"] = bench_dsl(runs)
    res["checks"] = bench_checks([je.dumps("state", s) for s in states], runs)
    return finish(res, started, summary, args.json)


if __name__ == "__main__":
    sys.exit(main())
