"""Proof artifacts (DESIGN §8): writing them, rebuilding the environment they were made in, and
replaying them.

Per theorem, ``<theorem>_assembly.json.gz`` (the ``ProofAssemblyTrace``: how the term was
assembled) and ``<theorem>_proof_term.json.gz`` (a kernel certificate of the replayed term).  An
artifact names its source — the library (``("library", "basics")``) or the files it was checked
from and the theorem it precedes — so a replay can rebuild the environment.  ``replay_artifact``
compares provenance first, field by field, and refuses to run on any difference; then it replays
the recorded commits in a fresh state, checks that every recorded step (partial terms, open
goals) and the recorded term are what the replay rebuilds, and has the kernel check the term.
Nothing is repaired: the first difference is the error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import attrs

from tactic_mesh.calculus.assembly import (
    ProofAssemblyTrace,
    ReplayError,
    assemble,
    kernel_check,
    replay_from,
    tracing,
)
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import KERNEL_VERSION, ProofState, Provenance
from tactic_mesh.calculus.terms import Op, VExpr, VGoal
from tactic_mesh.codecs.json_artifacts import KernelCertificate
from tactic_mesh.codecs.json_base import DEFAULT_LIMITS, CodecError
from tactic_mesh.codecs.json_envelope import dump_gz, load_gz
from tactic_mesh.codecs.json_limits import gunzip, parse_text, text_of_bytes
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.kernel.environment import Environment, TheoremDecl
from tactic_mesh.kernel.errors import Location, TacticMeshError
from tactic_mesh.kernel.expr import MVar
from tactic_mesh.kernel.fingerprint import environment_hash
from tactic_mesh.proofs.library import library_env, start_environment

ASSEMBLY_SUFFIX = "_assembly.json.gz"
PROOF_TERM_SUFFIX = "_proof_term.json.gz"
Source = tuple[tuple[str, str], ...]
T = TypeVar("T")


class ArtifactError(TacticMeshError):
    """An artifact that cannot be used: unreadable, malformed, incompatible, or not replaying."""


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


def file_stem(theorem: str) -> str:
    """A file-name-safe stem for a theorem name, one-to-one (``Nat.add_comm`` stays as it is,
    ``foo'`` becomes ``foo%27``)."""
    stem = quote(theorem, safe="")
    return stem if stem and not stem.startswith(".") else "%" + stem


def certificate_of(trace: ProofAssemblyTrace) -> KernelCertificate:
    if trace.proof_term is None:
        raise ArtifactError(f"{trace.theorem}: the proof is not complete")
    return KernelCertificate(trace.statement, trace.proof_term, trace.level_params, trace.provenance)


def write_artifacts(directory: Path, trace: ProofAssemblyTrace) -> tuple[Path, Path]:
    """Write the two artifacts of a completed trace into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = file_stem(trace.theorem)
    assembly, proof_term = directory / (stem + ASSEMBLY_SUFFIX), directory / (stem + PROOF_TERM_SUFFIX)
    certificate = certificate_of(trace)
    assembly.write_bytes(dump_gz("assembly", trace))
    proof_term.write_bytes(dump_gz("certificate", certificate))
    return assembly, proof_term


def assemble_term(env: Environment, theorem: str, statement: object, level_params: tuple[str, ...],
                  value: object, source: Source) -> ProofAssemblyTrace:
    """The one-step assembly of a term-mode proof: the whole term closes the root goal."""
    from tactic_mesh.kernel.expr import Expr

    assert isinstance(statement, Expr) and isinstance(value, Expr)
    state = ProofState.initial(env, statement, level_params=level_params).traced()
    program = Op("AssignMetavar", (VGoal("main"), VExpr(value)))
    result = Machine({"kernel": KernelHandler()}).first(program, state, ["kernel"])
    if not isinstance(result, Success):
        raise ArtifactError(f"{theorem}: the term does not close its goal ({getattr(result, 'reason', result)})")
    return attrs.evolve(assemble(result.state), theorem=theorem, source=source)


def files_source(files: Sequence[Path], theorem: str) -> Source:
    return (("files", ";".join(str(f.resolve()) for f in files)), ("sha256", _digest(files)), ("before", theorem))


class TraceWriter:
    """Collects the assembly of every theorem a ``FileChecker`` admits (as its theorem hook, with
    ``sink`` as the ``ASSEMBLY_SINK`` of the ``by`` blocks) and writes its artifacts."""

    def __init__(self, directory: Path, files: Sequence[Path]) -> None:
        self.directory = directory
        self.files = list(files)
        self.pending: ProofAssemblyTrace | None = None
        self.written: list[tuple[str, Path, Path]] = []
        self.errors: list[tuple[str, str]] = []

    def sink(self, trace: ProofAssemblyTrace) -> None:
        self.pending = trace

    def hook(self, name: str, env_before: Environment, decl: TheoremDecl, by_block: bool, loc: Location) -> None:
        pending, self.pending = self.pending, None
        source = files_source(self.files, name)
        try:
            if by_block:
                if pending is None:
                    raise ArtifactError(f"{name}: the tactic block left no assembly trace")
                trace = attrs.evolve(pending, theorem=name, source=source)
            else:
                trace = assemble_term(env_before, name, decl.type, decl.level_params, decl.value, source)
            assembly, proof_term = write_artifacts(self.directory, trace)
        except (TacticMeshError, OSError) as err:
            self.errors.append((name, f"{loc}: {getattr(err, 'message', str(err))}"))
            return
        self.written.append((name, assembly, proof_term))


# ---------------------------------------------------------------------------------------------
# environments
# ---------------------------------------------------------------------------------------------


_file_envs: dict[tuple[str, str], dict[str, tuple[Environment, TheoremDecl]]] = {}


def _digest(files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def _envs_before_theorems(files: Sequence[Path]) -> dict[str, tuple[Environment, TheoremDecl]]:
    """Check ``files`` (as ``tactic-mesh check`` does) and keep, for each theorem, the environment
    before it and its declaration."""
    from tactic_mesh.handlers.blocks import prove_by_block
    from tactic_mesh.kernel.commands import FileChecker
    from tactic_mesh.kernel.deep import run_deep

    before: dict[str, tuple[Environment, TheoremDecl]] = {}

    def hook(name: str, env: Environment, decl: TheoremDecl, _by: bool, _loc: Location) -> None:
        before[name] = (env, decl)

    checker = FileChecker(start_environment(files), tactic_runner=prove_by_block)
    checker.theorem_hook = hook
    for f in files:
        run_deep(checker.check_file, f)
    return before


def environment_for(source: Source) -> Environment:
    """Rebuild the environment an artifact was made in, from its source."""
    return _rebuild(source)[0]


def _rebuild(source: Source) -> tuple[Environment, TheoremDecl | None]:
    """The environment of a source, and the declaration of the theorem it precedes (if any)."""
    fields = dict(source)
    if "library" in fields:
        return library_env(fields["library"]), None
    if "files" not in fields or "before" not in fields:
        raise ArtifactError(f"the artifact's source does not say how to rebuild its environment: {fields}")
    files = [Path(p) for p in fields["files"].split(";") if p]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ArtifactError(f"the source file(s) of the artifact are missing: {', '.join(missing)}")
    digest = _digest(files)
    if fields.get("sha256") != digest:
        raise ArtifactError(f"the source files changed since the artifact was made (sha256 recorded "
                            f"{fields.get('sha256')!r}, now {digest!r})")
    key = (fields["files"], digest)
    if key not in _file_envs:
        _file_envs[key] = _envs_before_theorems(files)
    found = _file_envs[key].get(fields["before"])
    if found is None:
        raise ArtifactError(f"the source files no longer prove '{fields['before']}'")
    return found


# ---------------------------------------------------------------------------------------------
# reading and replaying
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Header:
    kind: str
    provenance: Provenance
    theorem: str
    source: Source


def read_header(path: Path) -> Header:
    """The kind, provenance, theorem and source of an artifact, read without its environment."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ArtifactError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        doc = parse_text(text_of_bytes(gunzip(data, DEFAULT_LIMITS)), DEFAULT_LIMITS)
        if not isinstance(doc, dict) or not isinstance(doc.get("schema"), str):
            raise CodecError("$", "not a tactic-mesh document", "an object with a schema", type(doc).__name__)
        kind = doc["schema"].removeprefix("tactic-mesh/")
        from tactic_mesh.codecs.json_state import StateReader

        provenance = StateReader(DEFAULT_LIMITS).read_provenance(doc.get("provenance"), "$.provenance")
        root = doc.get("body", {}).get("root", {}) if isinstance(doc.get("body"), dict) else {}
        theorem = root.get("theorem", "") if isinstance(root, dict) else ""
        raw_source = root.get("source", []) if isinstance(root, dict) else []
        if not isinstance(theorem, str) or not isinstance(raw_source, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in raw_source):
            raise CodecError("$.body.root", "malformed theorem or source", "strings", "something else")
        source = tuple((p[0], p[1]) for p in raw_source)
    except CodecError as err:
        raise ArtifactError(f"{path}: {err.message}") from None
    return Header(kind, provenance, theorem, source)


def provenance_differences(recorded: Provenance, here: Provenance) -> list[str]:
    """Every replay-critical field that differs, as ``field: recorded …, here …``."""
    return [f"{f}: recorded {getattr(recorded, f)!r}, here {getattr(here, f)!r}"
            for f in Provenance.REPLAY_CRITICAL if getattr(recorded, f) != getattr(here, f)]


@attrs.frozen
class ReplayReport:
    path: Path
    theorem: str
    steps: int
    complete: bool
    trace: ProofAssemblyTrace | None = attrs.field(default=None, eq=False, repr=False)


def _check_compatible(path: Path, header: Header, env: Environment) -> None:
    here = Provenance(KERNEL_VERSION, environment_hash(env), ())  # a replay runs with the default options
    diffs = provenance_differences(header.provenance, here)
    if diffs:
        raise ArtifactError(f"{path}: incompatible provenance, the replay refuses to run:\n  " + "\n  ".join(diffs))


def load_assembly(path: Path, env: Environment) -> ProofAssemblyTrace:
    try:
        trace = load_gz(path.read_bytes(), "assembly", env=env)
    except CodecError as err:
        raise ArtifactError(f"{path}: {err.message}") from None
    assert isinstance(trace, ProofAssemblyTrace)
    return trace


def replay_trace(trace: ProofAssemblyTrace, where: str = "") -> int:
    """Replay a decoded trace in a fresh state and check it against what it records; the
    number of steps replayed (raises ``ArtifactError``)."""
    prefix = f"{where}: " if where else ""
    initial = trace.initial
    mctx = initial.metavar_graph
    root = initial.partial_term
    if not (isinstance(root, MVar) and initial.active_obligations == (root.id,) and not mctx.assignments
            and not mctx.delayed and not mctx.level_assignments):
        raise ArtifactError(f"{prefix}the trace does not start from a fresh state (one open goal, nothing assigned)")
    if mctx.decl(root.id).type != trace.statement or initial.level_params != trace.level_params:
        raise ArtifactError(f"{prefix}the initial goal is not the recorded statement")
    try:
        replayed = replay_from(trace.initial, trace.commits)
    except ReplayError as err:
        raise ArtifactError(prefix + err.message) from None
    for recorded, rebuilt in zip(trace.steps, replayed.steps, strict=True):
        for field in ("before", "after", "holes_before", "holes_after"):
            if getattr(recorded, field) != getattr(rebuilt, field):
                raise ArtifactError(f"{prefix}replay step {recorded.index}: the recorded {field.replace('_', ' ')} "
                                    "is not what the step builds (the artifact was changed)")
    if replayed.term != trace.proof_term:
        raise ArtifactError(f"{prefix}the recorded proof term is not the one the steps assemble")
    if replayed.term is None:
        raise ArtifactError(f"{prefix}the steps leave {len(replayed.goals)} goal(s) open")
    try:
        kernel_check(trace.initial.environment, replayed.term, trace.statement, trace.level_params)
    except ReplayError as err:
        raise ArtifactError(prefix + err.message) from None
    except TacticMeshError as err:
        raise ArtifactError(f"{prefix}the kernel rejects the replayed term: {err.message}") from None
    return len(replayed.steps)


def load_checked(path: Path) -> ProofAssemblyTrace:
    """An assembly artifact, decoded in the environment it names after the provenance check, tied
    to the theorem its source declares, and replayed (raises ``ArtifactError``)."""
    header = read_header(path)
    if header.kind != "assembly":
        raise ArtifactError(f"{path}: not an assembly artifact (kind '{header.kind}')")
    if not header.source:
        raise ArtifactError(f"{path}: the artifact does not name its source")
    env, decl = _rebuild(header.source)
    _check_compatible(path, header, env)
    trace = load_assembly(path, env)
    if decl is not None and (decl.type != trace.statement or decl.level_params != trace.level_params):
        raise ArtifactError(f"{path}: the recorded statement is not the one the source declares for '{decl.name}'")
    if decl is not None and trace.theorem != decl.name:
        raise ArtifactError(f"{path}: the artifact names '{trace.theorem}', its source '{decl.name}'")
    replay_trace(trace, str(path))
    return trace


def replay_artifact(path: Path) -> ReplayReport:
    """Replay one artifact (an assembly, or a proof term whose assembly sits next to it)."""
    header = read_header(path)
    if header.kind == "certificate":
        assembly_path = path.with_name(path.name.removesuffix(PROOF_TERM_SUFFIX) + ASSEMBLY_SUFFIX)
        if not path.name.endswith(PROOF_TERM_SUFFIX) or not assembly_path.is_file():
            raise ArtifactError(f"{path}: a proof term is replayed from its assembly ({assembly_path.name}), "
                                "which is missing")
        report = replay_artifact(assembly_path)
        try:
            certificate = load_gz(path.read_bytes(), "certificate")
        except CodecError as err:
            raise ArtifactError(f"{path}: {err.message}") from None
        assert report.trace is not None
        if certificate != certificate_of(report.trace):
            raise ArtifactError(f"{path}: the proof term is not the one its assembly replays to")
        return report
    if header.kind != "assembly":
        raise ArtifactError(f"{path}: not a proof artifact (kind '{header.kind}')")
    trace = load_checked(path)
    return ReplayReport(path, trace.theorem, len(trace.steps), True, trace)


def artifacts_in(paths: Sequence[Path]) -> list[Path]:
    """The artifacts named: files as they are, directories by their ``*_assembly.json.gz``."""
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.glob("*" + ASSEMBLY_SUFFIX)) if p.is_dir() else [p])
    return out


def traced_run(fn: Callable[[], T], sink: Callable[[ProofAssemblyTrace], None]) -> T:
    """Run ``fn`` with tracing on and ``sink`` receiving every assembly."""
    from tactic_mesh.calculus.assembly import ASSEMBLY_SINK

    token = ASSEMBLY_SINK.set(sink)
    try:
        with tracing():
            return fn()
    finally:
        ASSEMBLY_SINK.reset(token)



def describe_steps(trace: ProofAssemblyTrace) -> list[str]:
    """The assembly for people: per step, the goal, the operation, and the partial term after it
    with the goals still open."""
    from tactic_mesh.kernel.printer import Printer

    printer = Printer(trace.initial.environment, display=True)
    lines = [f"theorem {trace.theorem} : {printer.print(trace.statement)}"]
    for step in trace.steps:
        c = step.commit
        lines.append(f"  step {step.index}: {c.target} by {c.via}, opens {len(c.opened)}, "
                     f"{len(step.holes_after)} goal(s) left")
        lines.append(f"    {printer.print(step.after)}")
    return lines
