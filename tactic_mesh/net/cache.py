"""The verified, content-addressed proof cache of a mesh node, persistent in SQLite.

Interface::

    cache = VerifiedCache(data_dir, options=CheckOptions(), limits=NET_LIMITS)   # or ``with …``
    cache.put_local(env, statement, level_params, proof, script) -> Accepted     raises ProofRefused
    cache.offer(env, data: bytes) -> Accepted | Rejected                          never raises on bad data
    cache.get(env, statement, level_params) -> CacheEntry | None
    cache.export(key) -> bytes                                                    raises CacheError
    cache.counters() -> dict[str, int];  cache.session -> dict[str, int];  key in cache;  len(cache)

**What an entry is.**  Key: ``keys.key_of`` — the canonical statement hash and the environment
root (kernel version, environment content hash, ``CheckOptions``).  Value: the *wire certificate*,
the bytes ``export`` returns and a peer receives: a codec document (DESIGN §7) of kind
``cached-proof`` (registered here with ``codecs.json_envelope.register_kind``) whose root is
``{"key": hex, "program": {"format": "tactics" | "core", "lines": […]}, "certificate": …}``, the
last being exactly the root of a ``certificate`` document (statement, proof term, universe
parameters, provenance, checker), expressions in the shared DAG tables.  The stored bytes are
always this library's canonical encoding, and an entry's ``digest`` is their sha256.  The
program is a hint, not evidence: only its form is checked (the proof term is what is verified).

**Guarantee.**  Every entry ``get`` returns was admitted by this process's kernel
(``kernel.declarations.admit_theorem``, which refuses holes, ill-typed terms and ``sorryAx``;
with ``allow_axioms=False`` any axiom) as a proof of a statement alpha-equivalent to the one asked
for, over the same universe parameters, in an environment with the same root.  Nothing a peer
says is believed: ``offer`` runs, in order, and stops at the first failure —

1. decoding under ``limits`` (``NET_LIMITS``: size, string length, nesting, digits checked before
   parsing; gzip accepted, decompression capped): too large → ``oversized``; not a ``cached-proof``
   document, or a schema version this library does not read → ``unsupported``; anything else
   malformed or truncated → ``malformed``, with the JSON path;
2. the certificate's provenance against the local one (``keys.provenance_of(env, options)``):
   another kernel version, environment or option set → ``stale``, naming the field;
3. the claimed key against the key recomputed from the statement and the local root →
   ``mismatch`` (a statement that is not closed → ``malformed``);
4. the local kernel → ``forged`` when it does not admit the proof (a proof of another statement,
   an ill-typed term, ``sorry``, a term beyond the kernel's limits).

``internal`` is the safety net's kind: an unexpected exception in decoding or checking is
reported as a rejection (never raised); tests assert it does not occur.  Only then is the entry
stored.  Local storage failures (disk, a file that is not a cache) raise ``CacheError``.

**Lazy re-verification.**  Entries are checked before they are stored, but the disk is not the
kernel: after a restart (or whenever the stored bytes differ from those verified), ``get``
re-decodes the row and re-runs steps 1–4 plus an exact check that the row's key, digest and
canonical bytes agree — once per key per ``VerifiedCache`` instance (so once per process for a
node holding one cache).  A row that fails is deleted, counted as ``tampered`` (reason in
``tampered_keys``) and reported as a miss: a tampered file can lose proofs, never yield a false
one.  ``export`` returns the stored bytes unchecked — the receiver checks them anyway.

**Counters.**  ``counters()`` are persisted in the same file (totals over the cache's lifetime):
``local``, ``accepted``, ``duplicate`` (accepted, an entry already held under that key: the first
verified proof is kept), ``rejected.<kind>``, ``tampered``.  ``session`` has the same names for
this instance plus ``hits`` and ``misses`` (not persisted: a read must not write).

**Concurrency.**  One writer: every write is one ``BEGIN IMMEDIATE`` transaction in WAL mode
(``synchronous=FULL``) behind a lock, so threads of a process may share the instance and other
processes may read; kernel checks run outside transactions.
"""

from __future__ import annotations

import enum
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path as FilePath
from types import TracebackType

import attrs

