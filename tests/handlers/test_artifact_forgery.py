"""Forged artifacts — made consistent by a forger who re-encodes them — are refused by replay and
by ``graph``: cycles, sorry, a swapped statement, edited step records, a state that is not fresh."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from immutables import Map

from tactic_mesh.calculus.assembly import AssemblyStep, Commit, ProofAssemblyTrace
from tactic_mesh.cli.main import main
from tactic_mesh.codecs.json_envelope import dump_gz
from tactic_mesh.kernel.expr import App, Const, MVar
from tactic_mesh.kernel.level import LZero
from tactic_mesh.kernel.mctx import MetavarContext
from tactic_mesh.proofs.artifacts import (
    ArtifactError,
    assemble_term,
    environment_for,
    load_assembly,
    read_header,
    replay_artifact,
)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("orig")
    assert main(["prove", "∀ p q : Prop, p ∧ q → q ∧ p", "--trace", str(out), "--name", "and_swap"]) == 0
    return out / "and_swap_assembly.json.gz"


def _load(path: Path) -> ProofAssemblyTrace:
    return load_assembly(path, environment_for(read_header(path).source))


def _refused(trace: ProofAssemblyTrace, tmp_path: Path, message: str) -> None:
    path = tmp_path / "and_swap_assembly.json.gz"
    path.write_bytes(dump_gz("assembly", trace))
    with pytest.raises(ArtifactError, match=message):
        replay_artifact(path)


def _one_step(trace: ProofAssemblyTrace, value: object) -> ProofAssemblyTrace:
    root = trace.initial.partial_term
    assert isinstance(root, MVar)
    commit = Commit(root.id, (), (root.id,), "AssignMetavar", 0, MetavarContext(assignments=Map({root.id: value})))
    step = AssemblyStep(0, commit, root, value, trace.steps[0].holes_before, ())  # type: ignore[arg-type]
    return attrs.evolve(trace, steps=(step,), proof_term=value)  # type: ignore[arg-type]


def test_a_cyclic_assignment_is_refused(original: Path, tmp_path: Path) -> None:
    trace = _load(original)
    root = trace.initial.partial_term
    _refused(_one_step(trace, root), tmp_path, "cyclic assignment")


def test_a_proof_by_sorry_is_refused(original: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = _load(original)
    sorry = App(Const("sorryAx", (LZero(),)), trace.statement)
    _refused(_one_step(trace, sorry), tmp_path, "rests on sorry")
    assert main(["prove", "False", "--by", "exact sorry", "--trace", str(tmp_path / "s")]) == 1
    assert "sorry" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_edited_step_records_are_refused(original: Path, tmp_path: Path) -> None:
    trace = _load(original)
    last = trace.steps[-1]
    closed = attrs.evolve(last, commit=attrs.evolve(last.commit, closed=(last.commit.parent, 42)))
    _refused(attrs.evolve(trace, steps=(*trace.steps[:-1], closed)), tmp_path, "records closing")
    via = attrs.evolve(last, commit=attrs.evolve(last.commit, via="Sorry"))
    _refused(attrs.evolve(trace, steps=(*trace.steps[:-1], via)), tmp_path, "unknown committing operation")


def test_a_state_that_is_not_fresh_is_refused(original: Path, tmp_path: Path) -> None:
    trace = _load(original)
    assert trace.proof_term is not None
    root = trace.initial.partial_term
    assert isinstance(root, MVar)
    mctx = trace.initial.metavar_graph
    solved = attrs.evolve(trace.initial, metavar_graph=attrs.evolve(
        mctx, assignments=mctx.assignments.set(root.id, trace.proof_term)), active_obligations=())
    _refused(attrs.evolve(trace, initial=solved, steps=()), tmp_path, "does not start from a fresh state")


def test_a_swapped_statement_is_refused(tmp_path: Path) -> None:
    """An artifact for `n_eq`, made in n_eq's own environment, but proving `True`."""
    source = tmp_path / "s.tm"
    source.write_text("theorem n_eq (n : Nat) : n + 0 = n := by\n  rfl\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["check", str(source), "--trace", str(out), "-q"]) == 0
    src = read_header(out / "n_eq_assembly.json.gz").source
    forged = assemble_term(environment_for(src), "n_eq", Const("True", ()), (), Const("True.intro", ()), src)
    path = tmp_path / "n_eq_assembly.json.gz"
    path.write_bytes(dump_gz("assembly", forged))
    with pytest.raises(ArtifactError, match="not the one the source declares"):
        replay_artifact(path)


def test_graph_draws_only_traces_that_replay(original: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    trace = _load(original)
    step = trace.steps[1]
    retargeted = attrs.evolve(step, commit=attrs.evolve(step.commit, parent=123456789))
    path = tmp_path / "and_swap_assembly.json.gz"
    path.write_bytes(dump_gz("assembly", attrs.evolve(trace, steps=(trace.steps[0], retargeted, *trace.steps[2:]))))
    assert main(["graph", str(path), "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert "replay step 1" in err and "internal error" not in err
