"""JSON round trips on everything the theorem library produces: the types and values of every
constant of prelude + basics.tm + tactics.tm, the proof states, StepPacks, programs and traces of
running every tactic proof, kernel certificates of every tactic theorem (re-checked after
decoding), in plain JSON text and gzip.

The library run is shared with the other ``test_json_*`` modules through ``library()``."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from tactic_mesh.calculus.state import ProofState, Provenance
from tactic_mesh.calculus.steppack import StepPack
from tactic_mesh.calculus.terms import Term
from tactic_mesh.codecs.json_artifacts import KernelCertificate, KernelExpr, ProofTrace
from tactic_mesh.codecs.json_envelope import decode, dump_gz, dumps, encode, load_gz, loads, read_document
from tactic_mesh.handlers import blocks as tactic_block
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment, TheoremInfo
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.prelude import prelude

REPO = Path(__file__).resolve().parents[2]
LIBRARY = [REPO / "tactic_mesh" / "proofs" / "basics.tm", REPO / "tactic_mesh" / "proofs" / "tactics.tm"]


@attrs.frozen
class Run:
    """One tactic proof of the library: its states before and after the block, the programs run."""

    initial: ProofState
    final: ProofState
    programs: tuple[Term, ...]
    block: str = ""  # the `by` block's text


@attrs.frozen
class Library:
    env: Environment  # prelude + basics.tm + tactics.tm
    runs: tuple[Run, ...]
    tactic_theorems: tuple[str, ...]


@functools.cache
def library() -> Library:
    """Check the library with the tactic runner, recording every ``by`` block's states."""
    runs: list[Run] = []
    original = tactic_block.run_block

    def recording(*args: object, **kwargs: object) -> tuple[ProofState, list[tuple[object, Term]]]:
        final, log = original(*args, **kwargs)  # type: ignore[arg-type]
        initial = next(a for a in args if isinstance(a, ProofState))
        block = args[0] if isinstance(args[0], str) else ""
        runs.append(Run(initial, final, tuple(program for _, program in log), block))
        return final, log

    checker = FileChecker(prelude(), tactic_runner=tactic_block.prove_by_block)
    tactic_block.run_block = recording  # type: ignore[assignment]
    try:
        names: list[str] = []
        for path in LIBRARY:
            out = run_deep(checker.check_text, path.read_text(encoding="utf-8"), str(path))
            assert all(r.ok for r in out), [f"{r.loc}: {r.name}: {r.message}" for r in out if not r.ok]
            if path.name == "tactics.tm":
                names = [r.name for r in out if r.kind == "theorem"]
    finally:
        tactic_block.run_block = original
    assert len(runs) >= 80, "the library run recorded too few tactic proofs"
    return Library(checker.env, tuple(runs), tuple(names))


def all_exprs(env: Environment) -> Iterator[Expr]:
    for info in env.constants().values():
        yield info.type
        value = getattr(info, "value", None)
        if isinstance(value, Expr):
            yield value


def provenance(env: Environment) -> Provenance:
    return Provenance.of(env, (("codec-test", "1"),))


# ---------------------------------------------------------------------------------------------


def test_every_constant_type_and_value_round_trips() -> None:
    lib = library()
    prov = provenance(lib.env)
    count = 0
    for e in all_exprs(lib.env):
        ke = KernelExpr.of(e)
        back = decode(encode("expr", ke, prov), "expr")
        assert back == ke and back.expr is e  # hash-consing: the very same object
        count += 1
    assert count > 500


def test_all_constants_in_one_document_share_nodes() -> None:
    """One trace document holding every expression as a proof term of a pseudo-step list: each
    distinct sub-term is written once (the node table is no larger than the DAG)."""
    from tactic_mesh.codecs.json_state import StateWriter

    lib = library()
    w = StateWriter()
    exprs = list(all_exprs(lib.env))
    for e in exprs:
        w.expr(e)
    distinct: set[int] = set()
    for e in exprs:
        from tactic_mesh.kernel.expr import subterms

        distinct.update(id(s) for s in subterms(e))
    assert len(w.exprs) == len(distinct)


def test_final_and_initial_states_round_trip() -> None:
    lib = library()
    for run in lib.runs:
        for state in (run.initial, run.final):
            doc = encode("state", state)
            back = decode(doc, "state", env=state.environment)
            assert back == state
            assert encode("state", back) == doc  # canonical: re-encoding gives the same document