from tactic_mesh.calculus.state import Provenance
from tactic_mesh.codecs.json_artifacts import KernelCertificate
from tactic_mesh.codecs.json_base import DEFAULT_LIMITS, CodecError, Limits, Path, at, describe, lst, obj, wstr
from tactic_mesh.codecs.json_envelope import (
    Kind,
    Reader,
    Writer,
    encode,
    read_certificate,  # the certificate kind's own root layout, reused as the wire's "certificate"
    read_document,
    register_kind,
    write_certificate,
)
from tactic_mesh.codecs.json_limits import GZIP_MAGIC, dump_text, gunzip, parse_text, text_of_bytes
from tactic_mesh.kernel.declarations import admit_theorem
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr, alpha_equiv
from tactic_mesh.net.keys import (
    DEFAULT_OPTIONS,
    CacheKey,
    CheckOptions,
    MeshStoreError,
    StatementError,
    digest_bytes,
    is_digest,
    key_of,
    provenance_of,
)

__all__ = [
    "NET_LIMITS", "PROGRAM_FORMATS", "WIRE_KIND", "Accepted", "CacheEntry", "CacheError", "Program", "ProofRefused",
    "RejectKind", "Rejected", "Store", "VerifiedCache", "WireCertificate", "decode_wire", "encode_wire",
    "kernel_admits",
]

WIRE_KIND = "cached-proof"
PROGRAM_FORMATS = ("tactics", "core")
NET_LIMITS = Limits(max_document_chars=8 * 1024 * 1024, max_string_chars=256 * 1024, max_depth=64,
                    max_nat_digits=10_000)  # fmt: skip
"""Limits for bytes from a peer (a certificate nests about ten levels; its tables are flat)."""
CHECK_NAME = "_tactic_mesh.net.check"  # the name a checked proof is admitted under (then discarded)


class CacheError(MeshStoreError):
    """The cache's file cannot be opened, read or written, or an entry asked for is absent."""


class ProofRefused(CacheError):
    """``put_local``: the local kernel does not admit the proof."""


# ---------------------------------------------------------------------------------------------
# the wire certificate
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Program:
    """The program that found a proof: tactic script lines, or the core program's printed text."""

    format: str  # one of PROGRAM_FORMATS
    lines: tuple[str, ...]

    @staticmethod
    def of(script: Sequence[str] | str, format: str = "tactics") -> Program:
        lines = tuple(script.splitlines()) if isinstance(script, str) else tuple(script)
        return Program(format, lines)

    def text(self) -> str:
        return "\n".join(self.lines)


@attrs.frozen
class WireCertificate:
    """The payload of a ``cached-proof`` document: the key claimed, the program, the certificate."""

    key: str
    program: Program
    certificate: KernelCertificate

    @property
    def provenance(self) -> Provenance:  # the envelope checks it speaks for the body
        return self.certificate.provenance


def _write_wire(w: Writer, v: WireCertificate) -> object:
    if not is_digest(v.key):
        raise CodecError("cached-proof.key", "not a cache key", "64 lowercase hex digits", repr(v.key)[:80])
    if v.program.format not in PROGRAM_FORMATS:
        raise CodecError("cached-proof.program.format", "unknown program format", f"one of {PROGRAM_FORMATS}",
                         repr(v.program.format))  # fmt: skip
    lines = [wstr(line, "cached-proof.program.lines") for line in v.program.lines]
    if any("\n" in line or "\r" in line for line in lines):
        raise CodecError("cached-proof.program.lines", "a line holds a line break", "one line per entry", "a break")
    return {"key": v.key, "program": {"format": v.program.format, "lines": lines},
            "certificate": write_certificate(w, v.certificate)}  # fmt: skip


