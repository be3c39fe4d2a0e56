"""The ledger: an append-only, hash-chained log of locally verified proofs, and its anti-entropy.

Interface::

    ledger = Ledger(data_dir, clock=None, verify=True)      # raises LedgerCorrupt on a broken chain
    ledger.append(cache_entry, source=None) -> LedgerEntry  # idempotent per cache key
    ledger.head() -> Head;  ledger.entry(i);  ledger.entries_after(i, limit);  ledger.find(key)
    ledger.verify_chain() -> ChainCheck                      # the first bad index, never raises on content
    ledger.missing_from(their_head, limit) -> [LedgerEntry]  # what a peer holding `their_head` of us lacks
    ledger.merge(entries, verify, peer=…) -> MergeReport     # a peer's entries, each re-verified
    ledger.cursor(peer) -> Head;  ledger.counters()
    encode_entries(entries) -> bytes;  decode_entries(data, limits) -> [LedgerEntry]   (CodecError)
    certificate_verifier(cache, env, fetch) -> Verify

**Entries.**  Entry ``i`` is ``(i, prev_hash, payload, hash)`` with ``prev_hash`` the hash of entry
``i-1`` (``GENESIS``, 64 zeros, for entry 0) and ``hash = sha256(bytes(prev_hash) ‖ canonical
payload)``; the payload is ``{"key": cache key, "statement": goal hash, "certificate": digest of
the wire certificate the local cache holds, "time": int | null, "source": null | {"peer",
"index", "hash"}}`` as canonical JSON (sorted keys, no spaces, ASCII).  ``time`` comes from the
``clock`` given to the ledger (none by default, which keeps hashes deterministic).  ``append``
takes a ``CacheEntry`` — an object the cache makes only after the local kernel admitted the
proof — so the ledger records locally verified facts only; one entry per key.

**Integrity.**  ``verify_chain`` recomputes every link and reports the first index whose
content, hash or link is wrong (or that is missing).  A chain check detects any change to an
entry that is followed by another one; rewriting the *last* entry together with its hash is
detected only by someone who remembers the old head (a peer's ``seen`` record shows it as a fork).
The facts do not depend on it: nothing in the ledger is a proof, every certificate it names is
re-checked by whoever uses it.

**Anti-entropy.**  Nodes exchange heads; a node that holds ``Head(i, h)`` of a peer's chain (its
``cursor``) asks for ``missing_from(Head(i, h))``: the entries after ``i`` when the peer's entry
``i`` has hash ``h``, otherwise the peer's whole chain (the asker's view diverges; merging from
genesis finds where).  ``merge(entries, verify, peer=p)`` then, per entry in order:

1. checks the link: consecutive indices, ``prev_hash`` = the previous entry's hash (the first
   one against what was seen of ``p`` at the index before), ``hash`` recomputed — a broken link
   stops the merge (``broken``: nothing after it can be attributed to ``p``'s chain);
2. compares with what was seen of ``p`` at that index: the same hash → already merged; another
   hash → a **fork** (``p`` rewrote or equivocated its history), reported and counted, and what
   was seen of ``p`` from that index on is forgotten, so the new history is merged from there;
3. skips an entry whose key the local ledger already holds (``duplicates``);
4. calls ``verify(entry)`` — normally ``certificate_verifier``: fetch the certificate, check its
   digest against the entry, ``VerifiedCache.offer`` it (decode, key, environment, kernel) —
   ``Accepted`` → a new *local* entry is appended with ``source = (p, index, hash)`` as
   provenance; ``Rejected`` → counted, remembered as seen-and-rejected, **never appended**;
   ``None`` (certificate unavailable now) → the merge stops there and resumes from it next time.

So chains are not identical across nodes (each is the order in which *that* node verified facts)
and need not be: what replicates is the set of verified facts.  The fork rule follows: local
entries are never removed or reordered; a peer's fork changes only what we remember of the peer.

**Why verification replaces BFT consensus.**  Consensus protocols make honest nodes agree on one
history although some nodes lie; here no node needs anyone's agreement to know a fact, because a
fact is a proof the local kernel checks.  A Byzantine peer can withhold entries, delay them,
send malformed, forged or stale ones, or fork its own chain: the worst outcome is that a node
learns fewer proofs (availability), never that it appends a false one (safety), whatever the
number of Byzantine peers.  What remains trusted: the local kernel (and the Python runtime it
runs on), the local disk between a check and its use (the cache re-checks rows it has not checked
in this process; the ledger's chain detects edits before its head), and sha256 (collision
resistance, for keys, digests and links).

**Concurrency, failures.**  As the cache: one writer, one ``BEGIN IMMEDIATE`` transaction per
append (the head is read inside it), WAL mode; ``verify`` runs outside transactions.  SQLite
failures and unreadable rows raise ``LedgerError`` naming the file and index; untrusted bytes are
decoded by ``decode_entries`` under limits and fail with a ``CodecError`` naming the JSON path.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path as FilePath
from types import TracebackType

import attrs

from tactic_mesh.codecs.json_base import DEFAULT_LIMITS, CodecError, Limits, Path, at, describe, lst, obj, small_int
from tactic_mesh.codecs.json_limits import dump_text, parse_text, text_of_bytes
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.net.cache import NET_LIMITS, Accepted, CacheEntry, Rejected, RejectKind, Store, VerifiedCache
from tactic_mesh.net.keys import MeshStoreError, digest_bytes, is_digest

__all__ = [
    "GENESIS", "LEDGER_SCHEMA", "ChainCheck", "Fork", "Head", "Ledger", "LedgerCorrupt", "LedgerEntry", "LedgerError",
    "MergeReport", "Payload", "RejectedEntry", "Source", "Verify", "certificate_verifier", "decode_entries",
    "encode_entries", "link_hash",
]

GENESIS = "0" * 64
LEDGER_SCHEMA = "tactic-mesh/ledger-entries"
LEDGER_VERSION = 1
MAX_INDEX = (1 << 53) - 1  # indices and times travel as JSON numbers
MAX_PEER_CHARS = 256


class LedgerError(MeshStoreError):
    """The ledger's file cannot be opened, read or written, or a stored row is unreadable."""


