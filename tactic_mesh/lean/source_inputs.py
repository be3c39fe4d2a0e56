"""What an export reads: the shipped library, ``.tm`` files, or proof artifacts.

* No input: the shipped library (the prelude, ``basics.tm`` and ``tactics.tm``), every declaration.
* ``.tm`` files: checked in order on top of the prelude, as ``tactic-mesh check`` does (every
  declaration goes through the kernel; the first file may be the prelude itself); the whole
  resulting environment is exported.
* Proof artifacts (``*_proof_term.json.gz``, or ``*_assembly.json.gz``): the theorem each proves and
  what it depends on.  A proof term next to its assembly is replayed from it (``replay_artifact``:
  provenance compared, steps rebuilt in a fresh state, kernel check); one without its assembly is
  accepted when its provenance names a shipped library's environment, and the kernel re-checks it
  there.  Artifacts from several environments are combined when each environment is contained in
  the combined one (the theorems of a file's artifacts, for instance).

Each declaration's source — ``file:line:col`` and the tactic script of a ``by`` proof — is read
from the ``.tm`` text (``sources_of_text``), for the comments and the error messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

import attrs

from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import Location, TacticMeshError
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.lean.source import DeclSource

if TYPE_CHECKING:
    from tactic_mesh.codecs.json_artifacts import KernelCertificate

LIBRARY = "all"
PROOF_TERM_SUFFIX = "_proof_term.json.gz"
ASSEMBLY_SUFFIX = "_assembly.json.gz"


class ExportInputError(TacticMeshError):
    """An input that cannot be used: missing, unreadable, of an unknown kind, or a malformed or
    incompatible artifact."""


class ExportCheckError(TacticMeshError):
    """A ``.tm`` input whose declarations do not check; ``failures`` lists each (location, message)."""

    def __init__(self, failures: Sequence[tuple[Location, str]]) -> None:
        first_loc, first_message = failures[0]
        super().__init__(first_message, first_loc)
        self.failures = tuple(failures)


@attrs.frozen
class ExportInput:
    """An environment and what of it to export (``names`` None: everything)."""

    env: Environment
    names: tuple[str, ...] | None
    sources: dict[str, DeclSource]
    files: tuple[str, ...]


def sources_of_text(text: str, filename: str) -> dict[str, DeclSource]:
    """The declarations of a ``.tm`` text: where each is, and the ``by`` block that proves it."""
    from tactic_mesh.kernel.syntax import (
        AxiomCmd,
        ByBlock,
        DefCmd,
        InductiveCmd,
        InstanceCmd,
        StructureCmd,
        TheoremCmd,
        parse_file,
    )

    try:
        commands = parse_file(text, filename)
    except TacticMeshError:
        return {}
    out: dict[str, DeclSource] = {}
    for cmd in commands:
        loc = Location(filename, cmd.pos.line, cmd.pos.col)
        if isinstance(cmd, (TheoremCmd, DefCmd)):
            script = cmd.value.text if isinstance(cmd.value, ByBlock) else None
            out[cmd.header.name] = DeclSource(loc, script)
        elif isinstance(cmd, (AxiomCmd, InductiveCmd, StructureCmd)):
            out[cmd.header.name] = DeclSource(loc)
        elif isinstance(cmd, InstanceCmd) and cmd.name is not None:
            out[cmd.name] = DeclSource(loc)
    return out


def library_input(library: str = LIBRARY) -> ExportInput:
    """The shipped library (``all``: the prelude, ``basics.tm``, ``tactics.tm``)."""
    from tactic_mesh.proofs.library import library_env, library_sources

    sources: dict[str, DeclSource] = {}
    files: list[str] = []
    for i, (name, text) in enumerate(library_sources(library)):
        where = f"<prelude>/{name}" if i == 0 else f"<library>/{name}"
        files.append(where)
        sources.update(sources_of_text(text, where))
    return ExportInput(library_env(library), None, sources, tuple(files))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExportInputError(f"{path}: no such file", Location(str(path), 1, 1)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ExportInputError(f"{path}: cannot read: {getattr(err, 'strerror', None) or err}",
                               Location(str(path), 1, 1)) from None


def tm_input(paths: Sequence[Path]) -> ExportInput:
    """``.tm`` files checked in order on top of the prelude (raises ``ExportCheckError`` listing
    every declaration that does not check)."""
    from tactic_mesh.handlers.blocks import prove_by_block
    from tactic_mesh.kernel.commands import FileChecker
    from tactic_mesh.kernel.deep import run_deep
    from tactic_mesh.kernel.prelude import PRELUDE_FILE, prelude_text
    from tactic_mesh.proofs.library import start_environment

    texts = [(p, _read(p)) for p in paths]
    env = start_environment(list(paths))
    sources: dict[str, DeclSource] = {}
    files: list[str] = []
    if len(env):  # on top of the prelude
        files.append(f"<prelude>/{PRELUDE_FILE}")
        sources.update(sources_of_text(prelude_text(), files[0]))
    checker = FileChecker(env, tactic_runner=prove_by_block)
    failures: list[tuple[Location, str]] = []
    for path, text in texts:
        results = run_deep(checker.check_text, text, str(path))
        failures.extend((r.loc, f"{r.kind} {r.name}: {r.message}".replace("  ", " ")) for r in results if not r.ok)
        files.append(str(path))
        sources.update(sources_of_text(text, str(path)))
    if failures:
        raise ExportCheckError(failures)
    return ExportInput(checker.env, None, sources, tuple(files))


@attrs.frozen
class _Proof:
    env: Environment  # the environment the theorem was proved in (before it)
    theorem: str
    statement: Expr
    proof: Expr
    level_params: tuple[str, ...]
    source: DeclSource


def _library_with_hash(env_hash: str) -> Environment | None:
    from tactic_mesh.kernel.fingerprint import environment_hash
    from tactic_mesh.proofs.library import LIBRARIES, library_env

    for library in LIBRARIES:
        env = library_env(library)
        if environment_hash(env) == env_hash:
            return env
    return None


def _source_of(theorem: str, source: tuple[tuple[str, str], ...], path: Path, steps: int) -> DeclSource:
    """The theorem's location and script in the files the artifact names (if it names files)."""
    fields = dict(source)
    note = f"from the proof artifact {path}: {steps} step(s) replayed in one fresh state, the term kernel-checked"
    if "files" in fields:
        for f in fields["files"].split(";"):
            if not f:
                continue
            try:
                found = sources_of_text(Path(f).read_text(encoding="utf-8"), f).get(theorem)
            except (OSError, UnicodeDecodeError):
                found = None
            if found is not None:
                return attrs.evolve(found, notes=(note,))
    return DeclSource(None, None, (note,))