def _read_wire(r: Reader, raw: object, path: Path) -> WireCertificate:
    d = obj(raw, path, frozenset({"key", "program", "certificate"}))
    key = r.text(d["key"], at(path, "key"))
    if not is_digest(key):
        raise CodecError(at(path, "key"), "not a cache key", "64 lowercase hex digits", describe(key))
    pp = at(path, "program")
    p = obj(d["program"], pp, frozenset({"format", "lines"}))
    fmt = r.text(p["format"], at(pp, "format"))
    if fmt not in PROGRAM_FORMATS:
        raise CodecError(at(pp, "format"), "unknown program format", f"one of {PROGRAM_FORMATS}", describe(fmt))
    lp = at(pp, "lines")
    lines = tuple(r.text(x, at(lp, i)) for i, x in enumerate(lst(p["lines"], lp)))
    for i, line in enumerate(lines):
        if "\n" in line or "\r" in line:
            raise CodecError(at(lp, i), "a line holds a line break", "one line per entry", describe(line))
    cert = read_certificate(r, d["certificate"], at(path, "certificate"))
    return WireCertificate(key, Program(fmt, lines), cert)


register_kind(Kind(WIRE_KIND, 1, WireCertificate, _write_wire, _read_wire))


def encode_wire(wire: WireCertificate) -> bytes:
    """The canonical bytes of a wire certificate (compact ASCII JSON; deterministic)."""
    return dump_text(encode(WIRE_KIND, wire, wire.provenance)).encode("ascii")