class LedgerCorrupt(LedgerError):
    """Opening found a broken chain: ``index`` is the first bad entry."""

    def __init__(self, path: str, index: int, message: str) -> None:
        super().__init__(path, f"entry {index}", message)
        self.index = index


# ---------------------------------------------------------------------------------------------
# entries
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Source:
    """Where a merged entry was learnt: the peer, and its entry's index and hash (provenance only)."""

    peer: str
    index: int
    hash: str


@attrs.frozen
class Payload:
    key: str  # the cache key
    statement: str  # the statement's goal hash
    certificate: str  # sha256 of the wire certificate (``CacheEntry.digest``)
    time: int | None = None
    source: Source | None = None

    def to_json(self) -> dict[str, object]:
        source = None if self.source is None else {"peer": self.source.peer, "index": self.source.index,
                                                   "hash": self.source.hash}  # fmt: skip
        return {"key": self.key, "statement": self.statement, "certificate": self.certificate, "time": self.time,
                "source": source}  # fmt: skip

    def canonical(self) -> str:
        """The text the link hash covers: sorted keys, no spaces, ASCII."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def link_hash(prev_hash: str, payload: Payload) -> str:
    """``sha256(prev_hash as 32 bytes ‖ canonical payload)``."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + payload.canonical().encode("ascii")).hexdigest()


@attrs.frozen
class LedgerEntry:
    index: int
    prev_hash: str
    payload: Payload
    hash: str

    def linked(self) -> bool:
        """Whether ``hash`` is the link hash of ``prev_hash`` and the payload."""
        return link_hash(self.prev_hash, self.payload) == self.hash

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "prev_hash": self.prev_hash, "payload": self.payload.to_json(),
                "hash": self.hash}  # fmt: skip


@attrs.frozen
class Head:
    """The last entry of a chain (``Head()``: the empty chain)."""

    index: int = -1
    hash: str = GENESIS


@attrs.frozen
class ChainCheck:
    length: int
    first_bad: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None


@attrs.frozen
class Fork:
    """A peer showed two different entries at ``index``: ``seen`` before, ``theirs`` now."""

    index: int
    seen: str
    theirs: str


@attrs.frozen
class RejectedEntry:
    index: int  # the peer's index
    kind: RejectKind
    reason: str