def _load_proof(path: Path) -> _Proof:
    from tactic_mesh.codecs.json_artifacts import KernelCertificate
    from tactic_mesh.codecs.json_base import CodecError
    from tactic_mesh.codecs.json_envelope import load_gz
    from tactic_mesh.proofs.artifacts import ArtifactError, load_checked, read_header, replay_artifact

    if not path.is_file():
        raise ExportInputError(f"{path}: no such file", Location(str(path), 1, 1))
    try:
        header = read_header(path)
        if header.kind == "assembly":
            trace = load_checked(path)
        elif header.kind == "certificate":
            assembly = path.with_name(path.name.removesuffix(PROOF_TERM_SUFFIX) + ASSEMBLY_SUFFIX)
            if path.name.endswith(PROOF_TERM_SUFFIX) and assembly.is_file():
                report = replay_artifact(path)  # the assembly replayed, the proof term compared with it
                assert report.trace is not None
                trace = report.trace
            else:
                certificate = load_gz(path.read_bytes(), "certificate")
                assert isinstance(certificate, KernelCertificate)
                return _lone_certificate(path, certificate)
        else:
            raise ExportInputError(f"{path}: not a proof artifact (its kind is '{header.kind}')",
                                   Location(str(path), 1, 1))
    except (ArtifactError, CodecError) as err:
        raise ExportInputError(err.message if str(path) in err.message else f"{path}: {err.message}",
                               Location(str(path), 1, 1)) from None
    if trace.proof_term is None:
        raise ExportInputError(f"{path}: the proof is not complete", Location(str(path), 1, 1))
    source = _source_of(trace.theorem, trace.source, path, len(trace.steps))
    return _Proof(trace.initial.environment, trace.theorem, trace.statement, trace.proof_term,
                  trace.level_params, source)