def decode_wire(data: bytes, limits: Limits = NET_LIMITS) -> WireCertificate:
    """Decode untrusted bytes (JSON text, or gzip of it) under ``limits``; raises ``CodecError`` only."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CodecError("$", "wrong input type", "bytes", type(data).__name__)
    data = bytes(data)
    if len(data) > limits.max_document_chars:
        raise CodecError("$", "document too large", f"at most {limits.max_document_chars} bytes", str(len(data)))
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, limits)
    doc = parse_text(text_of_bytes(data), limits)
    value = read_document(doc, WIRE_KIND, limits=limits).value
    assert isinstance(value, WireCertificate)
    return value


# ---------------------------------------------------------------------------------------------
# outcomes
# ---------------------------------------------------------------------------------------------


class RejectKind(enum.Enum):
    MALFORMED = "malformed"  # not a well-formed document (truncated, wrong types, …) or statement not closed
    OVERSIZED = "oversized"  # beyond the decoding limits
    UNSUPPORTED = "unsupported"  # another document kind, or a schema version this library does not read
    STALE = "stale"  # made under another kernel version, environment or options
    MISMATCH = "mismatch"  # the key claimed is not the key of the statement (or not the one asked for)
    FORGED = "forged"  # the local kernel does not admit the proof
    INTERNAL = "internal"  # an unexpected exception while decoding or checking (a bug; still a rejection)


@attrs.frozen
class CacheEntry:
    """A kernel-checked entry (only the cache makes these, after its own check)."""

    key: str
    goal: str
    env_root: str
    statement: Expr = attrs.field(repr=False)
    level_params: tuple[str, ...]
    proof: Expr = attrs.field(repr=False)
    program: Program
    axioms: tuple[str, ...]  # as computed by the local kernel (never taken from a peer)
    digest: str  # sha256 of the canonical wire bytes (what ``export`` returns)
    origin: str  # "local" (put_local) or "peer" (offer)


@attrs.frozen
class Accepted:
    entry: CacheEntry
    stored: bool  # False: an entry already held under the key was kept ("duplicate")


@attrs.frozen
class Rejected:
    kind: RejectKind
    reason: str
    path: str = "$"  # where in the document (a JSON path), or "$" for the whole

    def __str__(self) -> str:
        return f"rejected ({self.kind.value}) at {self.path}: {self.reason}"


_OVERSIZE = frozenset({"document too large", "string too long", "nesting too deep", "number too long",
                       "out of memory while decoding"})  # fmt: skip


def _rejection(err: CodecError) -> Rejected:
    if err.internal:
        kind = RejectKind.INTERNAL
    elif err.what in _OVERSIZE:
        kind = RejectKind.OVERSIZED
    elif err.path in ("$.schema", "$.version"):
        kind = RejectKind.UNSUPPORTED
    else:
        kind = RejectKind.MALFORMED
    reason = err.what
    if err.expected is not None or err.found is not None:
        reason += f": expected {err.expected or '?'}, found {err.found or '?'}"
    return Rejected(kind, reason, err.path)


def kernel_admits(env: Environment, statement: Expr, level_params: tuple[str, ...], proof: Expr,
                  options: CheckOptions = DEFAULT_OPTIONS) -> tuple[str, ...]:  # fmt: skip
    """The local kernel admits ``proof : statement`` in ``env`` (a throw-away extension): the axioms
    the proof depends on.  Raises a ``TacticMeshError`` (``TheoremRefused``, ``KernelLimitError``)."""
    name = CHECK_NAME
    while env.find(name) is not None:
        name += "'"
    _, axioms = run_deep(admit_theorem, env, name, level_params, statement, proof, options.allow_axioms)
    return axioms


# ---------------------------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------------------------


def _int(value: object) -> int:
    return value if type(value) is int else 0


class Store:
    """One SQLite file in WAL mode with a schema stamp, a lock and one-writer transactions
    (shared by the cache and the ledger).  SQLite failures become ``error(path, where, message)``."""

    def __init__(self, path: FilePath, schema: str, version: int, ddl: Sequence[str],
                 error: type[MeshStoreError]) -> None:  # fmt: skip
        self.path = path
        self.error = error
        self.lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        except (OSError, sqlite3.Error) as err:
            raise error(str(path), "", f"cannot open: {err}") from None
        try:
            self.conn.execute("PRAGMA busy_timeout=10000")
            self.conn.execute("PRAGMA journal_mode=WAL").fetchall()
            self.conn.execute("PRAGMA synchronous=FULL")
            with self.tx("schema") as c:
                c.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
                c.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) "
                          "WITHOUT ROWID")  # fmt: skip
                stamp = dict(c.execute("SELECT name, value FROM meta").fetchall())
                want = {"schema": schema, "version": str(version)}
                if not stamp:
                    c.executemany("INSERT INTO meta VALUES (?, ?)", sorted(want.items()))
                elif stamp != want:
                    found = f"{stamp.get('schema')!r} version {stamp.get('version')!r}"
                    raise error(str(path), "meta", f"written as {found}; this library reads {schema!r} v{version}")
                for statement in ddl:  # one by one: executescript would commit
                    c.execute(statement)
        except sqlite3.Error as err:
            self.conn.close()
            raise error(str(path), "", f"not a usable database: {err}") from None
        except MeshStoreError:
            self.conn.close()
            raise

    @contextmanager
    def tx(self, where: str = "") -> Iterator[sqlite3.Cursor]:
        """A write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any exception)."""
        with self.lock:
            try:
                cur = self.conn.cursor()
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as err:
                raise self.error(str(self.path), where, f"SQLite: {err}") from None
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException as err:
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(err, sqlite3.Error):
                    raise self.error(str(self.path), where, f"SQLite: {err}") from None
                raise

    def read(self, sql: str, args: Sequence[object] = (), where: str = "") -> list[tuple[object, ...]]:
        with self.lock:
            try:
                return self.conn.execute(sql, tuple(args)).fetchall()
            except sqlite3.Error as err:
                raise self.error(str(self.path), where, f"SQLite: {err}") from None

    @staticmethod
    def bump(cur: sqlite3.Cursor, name: str, by: int = 1) -> None:
        cur.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?",
                    (name, by, by))  # fmt: skip

    def counters(self) -> dict[str, int]:
        return {str(k): _int(v) for k, v in self.read("SELECT name, value FROM counters ORDER BY name")}

    def close(self) -> None:
        with self.lock:
            try:
                self.conn.close()
            except sqlite3.Error as err:
                raise self.error(str(self.path), "", f"SQLite: {err}") from None


# ---------------------------------------------------------------------------------------------
# the cache
# ---------------------------------------------------------------------------------------------

_DDL = ("""
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, goal TEXT NOT NULL, env_root TEXT NOT NULL, certificate BLOB NOT NULL,
    digest TEXT NOT NULL, axioms TEXT NOT NULL, origin TEXT NOT NULL
) WITHOUT ROWID
""",)


class VerifiedCache:
    """See the module docstring."""

    FILE = "verified_cache.sqlite3"
    SCHEMA = "tactic-mesh/verified-cache"
    VERSION = 1

    def __init__(self, data_dir: str | os.PathLike[str], *, options: CheckOptions = DEFAULT_OPTIONS,
                 limits: Limits = NET_LIMITS) -> None:  # fmt: skip
        self.options = options
        self.limits = limits  # for offers; stored rows are re-read under DEFAULT_LIMITS (large local proofs)
        self.store = Store(FilePath(data_dir) / self.FILE, self.SCHEMA, self.VERSION, _DDL, CacheError)
        self.path = self.store.path
        self.session: dict[str, int] = {}
        self.tampered_keys: dict[str, str] = {}  # key -> why its row was dropped (this instance)
        self._verified: dict[str, CacheEntry] = {}  # key -> the entry this instance has checked

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> VerifiedCache:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __len__(self) -> int:
        return _int(self.store.read("SELECT count(*) FROM entries")[0][0])

    def __contains__(self, key: object) -> bool:
        return bool(self.store.read("SELECT 1 FROM entries WHERE key = ?", (key,), str(key)))

    def keys(self) -> list[str]:
        return [str(k) for (k,) in self.store.read("SELECT key FROM entries ORDER BY key")]

    def counters(self) -> dict[str, int]:
        """The persisted counters (see the module docstring)."""
        return self.store.counters()

    def _note(self, name: str) -> None:
        self.session[name] = self.session.get(name, 0) + 1

    # -- writing -------------------------------------------------------------------------------

    def put_local(self, env: Environment, statement: Expr, level_params: tuple[str, ...], proof_term: Expr,
                  script: Sequence[str] | str, *, program_format: str = "tactics") -> Accepted:  # fmt: skip
        """Store a proof found locally.  The kernel checks it once more (cheap insurance: every
        entry is checked by this process); raises ``StatementError`` for a statement that is not
        closed and ``ProofRefused`` when the kernel does not admit the proof."""
        k = key_of(env, statement, level_params, self.options)
        try:
            axioms = kernel_admits(env, statement, level_params, proof_term, self.options)
        except TacticMeshError as err:
            raise ProofRefused(str(self.path), k.key, f"the local kernel refuses the proof: {err.message}") from None
        cert = KernelCertificate(statement, proof_term, level_params, provenance_of(env, self.options))
        wire = WireCertificate(k.key, Program.of(script, program_format), cert)
        data = encode_wire(wire)
        entry = self._entry(k, wire, axioms, digest_bytes(data), "local")
        return self._store(entry, data, "local")

    def offer(self, env: Environment, data: bytes) -> Accepted | Rejected:
        """Check a certificate from an untrusted peer and store it when it passes (module docstring)."""
        try:
            checked = self._check(env, data, self.limits, None)
        except Exception as err:  # the safety net: bad input never escapes as an exception
            checked = Rejected(RejectKind.INTERNAL, f"{type(err).__name__}: {err}")
        if isinstance(checked, Rejected):
            with self.store.tx("counters") as c:
                Store.bump(c, f"rejected.{checked.kind.value}")
            self._note(f"rejected.{checked.kind.value}")
            return checked
        entry, canonical = checked
        return self._store(entry, canonical, "accepted")

    def _store(self, entry: CacheEntry, data: bytes, counter: str) -> Accepted:
        with self.store.tx(entry.key) as c:
            c.execute("INSERT OR IGNORE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (entry.key, entry.goal, entry.env_root, data, entry.digest, ",".join(entry.axioms),
                       entry.origin))  # fmt: skip
            stored = c.rowcount == 1
            name = counter if stored else "duplicate"
            Store.bump(c, name)
        self._note(name)
        if stored:
            self._verified[entry.key] = entry
        return Accepted(entry, stored)

    # -- checking ------------------------------------------------------------------------------

    def _entry(self, k: CacheKey, wire: WireCertificate, axioms: tuple[str, ...], digest: str,
               origin: str) -> CacheEntry:  # fmt: skip
        c = wire.certificate
        return CacheEntry(k.key, k.goal, k.env_root, c.statement, c.level_params, c.proof, wire.program,
                          axioms, digest, origin)  # fmt: skip

    def _check(self, env: Environment, data: bytes, limits: Limits,
               expect_key: str | None) -> tuple[CacheEntry, bytes] | Rejected:  # fmt: skip
        try:
            wire = decode_wire(data, limits)
        except CodecError as err:
            return _rejection(err)
        cert = wire.certificate
        local = provenance_of(env, self.options)
        diff = local.mismatch(cert.provenance)
        if diff is not None:
            field, mine, theirs = diff
            return Rejected(RejectKind.STALE, f"made under another {field}: expected {mine!r}, found {theirs!r}",
                            f"$.provenance.{field}")  # fmt: skip
        try:
            k = key_of(env, cert.statement, cert.level_params, self.options)
        except StatementError as err:
            return Rejected(RejectKind.MALFORMED, err.message, "$.body.root.certificate.statement")
        if wire.key != k.key:
            return Rejected(RejectKind.MISMATCH, f"the key claimed is not the statement's: expected {k.key}, "
                            f"found {wire.key}", "$.body.root.key")  # fmt: skip
        if expect_key is not None and k.key != expect_key:
            return Rejected(RejectKind.MISMATCH, f"a certificate for key {k.key}, not {expect_key}", "$.body.root.key")
        try:
            axioms = kernel_admits(env, cert.statement, cert.level_params, cert.proof, self.options)
        except TacticMeshError as err:
            return Rejected(RejectKind.FORGED, err.message, "$.body.root.certificate.proof")
        canonical = encode_wire(wire)
        origin = "peer"
        return self._entry(k, wire, axioms, digest_bytes(canonical), origin), canonical

    # -- reading -------------------------------------------------------------------------------

    def get(self, env: Environment, statement: Expr, level_params: tuple[str, ...]) -> CacheEntry | None:
        """The entry for ``statement`` in ``env``, or None.  A row not yet checked by this instance
        (or changed since) is re-verified first; a row that fails is dropped (module docstring).
        Raises ``StatementError`` for a statement that is not closed."""
        k = key_of(env, statement, level_params, self.options)
        rows = self.store.read("SELECT certificate, digest, origin FROM entries WHERE key = ?", (k.key,), k.key)
        if not rows:
            self._note("misses")
            return None
        raw, digest, origin = rows[0]
        data = bytes(raw) if isinstance(raw, (bytes, bytearray, memoryview)) else b""
        actual = digest_bytes(data)
        known = self._verified.get(k.key)
        if known is None or known.digest != actual or digest != actual:
            checked = self._reverify(env, k.key, data, digest, origin)
            if isinstance(checked, Rejected):
                self._drop(k.key, data, str(checked))
                self._note("misses")
                return None
            known = self._verified[k.key] = checked
        if known.level_params != level_params or not alpha_equiv(known.statement, statement):
            self._note("misses")  # a hash collision, not a proof of this statement
            return None
        self._note("hits")
        return known

    def _reverify(self, env: Environment, key: str, data: bytes, digest: object,
                  origin: object) -> CacheEntry | Rejected:  # fmt: skip
        try:
            checked = self._check(env, data, DEFAULT_LIMITS, key)
        except Exception as err:
            return Rejected(RejectKind.INTERNAL, f"{type(err).__name__}: {err}")
        if isinstance(checked, Rejected):
            return checked
        entry, canonical = checked
        if canonical != data:
            return Rejected(RejectKind.MALFORMED, "the stored certificate is not in canonical form")
        if digest != entry.digest:
            return Rejected(RejectKind.MISMATCH, f"the row's digest {digest!r} is not its certificate's {entry.digest}")
        if origin not in ("local", "peer"):
            return Rejected(RejectKind.MALFORMED, f"unknown origin {origin!r}")
        return attrs.evolve(entry, origin=str(origin))

    def _drop(self, key: str, data: bytes, reason: str) -> None:
        with self.store.tx(key) as c:
            c.execute("DELETE FROM entries WHERE key = ? AND certificate = ?", (key, data))
            Store.bump(c, "tampered")
        self._note("tampered")
        self._verified.pop(key, None)
        self.tampered_keys[key] = reason

    def export(self, key: str) -> bytes:
        """The stored wire certificate of ``key`` (what a peer receives).  Raises ``CacheError``
        when there is none."""
        rows = self.store.read("SELECT certificate FROM entries WHERE key = ?", (key,), str(key))
        if not rows:
            raise CacheError(str(self.path), str(key), "no entry under this key")
        raw = rows[0][0]
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise CacheError(str(self.path), str(key), f"the stored certificate is not bytes ({type(raw).__name__})")
        return bytes(raw)