@attrs.frozen
class MergeReport:
    """What one ``merge`` did.  ``appended`` are the local entries it made."""

    appended: tuple[LedgerEntry, ...] = ()
    known: int = 0  # entries of the peer already merged
    duplicates: int = 0  # entries whose key the ledger already had
    rejected: tuple[RejectedEntry, ...] = ()
    fork: Fork | None = None
    broken: int | None = None  # the peer index where linking failed (nothing from it on was merged)
    broken_reason: str = ""
    pending: int | None = None  # the peer index whose certificate was unavailable (resume there)
    cursor: Head = Head()


Verify = Callable[[LedgerEntry], Accepted | Rejected | None]
"""Re-verify a peer entry's certificate: ``Accepted`` (stored in the local cache), ``Rejected``, or
``None`` when it cannot be had now."""


def certificate_verifier(cache: VerifiedCache, env: Environment, fetch: Callable[[str], bytes | None]) -> Verify:
    """The usual ``verify``: ``fetch(key)`` the wire certificate from the peer (None: unavailable),
    check that its digest is the one the entry names, and ``cache.offer`` it."""

    def verify(entry: LedgerEntry) -> Accepted | Rejected | None:
        data = fetch(entry.payload.key)
        if data is None:
            return None
        if digest_bytes(bytes(data)) != entry.payload.certificate:
            return Rejected(RejectKind.MISMATCH, "the certificate fetched is not the one the entry names (digest)")
        return cache.offer(env, bytes(data))

    return verify


# ---------------------------------------------------------------------------------------------
# strict reading (disk rows and wire documents alike)
# ---------------------------------------------------------------------------------------------


def _digest(value: object, path: Path) -> str:
    if not is_digest(value):
        raise CodecError(path, "not a sha256 digest", "64 lowercase hex digits", describe(value))
    assert isinstance(value, str)
    return value


def _payload_of(raw: object, path: Path) -> Payload:
    d = obj(raw, path, frozenset({"key", "statement", "certificate", "time", "source"}))
    time = None if d["time"] is None else small_int(d["time"], at(path, "time"), 0, MAX_INDEX)
    source = None
    if d["source"] is not None:
        sp = at(path, "source")
        s = obj(d["source"], sp, frozenset({"peer", "index", "hash"}))
        peer = s["peer"]
        if type(peer) is not str or not 0 < len(peer) <= MAX_PEER_CHARS:
            raise CodecError(at(sp, "peer"), "not a peer name", f"a string of 1..{MAX_PEER_CHARS} characters",
                             describe(peer))  # fmt: skip
        source = Source(peer, small_int(s["index"], at(sp, "index"), 0, MAX_INDEX), _digest(s["hash"], at(sp, "hash")))
    return Payload(_digest(d["key"], at(path, "key")), _digest(d["statement"], at(path, "statement")),
                   _digest(d["certificate"], at(path, "certificate")), time, source)  # fmt: skip


def _entry_of(raw: object, path: Path) -> LedgerEntry:
    d = obj(raw, path, frozenset({"index", "prev_hash", "payload", "hash"}))
    index = small_int(d["index"], at(path, "index"), 0, MAX_INDEX)
    prev = _digest(d["prev_hash"], at(path, "prev_hash"))
    payload = _payload_of(d["payload"], at(path, "payload"))
    return LedgerEntry(index, prev, payload, _digest(d["hash"], at(path, "hash")))


def encode_entries(entries: Iterable[LedgerEntry]) -> bytes:
    """Entries as a wire document ``{"schema": LEDGER_SCHEMA, "version": 1, "body": {"entries": […]}}``
    (no expressions, so none of the codec tables)."""
    doc = {"schema": LEDGER_SCHEMA, "version": LEDGER_VERSION, "body": {"entries": [e.to_json() for e in entries]}}
    return dump_text(doc).encode("ascii")