def _lone_certificate(path: Path, certificate: KernelCertificate) -> _Proof:
    env = _library_with_hash(certificate.provenance.environment_hash)
    where = Location(str(path), 1, 1)
    if env is None:
        raise ExportInputError(
            f"{path}: its environment (hash {certificate.provenance.environment_hash[:16]}…) is not a shipped "
            f"library's; keep its {ASSEMBLY_SUFFIX} next to it so that it can be replayed", where)
    try:
        certificate.recheck(env)
    except TacticMeshError as err:
        raise ExportInputError(f"{path}: the kernel rejects the proof term: {err.message}", where) from None
    stem = path.name.removesuffix(PROOF_TERM_SUFFIX) if path.name.endswith(PROOF_TERM_SUFFIX) else path.name
    theorem = unquote(stem)
    source = DeclSource(None, None, (f"from the proof artifact {path} (its proof term re-checked by the kernel)",))
    return _Proof(env, theorem, certificate.statement, certificate.proof, certificate.level_params, source)


def _contained(small: Environment, big: Environment) -> str | None:
    """The first constant of ``small`` that ``big`` lacks or has differently (None: contained)."""
    for name in small.names():
        if big.find(name) != small.find(name):
            return name
    return None


def artifact_input(paths: Sequence[Path], base: ExportInput | None = None) -> ExportInput:
    """The theorems of proof artifacts, admitted by the kernel into one environment (on top of
    ``base``, the environment of ``.tm`` inputs, when given)."""
    from tactic_mesh.kernel.declarations import TheoremRefused, admit_theorem

    env = None if base is None else base.env
    sources: dict[str, DeclSource] = {} if base is None else dict(base.sources)
    files: list[str] = [] if base is None else list(base.files)
    theorems: list[str] = []
    for path in paths:
        proof = _load_proof(path)
        where = Location(str(path), 1, 1)
        if env is None:
            env = proof.env
        else:
            missing = _contained(proof.env, env)
            if missing is not None:
                raise ExportInputError(
                    f"{path}: it was proved in an environment with '{missing}', which the other inputs do not "
                    "have (or have differently); export it separately", where)
        existing = env.find(proof.theorem)
        if existing is not None:
            if getattr(existing, "type", None) is proof.statement and proof.theorem in theorems:
                continue  # the same theorem twice
            raise ExportInputError(f"{path}: '{proof.theorem}' is already declared in its environment", where)
        try:
            env, _axioms = admit_theorem(env, proof.theorem, proof.level_params, proof.statement, proof.proof)
        except TheoremRefused as err:
            raise ExportInputError(f"{path}: {err.message}", where) from None
        theorems.append(proof.theorem)
        sources[proof.theorem] = proof.source
        files.append(str(path))
    if env is None:
        raise ExportInputError("no proof artifact given")
    return ExportInput(env, tuple(theorems), sources, tuple(files))


def load_inputs(inputs: Sequence[str]) -> ExportInput:
    """The export input of ``tactic-mesh export``'s arguments (none: the shipped library)."""
    if not inputs:
        return library_input()
    tms: list[Path] = []
    artifacts: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.suffix == ".tm":
            tms.append(path)
        elif raw.endswith(".json.gz"):
            artifacts.append(path)
        elif path.is_dir():
            found = sorted(path.glob("*" + PROOF_TERM_SUFFIX))
            if not found:
                raise ExportInputError(f"{path}: a directory without proof artifacts (*{PROOF_TERM_SUFFIX})",
                                       Location(str(path), 1, 1))
            artifacts.extend(found)
        elif not path.exists():
            raise ExportInputError(f"{path}: no such file", Location(str(path), 1, 1))
        else:
            raise ExportInputError(f"{path}: not a .tm file or a proof artifact (*{PROOF_TERM_SUFFIX})",
                                   Location(str(path), 1, 1))
    base = tm_input(tms) if tms else None
    if not artifacts:
        assert base is not None
        return base
    return artifact_input(artifacts, base)
