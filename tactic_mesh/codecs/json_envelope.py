"""The JSON envelope (DESIGN §7) and the public codec API.

Every document is::

    {"schema": "tactic-mesh/<kind>", "version": N, "provenance": {…}, "body": {
        "tables": {"levels": […], "exprs": […], "locals": […], "contexts": […], "mvars": […],
                   "values": […], "terms": […], "steps": […], "states": […]},
        "holes": [m…],      -- declarations of the metavariables of the expressions (open holes)
        "root": {…}}}       -- the kind's payload, referring to the tables by index

Kinds (``KINDS``, extensible with ``register_kind``): ``program`` (a ``Term``), ``expr``
(``KernelExpr``), ``state`` (``ProofState``), ``steppack`` (``StepPack``), ``certificate``
(``KernelCertificate``), ``trace`` (``ProofTrace``).  The table layouts are documented in
``json_expr``, ``json_program`` and ``json_state``.

Decoding rejects, with a ``CodecError`` naming the JSON path, expected and found: a schema
version newer than this library's, an unknown kind or node kind, a provenance different from
``expect_provenance`` (field by field), a state whose environment hash differs from ``env``'s,
and anything malformed (wrong types, missing or unexpected fields, dangling or forward
references, duplicate or unused table entries, resource limits).  Nothing is repaired.

``decode(encode(x)) == x`` for every value the library produces (a decoded state holds the ``env``
it was decoded against; ``Environment`` compares by identity).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from immutables import Map

from tactic_mesh.calculus.state import KERNEL_VERSION, ProofState, Provenance
from tactic_mesh.calculus.steppack import StepPack
from tactic_mesh.calculus.terms import Term
from tactic_mesh.codecs.json_artifacts import CHECKERS, KernelCertificate, KernelExpr, ProofTrace
from tactic_mesh.codecs.json_base import (
    DEFAULT_LIMITS,
    CodecError,
    Limits,
    Path,
    at,
    describe,
    lst,
    obj,
    small_int,
    wstr,
)
from tactic_mesh.codecs.json_limits import dump_text, gunzip, gzip_text, parse_text, text_of_bytes
from tactic_mesh.codecs.json_state import StateReader, StateWriter, provenance_mismatch, write_provenance
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import Expr, advance_fresh_ids
from tactic_mesh.kernel.fingerprint import environment_hash
from tactic_mesh.kernel.mctx import MVarDecl

__all__ = [
    "KINDS", "CodecError", "Document", "KernelCertificate", "KernelExpr", "Kind", "Limits", "ProofTrace", "decode",
    "dump_gz", "dumps", "encode", "load_gz", "loads", "read_document", "register_kind",
]

SCHEMA_PREFIX = "tactic-mesh/"
TOP_KEYS = frozenset({"schema", "version", "provenance", "body"})
BODY_KEYS = frozenset({"tables", "holes", "root"})
TABLES = ("levels", "exprs", "locals", "contexts", "mvars", "values", "terms", "steps", "states")
TABLE_KEYS = frozenset(TABLES)

Writer = StateWriter
Reader = StateReader


@attrs.frozen
class Kind:
    """A document kind: its current version, the class of its payload, and how the payload's root
    is written (``write(writer, value) -> JSON``) and read (``read(reader, json, path) -> value``)."""

    name: str
    version: int
    cls: type
    write: Callable[[Writer, Any], object]
    read: Callable[[Reader, object, str], object]
    needs_env: bool = False  # decoding needs the Environment (proof states)


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> None:
    """Add (or replace, for a new version) a document kind."""
    KINDS[kind.name] = kind


# environment hashes of recently seen environments (immutable objects, compared by identity): a
# library's proof states each hold the environment of their theorem, and hashing one costs ~1 ms
_env_hashes: dict[int, tuple[Environment, str]] = {}
ENV_HASH_CACHE = 256
_env_lock = threading.Lock()


def _environment_hash(env: Environment) -> str:
    with _env_lock:
        hit = _env_hashes.get(id(env))
        if hit is not None and hit[0] is env:
            return hit[1]
    value = environment_hash(env)
    with _env_lock:
        if len(_env_hashes) >= ENV_HASH_CACHE:
            _env_hashes.pop(next(iter(_env_hashes)))
        _env_hashes[id(env)] = (env, value)
    return value


@attrs.frozen
class Document:
    """A decoded document: its kind, version, provenance, payload and open-hole declarations."""

    kind: str
    version: int
    provenance: Provenance
    value: Any
    holes: Map[int, MVarDecl] = attrs.field(factory=Map)


# ---------------------------------------------------------------------------------------------
# encoding
# ---------------------------------------------------------------------------------------------


def encode(kind: str, value: object, provenance: Provenance | None = None, *,
           mctx: Mapping[int, MVarDecl] | None = None) -> dict[str, object]:  # fmt: skip
    """The document of ``value`` as plain JSON data.  ``provenance`` defaults to the value's own
    (states, certificates); ``mctx`` (a metavariable context's ``decls``) adds the declarations of
    the metavariables the document mentions, transitively (see ``Document.holes``)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise CodecError("kind", "unknown document kind", f"one of {', '.join(sorted(KINDS))}", repr(kind))
    if kind == "expr" and isinstance(value, Expr):
        value = KernelExpr.of(value)
    if not isinstance(value, spec.cls):
        raise CodecError(kind, "wrong value for this kind", spec.cls.__name__, type(value).__name__)
    if provenance is None:
        provenance = getattr(value, "provenance", None)
        if not isinstance(provenance, Provenance):
            raise CodecError(kind, "a provenance is required", "encode(kind, value, provenance)", "none")
    w = Writer()
    root = spec.write(w, value)
    holes = w.holes(mctx) if mctx is not None else []
    tables: dict[str, object] = {name: getattr(w, name) for name in TABLES}
    return {
        "schema": SCHEMA_PREFIX + kind,
        "version": spec.version,
        "provenance": write_provenance(provenance),
        "body": {"tables": tables, "holes": holes, "root": root},
    }


def dumps(kind: str, value: object, provenance: Provenance | None = None, *,
          mctx: Mapping[int, MVarDecl] | None = None) -> str:  # fmt: skip
    """``encode`` as compact ASCII JSON text."""
    return dump_text(encode(kind, value, provenance, mctx=mctx))


def dump_gz(kind: str, value: object, provenance: Provenance | None = None, *,
            mctx: Mapping[int, MVarDecl] | None = None, level: int = 6) -> bytes:  # fmt: skip
    """``dumps`` compressed with gzip (deterministic: no timestamp), for ``*.json.gz`` artifacts."""
    return gzip_text(dumps(kind, value, provenance, mctx=mctx), level)


# ---------------------------------------------------------------------------------------------
# decoding
# ---------------------------------------------------------------------------------------------


def read_document(
    doc: object, kind: str | None = None, *, env: Environment | None = None,
    expect_provenance: Provenance | None = None, limits: Limits = DEFAULT_LIMITS,
) -> Document:
    """Decode a document (of any registered kind when ``kind`` is None)."""
    try:
        return _read(doc, kind, env, expect_provenance, limits)
    except CodecError:
        raise
    except MemoryError:
        raise CodecError("$", "out of memory while decoding", "a smaller document", "too much data") from None
    except Exception as err:  # a decoder bug: still a located error, never a traceback
        raise CodecError("$", "malformed document", "a valid document", f"{type(err).__name__}: {err}",
                         internal=True) from err  # fmt: skip


def decode(doc: object, kind: str, *, env: Environment | None = None,
           expect_provenance: Provenance | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:  # fmt: skip
    """The payload of a document of ``kind``: ``decode(encode(kind, x, p), kind) == x``."""
    return read_document(doc, kind, env=env, expect_provenance=expect_provenance, limits=limits).value


def loads(text: str, kind: str, *, env: Environment | None = None,
          expect_provenance: Provenance | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:  # fmt: skip
    return decode(parse_text(text, limits), kind, env=env, expect_provenance=expect_provenance, limits=limits)


def load_gz(data: bytes, kind: str, *, env: Environment | None = None,
            expect_provenance: Provenance | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:  # fmt: skip
    text = text_of_bytes(gunzip(data, limits))
    return loads(text, kind, env=env, expect_provenance=expect_provenance, limits=limits)


def _read(doc: object, kind: str | None, env: Environment | None, expect: Provenance | None,
          limits: Limits) -> Document:  # fmt: skip
    top = obj(doc, "$", TOP_KEYS)
    schema = top["schema"]
    if type(schema) is not str or not schema.startswith(SCHEMA_PREFIX):
        raise CodecError("$.schema", "not a tactic-mesh document", f"'{SCHEMA_PREFIX}<kind>'", describe(schema))
    name = schema[len(SCHEMA_PREFIX):]
    spec = KINDS.get(name)
    if spec is None:
        raise CodecError("$.schema", "unknown document kind",
                         f"one of {', '.join(SCHEMA_PREFIX + k for k in sorted(KINDS))}", describe(schema))  # fmt: skip
    if kind is not None and name != kind:
        raise CodecError("$.schema", "wrong document kind", repr(SCHEMA_PREFIX + kind), describe(schema))
    version = small_int(top["version"], "$.version", 0)
    if version > spec.version:
        raise CodecError("$.version", f"newer schema version than this library reads for '{name}'",
                         f"version ≤ {spec.version}", str(version))  # fmt: skip
    if version < 1:
        raise CodecError("$.version", "invalid schema version", f"1..{spec.version}", str(version))
    env_hash = None
    if spec.needs_env:
        if env is None:
            raise CodecError("$", f"decoding a '{name}' document needs the environment", "env=<Environment>", "None")
        env_hash = _environment_hash(env)
    r = Reader(limits, env, env_hash)
    provenance = r.read_provenance(top["provenance"], "$.provenance")
    if expect is not None and expect != provenance:
        raise provenance_mismatch("$.provenance", expect, provenance, Provenance.REPLAY_CRITICAL)
    if env_hash is not None and provenance.environment_hash != env_hash:
        raise CodecError("$.provenance.environment_hash", "the document was made in another environment",
                         repr(env_hash), repr(provenance.environment_hash))  # fmt: skip
    body = obj(top["body"], "$.body", BODY_KEYS)
    tables = obj(body["tables"], "$.body.tables", TABLE_KEYS)
    base = "$.body.tables"
    r.read_levels(tables["levels"], f"{base}.levels")
    r.read_exprs(tables["exprs"], f"{base}.exprs")
    r.read_locals(tables["locals"], f"{base}.locals")
    r.read_contexts(tables["contexts"], f"{base}.contexts")
    r.read_mvars(tables["mvars"], f"{base}.mvars")
    r.read_values(tables["values"], f"{base}.values")
    r.read_terms(tables["terms"], f"{base}.terms")
    r.read_steps(tables["steps"], f"{base}.steps")
    r.read_states(tables["states"], f"{base}.states")
    holes: list[tuple[int, MVarDecl]] = []
    for i, x in enumerate(lst(body["holes"], "$.body.holes")):
        decl = r.mvar(x, f"$.body.holes[{i}]")
        if holes and decl.id <= holes[-1][0]:
            raise CodecError(f"$.body.holes[{i}]", "holes not by strictly increasing id",
                             f"an id above {holes[-1][0]}", str(decl.id))  # fmt: skip
        holes.append((decl.id, decl))
    value = spec.read(r, body["root"], "$.body.root")
    own = getattr(value, "provenance", None)
    if isinstance(own, Provenance) and own != provenance:  # the envelope speaks for the body
        raise provenance_mismatch("$.provenance", own, provenance, Provenance.REPLAY_CRITICAL)
    if env_hash is not None and provenance.kernel_version != KERNEL_VERSION:
        raise CodecError("$.provenance.kernel_version", "the document was made by another kernel",
                         repr(KERNEL_VERSION), repr(provenance.kernel_version))  # fmt: skip
    r.check_all_used(base)
    advance_fresh_ids(r.max_id)
    return Document(name, version, provenance, value, Map(holes))


# ---------------------------------------------------------------------------------------------
# the kinds
# ---------------------------------------------------------------------------------------------


def _root(raw: object, path: Path, keys: frozenset[str]) -> dict[str, object]:
    return obj(raw, path, keys)


def _names(r: Reader, raw: object, path: Path) -> tuple[str, ...]:
    return tuple(r.text(x, at(path, i)) for i, x in enumerate(lst(raw, path)))


def _check_names(xs: tuple[str, ...], what: str) -> list[str]:
    if not isinstance(xs, tuple):
        raise CodecError(what, "not a tuple of names", "tuple[str, ...]", repr(xs)[:40])
    return [wstr(x, what) for x in xs]


def _write_expr(w: Writer, v: KernelExpr) -> object:
    return {"expr": w.expr(v.expr), "level_params": _check_names(v.level_params, "level_params")}


def _read_expr(r: Reader, raw: object, path: Path) -> KernelExpr:
    d = _root(raw, path, frozenset({"expr", "level_params"}))
    return KernelExpr(r.expr(d["expr"], at(path, "expr")), _names(r, d["level_params"], at(path, "level_params")))


def _read_program(r: Reader, raw: object, path: Path) -> Term:
    d = _root(raw, path, frozenset({"term"}))
    return r.term(d["term"], at(path, "term"))


def _read_steppack(r: Reader, raw: object, path: Path) -> StepPack:
    d = _root(raw, path, frozenset({"step"}))
    return r.step(d["step"], at(path, "step"))


def _read_state(r: Reader, raw: object, path: Path) -> ProofState:
    d = _root(raw, path, frozenset({"state"}))
    return r.state(d["state"], at(path, "state"))


CERTIFICATE_KEYS = frozenset({"statement", "proof", "level_params", "provenance", "checked_by"})


def write_certificate(w: Writer, c: KernelCertificate) -> object:
    if c.checked_by not in CHECKERS:
        raise CodecError("certificate.checked_by", "unknown checker", f"one of {CHECKERS}", repr(c.checked_by))
    return {"statement": w.expr(c.statement), "proof": w.expr(c.proof),
            "level_params": _check_names(c.level_params, "certificate.level_params"),
            "provenance": write_provenance(c.provenance), "checked_by": wstr(c.checked_by, "checked_by")}  # fmt: skip


def read_certificate(r: Reader, raw: object, path: Path) -> KernelCertificate:
    d = _root(raw, path, CERTIFICATE_KEYS)
    checked_by = r.text(d["checked_by"], at(path, "checked_by"))
    if checked_by not in CHECKERS:
        raise CodecError(at(path, "checked_by"), "unknown checker", f"one of {CHECKERS}", describe(checked_by))
    return KernelCertificate(
        r.expr(d["statement"], at(path, "statement")), r.expr(d["proof"], at(path, "proof")),
        _names(r, d["level_params"], at(path, "level_params")),
        r.read_provenance(d["provenance"], at(path, "provenance")), checked_by,
    )


def _write_trace(w: Writer, t: ProofTrace) -> object:
    return {"steps": [w.step(s) for s in t.steps],
            "proof_term": None if t.proof_term is None else w.expr(t.proof_term)}  # fmt: skip


def _read_trace(r: Reader, raw: object, path: Path) -> ProofTrace:
    d = _root(raw, path, frozenset({"steps", "proof_term"}))
    sp = at(path, "steps")
    steps = tuple(r.step(x, at(sp, i)) for i, x in enumerate(lst(d["steps"], sp)))
    return ProofTrace(steps, r.opt_expr(d["proof_term"], at(path, "proof_term")))


for _kind in (
    Kind("program", 1, Term, lambda w, t: {"term": w.term(t)}, _read_program),
    Kind("expr", 1, KernelExpr, _write_expr, _read_expr),
    Kind("state", 1, ProofState, lambda w, s: {"state": w.state(s)}, _read_state, needs_env=True),
    Kind("steppack", 1, StepPack, lambda w, s: {"step": w.step(s)}, _read_steppack),
    Kind("certificate", 1, KernelCertificate, write_certificate, read_certificate),
    Kind("trace", 1, ProofTrace, _write_trace, _read_trace),
):
    register_kind(_kind)