def decode_entries(data: bytes, limits: Limits = NET_LIMITS) -> list[LedgerEntry]:
    """Decode untrusted bytes under ``limits`` (form only: links are checked by ``merge``).
    Raises ``CodecError`` with the JSON path."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CodecError("$", "wrong input type", "bytes", type(data).__name__)
    if len(data) > limits.max_document_chars:
        raise CodecError("$", "document too large", f"at most {limits.max_document_chars} bytes", str(len(data)))
    top = obj(parse_text(text_of_bytes(bytes(data)), limits), "$", frozenset({"schema", "version", "body"}))
    if top["schema"] != LEDGER_SCHEMA:
        raise CodecError("$.schema", "not a ledger document", repr(LEDGER_SCHEMA), describe(top["schema"]))
    version = small_int(top["version"], "$.version", 0)
    if version != LEDGER_VERSION:
        raise CodecError("$.version", "unsupported schema version", str(LEDGER_VERSION), str(version))
    body = obj(top["body"], "$.body", frozenset({"entries"}))
    raw = lst(body["entries"], "$.body.entries")
    return [_entry_of(x, at("$.body.entries", i)) for i, x in enumerate(raw)]


# ---------------------------------------------------------------------------------------------
# the ledger
# ---------------------------------------------------------------------------------------------

_DDL = (
    """CREATE TABLE IF NOT EXISTS entries (
        idx INTEGER PRIMARY KEY, prev TEXT NOT NULL, payload TEXT NOT NULL, hash TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE)""",
    # a guard against bugs, not attackers (who can drop it): the chain check is the defence
    """CREATE TRIGGER IF NOT EXISTS entries_append_only_update BEFORE UPDATE ON entries
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS entries_append_only_delete BEFORE DELETE ON entries
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END""",
    """CREATE TABLE IF NOT EXISTS peer_seen (
        peer TEXT NOT NULL, idx INTEGER NOT NULL, hash TEXT NOT NULL, status TEXT NOT NULL,
        PRIMARY KEY (peer, idx)) WITHOUT ROWID""",
)


class Ledger:
    """See the module docstring."""

    FILE = "ledger.sqlite3"
    SCHEMA = "tactic-mesh/ledger"
    VERSION = 1

    def __init__(self, data_dir: str | os.PathLike[str], *, clock: Callable[[], int] | None = None,
                 verify: bool = True) -> None:  # fmt: skip
        self.clock = clock
        self.store = Store(FilePath(data_dir) / self.FILE, self.SCHEMA, self.VERSION, _DDL, LedgerError)
        self.path = self.store.path
        self._merging = threading.Lock()
        if verify:
            check = self.verify_chain()
            if check.first_bad is not None:
                self.store.close()
                raise LedgerCorrupt(str(self.path), check.first_bad, check.reason)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __len__(self) -> int:
        rows = self.store.read("SELECT count(*) FROM entries")
        return rows[0][0] if type(rows[0][0]) is int else 0

    def counters(self) -> dict[str, int]:
        """Persisted: ``appended``, ``merge.accepted``, ``merge.duplicate``, ``merge.rejected.<kind>``,
        ``merge.fork``, ``merge.broken``."""
        return self.store.counters()

    # -- reading -------------------------------------------------------------------------------

    def _row(self, row: tuple[object, ...]) -> LedgerEntry:
        idx, prev, text, h = row[:4]
        where = f"entry {idx}"
        if type(idx) is not int or type(text) is not str:
            raise LedgerError(str(self.path), where, "unreadable row (wrong column types)")
        try:
            payload = _payload_of(parse_text(text, DEFAULT_LIMITS), "$")
            return LedgerEntry(idx, _digest(prev, "prev"), payload, _digest(h, "hash"))
        except CodecError as err:
            raise LedgerError(str(self.path), where, f"unreadable row: {err.message}") from None

    def head(self) -> Head:
        rows = self.store.read("SELECT idx, hash FROM entries ORDER BY idx DESC LIMIT 1")
        if not rows:
            return Head()
        idx, h = rows[0]
        if type(idx) is not int or not is_digest(h):
            raise LedgerError(str(self.path), f"entry {idx}", "unreadable head row")
        assert isinstance(h, str)
        return Head(idx, h)

    def entry(self, index: int) -> LedgerEntry | None:
        if type(index) is not int or not 0 <= index <= MAX_INDEX:
            return None
        rows = self.store.read("SELECT idx, prev, payload, hash FROM entries WHERE idx = ?", (index,), f"entry {index}")
        return self._row(rows[0]) if rows else None

    def find(self, key: str) -> LedgerEntry | None:
        """The entry of a cache key."""
        rows = self.store.read("SELECT idx, prev, payload, hash FROM entries WHERE key = ?", (key,), str(key))
        return self._row(rows[0]) if rows else None

    def entries_after(self, index: int, limit: int | None = None) -> list[LedgerEntry]:
        """The entries with an index above ``index``, in order (at most ``limit``)."""
        index = max(-1, min(index, MAX_INDEX)) if type(index) is int else -1
        n = -1 if limit is None else max(0, limit)
        rows = self.store.read("SELECT idx, prev, payload, hash FROM entries WHERE idx > ? ORDER BY idx LIMIT ?",
                               (index, n), f"after {index}")  # fmt: skip
        return [self._row(r) for r in rows]

    def verify_chain(self) -> ChainCheck:
        """Recompute every link; the first bad index and why (module docstring)."""
        rows = self.store.read("SELECT idx, prev, payload, hash, key FROM entries ORDER BY idx")
        prev = GENESIS
        for n, (idx, stored_prev, text, h, key) in enumerate(rows):
            if idx != n:
                return ChainCheck(len(rows), n, f"entry {n} is missing (found index {idx!r} next)")
            try:
                if type(text) is not str:
                    raise CodecError("$", "payload not text")
                payload = _payload_of(parse_text(text, DEFAULT_LIMITS), "$")
            except CodecError as err:
                return ChainCheck(len(rows), n, f"unreadable payload: {err.message}")
            if payload.canonical() != text:
                return ChainCheck(len(rows), n, "the payload is not in canonical form")
            if stored_prev != prev:
                return ChainCheck(len(rows), n, "prev_hash is not the hash of the entry before")
            if not is_digest(h) or link_hash(prev, payload) != h:
                return ChainCheck(len(rows), n, "the hash does not match the entry's content")
            if key != payload.key:
                return ChainCheck(len(rows), n, "the key column is not the payload's key")
            assert isinstance(h, str)
            prev = h
        return ChainCheck(len(rows))

    # -- writing -------------------------------------------------------------------------------

    def append(self, entry: CacheEntry, *, source: Source | None = None) -> LedgerEntry:
        """Record a locally verified cache entry (the existing ledger entry when its key is there)."""
        if not isinstance(entry, CacheEntry):
            raise LedgerError(str(self.path), "append", f"only a verified CacheEntry is recorded, not "
                              f"{type(entry).__name__}")  # fmt: skip
        return self._append(entry, source, None)

    def _append(self, entry: CacheEntry, source: Source | None, seen: tuple[str, LedgerEntry] | None) -> LedgerEntry:
        time = None if self.clock is None else int(self.clock())
        payload = Payload(entry.key, entry.goal, entry.digest, time, source)
        with self.store.tx(f"append {entry.key}") as c:
            row = c.execute("SELECT idx, prev, payload, hash FROM entries WHERE key = ?", (entry.key,)).fetchone()
            made: LedgerEntry | None = None
            if row is None:
                last = c.execute("SELECT idx, hash FROM entries ORDER BY idx DESC LIMIT 1").fetchone()
                index, prev = (0, GENESIS) if last is None else (int(last[0]) + 1, str(last[1]))
                made = LedgerEntry(index, prev, payload, link_hash(prev, payload))
                c.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?)",
                          (made.index, made.prev_hash, payload.canonical(), made.hash, entry.key))  # fmt: skip
                Store.bump(c, "appended")
            if seen is not None:
                peer, theirs = seen
                c.execute("INSERT OR REPLACE INTO peer_seen VALUES (?, ?, ?, 'accepted')",
                          (peer, theirs.index, theirs.hash))  # fmt: skip
                Store.bump(c, "merge.accepted")
        return made if made is not None else self._row(row)

    # -- anti-entropy ----------------------------------------------------------------------------

    def missing_from(self, their_head: Head, limit: int | None = None) -> list[LedgerEntry]:
        """The entries a peer holding ``their_head`` of this chain lacks: those after it when this
        chain has that entry, else the whole chain (the peer's view diverges)."""
        if their_head.index >= 0:
            mine = self.entry(their_head.index)
            if mine is not None and mine.hash == their_head.hash:
                return self.entries_after(their_head.index, limit)
        return self.entries_after(-1, limit)

    def cursor(self, peer: str) -> Head:
        """How far ``peer``'s chain has been merged (the head to send it)."""
        rows = self.store.read("SELECT idx, hash FROM peer_seen WHERE peer = ? ORDER BY idx DESC LIMIT 1",
                               (peer,), f"peer {peer}")  # fmt: skip
        if not rows:
            return Head()
        idx, h = rows[0]
        return Head(idx if type(idx) is int else -1, h if isinstance(h, str) else GENESIS)

    def _seen(self, peer: str, index: int) -> str | None:
        rows = self.store.read("SELECT hash FROM peer_seen WHERE peer = ? AND idx = ?", (peer, index), f"peer {peer}")
        return str(rows[0][0]) if rows else None

    def _mark(self, peer: str, e: LedgerEntry, status: str, counter: str) -> None:
        with self.store.tx(f"peer {peer}") as c:
            c.execute("INSERT OR REPLACE INTO peer_seen VALUES (?, ?, ?, ?)", (peer, e.index, e.hash, status))
            Store.bump(c, counter)

    def _bump(self, counter: str) -> None:
        with self.store.tx("counters") as c:
            Store.bump(c, counter)

    def merge(self, entries: Sequence[LedgerEntry], verify: Verify, *, peer: str = "peer") -> MergeReport:
        """Merge a peer's entries (consecutive, ascending), re-verifying each (module docstring)."""
        with self._merging:
            return self._merge(list(entries), verify, peer)

    def _merge(self, batch: list[LedgerEntry], verify: Verify, peer: str) -> MergeReport:
        appended: list[LedgerEntry] = []
        rejected: list[RejectedEntry] = []
        known = duplicates = 0
        fork: Fork | None = None

        def report(broken: int | None = None, why: str = "", pending: int | None = None) -> MergeReport:
            if broken is not None:
                self._bump("merge.broken")
            return MergeReport(tuple(appended), known, duplicates, tuple(rejected), fork, broken, why, pending,
                               self.cursor(peer))  # fmt: skip

        if not batch:
            return report()
        first = batch[0]
        if not isinstance(first, LedgerEntry):
            return report(0, "not a ledger entry")
        if first.index == 0:
            prev = GENESIS
        else:
            seen = self._seen(peer, first.index - 1)
            if seen is None:
                return report(first.index, f"does not continue what was seen of the peer (cursor {self.cursor(peer)})")
            if seen != first.prev_hash:
                fork = Fork(first.index - 1, seen, first.prev_hash)
                self._bump("merge.fork")
                return report(first.index, "the peer's history differs before this batch: ask from genesis")
            prev = seen
        for n, e in enumerate(batch):
            index = first.index + n
            if not isinstance(e, LedgerEntry) or e.index != index:
                return report(index, "entries not consecutive")
            if e.prev_hash != prev:
                return report(index, "prev_hash is not the hash of the entry before")
            if not e.linked():
                return report(index, "the hash does not match the entry's content")
            seen = self._seen(peer, index)
            if seen == e.hash:
                known += 1
                prev = e.hash
                continue
            if seen is not None:  # a fork: forget what was seen of the peer from here on
                if fork is None:
                    fork = Fork(index, seen, e.hash)
                with self.store.tx(f"peer {peer}") as c:
                    c.execute("DELETE FROM peer_seen WHERE peer = ? AND idx >= ?", (peer, index))
                    Store.bump(c, "merge.fork")
            if self.find(e.payload.key) is not None:
                self._mark(peer, e, "duplicate", "merge.duplicate")
                duplicates += 1
                prev = e.hash
                continue
            try:
                verdict = verify(e)
            except Exception as err:  # a failing verifier is a rejection, never a crash of the merge
                verdict = Rejected(RejectKind.INTERNAL, f"verify raised {type(err).__name__}: {err}")
            if verdict is None:
                return report(pending=index)
            if isinstance(verdict, Accepted) and (verdict.entry.key != e.payload.key
                                                  or verdict.entry.goal != e.payload.statement):  # fmt: skip
                verdict = Rejected(RejectKind.MISMATCH, "the verified certificate is not the one the entry names")
            if isinstance(verdict, Accepted):
                appended.append(self._append(verdict.entry, Source(peer, index, e.hash), (peer, e)))
            elif isinstance(verdict, Rejected):
                self._mark(peer, e, "rejected", f"merge.rejected.{verdict.kind.value}")
                rejected.append(RejectedEntry(index, verdict.kind, verdict.reason))
            else:
                return report(index, f"verify returned {type(verdict).__name__}")
            prev = e.hash
        return report()