def test_states_round_trip_through_text_and_gzip() -> None:
    lib = library()
    for run in lib.runs[::7]:
        state = run.final
        assert loads(dumps("state", state), "state", env=state.environment) == state
        assert load_gz(dump_gz("state", state), "state", env=state.environment) == state


def test_steppacks_and_traces_round_trip() -> None:
    lib = library()
    steps = 0
    for run in lib.runs:
        prov = run.final.provenance
        for step in run.final.steps:
            assert decode(encode("steppack", step, prov), "steppack") == step
            steps += 1
        trace = ProofTrace(run.final.steps, run.final.proof_term())
        assert decode(encode("trace", trace, prov), "trace") == trace
        assert load_gz(dump_gz("trace", trace, prov), "trace", expect_provenance=prov) == trace
    assert steps > 500


def test_steppack_holes_carry_their_declarations() -> None:
    """With the state's metavariable context, a StepPack document carries the declaration (type
    and local context) of every hole it mentions."""
    lib = library()
    for run in lib.runs[::5]:
        mctx = run.final.metavar_graph
        for step in run.final.steps:
            doc = read_document(encode("steppack", step, run.final.provenance, mctx=mctx.decls), "steppack")
            assert doc.value == step
            for child, _ in step.child_interface:
                assert doc.holes[child] == mctx.decls[child]
            for mid, decl in doc.holes.items():
                assert mctx.decls[mid] == decl


def test_programs_of_every_tactic_call_round_trip() -> None:
    lib = library()
    n = 0
    for run in lib.runs:
        for program in run.programs:
            prov = run.final.provenance
            assert decode(encode("program", program, prov), "program") == program
            n += 1
    assert n > 200


def test_whole_by_block_programs_round_trip() -> None:
    """Every `by` block of the library as one program (its tactics as deferred nodes)."""
    from tactic_mesh.calculus.tactic_syntax import split_block
    from tactic_mesh.calculus.tactics import defer_seq

    lib = library()
    prov = provenance(lib.env)
    blocks = [run.block for run in lib.runs if run.block]
    assert len(blocks) == len(lib.runs)
    for block in blocks:
        program = defer_seq(split_block(block, 1, 1))
        assert loads(dumps("program", program, prov), "program") == program


def test_certificates_round_trip_and_recheck() -> None:
    lib = library()
    prov = Provenance.of(lib.env)
    assert len(lib.tactic_theorems) >= 80
    for name in lib.tactic_theorems:
        info = lib.env.find(name)
        assert isinstance(info, TheoremInfo)
        cert = KernelCertificate(info.type, info.value, info.level_params, prov)
        back = load_gz(dump_gz("certificate", cert), "certificate", expect_provenance=prov)
        assert back == cert
        back.recheck(lib.env)  # the receiver re-checks with its own kernel


@pytest.mark.parametrize("kind", ["expr", "program", "steppack", "trace"])
def test_documents_are_deterministic(kind: str) -> None:
    lib = library()
    run = lib.runs[len(lib.runs) // 2]
    value: object = {
        "expr": KernelExpr.of(run.final.proof_term()),
        "program": run.programs[0],
        "steppack": run.final.steps[0],
        "trace": ProofTrace(run.final.steps, run.final.proof_term()),
    }[kind]
    prov = run.final.provenance
    assert dumps(kind, value, prov) == dumps(kind, value, prov)
    assert dump_gz(kind, value, prov) == dump_gz(kind, value, prov)  # no timestamp in the gzip header


def test_steppack_records_are_what_cattrs_derives() -> None:
    """The StepPack JSON object is the field-by-field structure of the attrs classes."""
    from tactic_mesh.codecs.json_state import StateWriter

    step = next(s for run in library().runs for s in run.final.steps if len(s.child_interface) >= 2)
    w = StateWriter()
    record = w.steps[w.step(step)]
    assert list(record) == [f.name for f in attrs.fields(StepPack)]
    assert list(record["coupling"]) == ["child_obligations", "shared_metavars", "dependency_edges", "kind"]
    assert record["coupling"]["kind"] == step.coupling.kind.value
    assert record["parent_type"] == w.expr_index[step.parent_type]
    assert record["child_interface"] == [[g, w.expr_index[ty]] for g, ty in step.child_interface]
