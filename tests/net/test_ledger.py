"""The ledger: hash chain, tamper detection, anti-entropy between two nodes' ledgers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs
import pytest
from net_support import prove_each

from tactic_mesh.api import Session
from tactic_mesh.codecs.json_artifacts import KernelCertificate
from tactic_mesh.codecs.json_base import CodecError
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import App, Const, Expr
from tactic_mesh.kernel.level import ZERO
from tactic_mesh.net.cache import Accepted, Program, RejectKind, VerifiedCache, WireCertificate, encode_wire
from tactic_mesh.net.keys import digest_bytes, key_of, provenance_of
from tactic_mesh.net.ledger import (
    GENESIS,
    Head,
    Ledger,
    LedgerCorrupt,
    LedgerEntry,
    LedgerError,
    MergeReport,
    Payload,
    certificate_verifier,
    decode_entries,
    encode_entries,
    link_hash,
)

STATEMENTS = ["∀ n : Nat, n + 0 = n", "∀ (p q : Prop), p → q → p", "∀ (α : Type u) (a : α), a = a",
              "∀ (p : Prop), p → p", "∀ (a b : Nat), a = b → b = a"]  # fmt: skip


@attrs.frozen
class Node:
    cache: VerifiedCache
    ledger: Ledger

    def prove_locally(self, env: Environment, fact: tuple[Expr, tuple[str, ...], Expr, tuple[str, ...]]) -> LedgerEntry:
        statement, params, proof, script = fact
        done = self.cache.put_local(env, statement, params, proof, script)
        assert isinstance(done, Accepted)
        return self.ledger.append(done.entry)

    def close(self) -> None:
        self.cache.close()
        self.ledger.close()


Fact = tuple[Expr, tuple[str, ...], Expr, tuple[str, ...]]


@pytest.fixture(scope="module")
def facts(session: Session) -> list[Fact]:
    return [(p.statement, p.params, p.result.proof_term, p.result.script) for p in prove_each(session, STATEMENTS)]


def node(path: Path) -> Node:
    return Node(VerifiedCache(path), Ledger(path))


def _tamper(path: Path, *sqls: tuple[str, tuple[object, ...]]) -> None:
    con = sqlite3.connect(path)
    with con:
        con.execute("DROP TRIGGER IF EXISTS entries_append_only_update")
        con.execute("DROP TRIGGER IF EXISTS entries_append_only_delete")
        for sql, args in sqls:
            con.execute(sql, args)
    con.close()


def test_append_builds_a_deterministic_chain(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    a, b = node(tmp_path / "a"), node(tmp_path / "b")
    try:
        made = [a.prove_locally(env, f) for f in facts[:3]]
        assert [e.index for e in made] == [0, 1, 2]
        assert made[0].prev_hash == GENESIS and made[1].prev_hash == made[0].hash
        assert all(e.linked() for e in made)
        assert made[2].hash == link_hash(made[1].hash, made[2].payload)
        assert a.ledger.head() == Head(2, made[2].hash)
        assert a.ledger.entries_after(0) == made[1:] and a.ledger.entries_after(2) == []
        assert a.ledger.entries_after(-1, limit=2) == made[:2]
        assert a.ledger.verify_chain().ok and a.ledger.verify_chain().length == 3
        again = a.prove_locally(env, facts[0])
        assert again == made[0] and len(a.ledger) == 3  # one entry per key
        assert [b.prove_locally(env, f).hash for f in facts[:3]] == [e.hash for e in made]  # no clock: same hashes
        p = made[1].payload
        entry = a.cache.get(env, facts[1][0], facts[1][1])
        assert entry is not None and (p.key, p.statement, p.certificate) == (entry.key, entry.goal, entry.digest)
        with pytest.raises(LedgerError):
            a.ledger.append("not a cache entry")  # type: ignore[arg-type]
    finally:
        a.close()
        b.close()


def test_the_chain_survives_a_restart_and_records_time(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    n = Node(VerifiedCache(tmp_path), Ledger(tmp_path, clock=lambda: 1_700_000_000))
    made = [n.prove_locally(env, f) for f in facts[:2]]
    n.close()
    with Ledger(tmp_path) as ledger:
        assert ledger.entries_after(-1) == made and made[0].payload.time == 1_700_000_000
        assert ledger.find(made[1].payload.key) == made[1]
        assert ledger.counters() == {"appended": 2}


def _three(tmp_path: Path, env: Environment, facts: list[Fact]) -> tuple[Path, list[LedgerEntry]]:
    n = node(tmp_path)
    made = [n.prove_locally(env, f) for f in facts[:3]]
    n.close()
    return tmp_path / Ledger.FILE, made


def test_tampering_is_detected_at_its_index(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    db, made = _three(tmp_path / "edit", env, facts)
    forged = attrs.evolve(made[1].payload, certificate="f" * 64).canonical()
    _tamper(db, ("UPDATE entries SET payload = ? WHERE idx = 1", (forged,)))
    with Ledger(tmp_path / "edit", verify=False) as ledger:
        check = ledger.verify_chain()
        assert (check.first_bad, check.length) == (1, 3) and "hash" in check.reason
    with pytest.raises(LedgerCorrupt) as info:
        Ledger(tmp_path / "edit")
    assert info.value.index == 1 and "entry 1" in str(info.value)

    db, made = _three(tmp_path / "rehash", env, facts)  # the edit re-hashed: the next link breaks
    payload = attrs.evolve(made[1].payload, certificate="f" * 64)
    _tamper(db, ("UPDATE entries SET payload = ?, hash = ? WHERE idx = 1",
                 (payload.canonical(), link_hash(made[1].prev_hash, payload))))  # fmt: skip
    with Ledger(tmp_path / "rehash", verify=False) as ledger:
        check = ledger.verify_chain()
        assert check.first_bad == 2 and "prev_hash" in check.reason

    db, _ = _three(tmp_path / "gap", env, facts)
    _tamper(db, ("DELETE FROM entries WHERE idx = 1", ()))
    with Ledger(tmp_path / "gap", verify=False) as ledger:
        assert ledger.verify_chain().first_bad == 1

    db, _ = _three(tmp_path / "key", env, facts)
    _tamper(db, ("UPDATE entries SET key = ? WHERE idx = 0", ("a" * 64,)))
    with Ledger(tmp_path / "key", verify=False) as ledger:
        assert ledger.verify_chain().first_bad == 0


def test_the_ledger_is_append_only_in_sql(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    db, _ = _three(tmp_path, env, facts)
    con = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM entries WHERE idx = 2")
    con.close()


def _sync(src: Node, dst: Node, env: Environment, peer: str) -> MergeReport:
    """One anti-entropy round: ``dst`` sends its cursor of ``src``, gets the missing entries as
    bytes, and merges them, fetching certificates from ``src``'s cache."""
    wire = encode_entries(src.ledger.missing_from(dst.ledger.cursor(peer)))
    verify = certificate_verifier(dst.cache, env, src.cache.export)
    return dst.ledger.merge(decode_entries(wire), verify, peer=peer)


def test_anti_entropy_fetches_and_verifies_what_is_missing(tmp_path: Path, env: Environment,
                                                           facts: list[Fact]) -> None:
    a, b = node(tmp_path / "a"), node(tmp_path / "b")
    try:
        for f in facts[:3]:
            a.prove_locally(env, f)
        b.prove_locally(env, facts[1])  # b already knows one of them
        report = _sync(a, b, env, "a")
        assert len(report.appended) == 2 and report.duplicates == 1 and report.rejected == ()
        assert report.fork is None and report.broken is None and report.cursor == a.ledger.head()
        assert all(e.payload.source is not None and e.payload.source.peer == "a" for e in report.appended)
        assert b.ledger.verify_chain().ok and len(b.ledger) == 3
        for statement, params, _, _ in facts[:3]:
            assert b.cache.get(env, statement, params) is not None  # the certificates were checked and stored
        assert b.cache.counters()["accepted"] == 2

        quiet = _sync(a, b, env, "a")  # nothing new
        assert quiet.appended == () and quiet.known == 0 and a.ledger.missing_from(b.ledger.cursor("a")) == []
        a.prove_locally(env, facts[3])
        later = _sync(a, b, env, "a")
        assert len(later.appended) == 1 and len(b.ledger) == 4

        back = _sync(b, a, env, "b")  # the other way: a learns nothing new (b's facts came from a or overlap)
        assert back.appended == () and back.duplicates == 4
        assert b.ledger.counters()["merge.accepted"] == 3
    finally:
        a.close()
        b.close()


def _forged_chain(env: Environment, facts: list[Fact],
                  honest: VerifiedCache) -> tuple[list[LedgerEntry], dict[str, bytes]]:
    """A Byzantine peer's chain: entry 0 names a proof by sorry, entry 1 an honest proof."""
    statement, params, _, _ = facts[0]
    k = key_of(env, statement, params)
    sorry = App(Const("sorryAx", (ZERO,)), statement)
    bad = encode_wire(WireCertificate(k.key, Program.of(["sorry"]), KernelCertificate(statement, sorry, params,
                                                                                      provenance_of(env))))  # fmt: skip
    good = honest.put_local(env, *facts[1])
    assert isinstance(good, Accepted)
    p0 = Payload(k.key, k.goal, digest_bytes(bad))
    e0 = LedgerEntry(0, GENESIS, p0, link_hash(GENESIS, p0))
    p1 = Payload(good.entry.key, good.entry.goal, good.entry.digest)
    e1 = LedgerEntry(1, e0.hash, p1, link_hash(e0.hash, p1))
    return [e0, e1], {k.key: bad, good.entry.key: honest.export(good.entry.key)}


def test_a_forged_peer_entry_is_rejected_and_never_appended(tmp_path: Path, env: Environment,
                                                            facts: list[Fact]) -> None:
    with VerifiedCache(tmp_path / "evil") as evil_cache:
        chain, served = _forged_chain(env, facts, evil_cache)
    b = node(tmp_path / "b")
    try:
        verify = certificate_verifier(b.cache, env, served.get)
        report = b.ledger.merge(decode_entries(encode_entries(chain)), verify, peer="evil")
        assert [(r.index, r.kind) for r in report.rejected] == [(0, RejectKind.FORGED)]
        assert len(report.appended) == 1 and report.appended[0].payload.key == chain[1].payload.key
        assert len(b.ledger) == 1 and b.ledger.find(chain[0].payload.key) is None
        assert b.cache.get(env, facts[0][0], facts[0][1]) is None
        assert b.ledger.counters()["merge.rejected.forged"] == 1
        assert b.cache.counters()["rejected.forged"] == 1
        again = b.ledger.merge(chain, verify, peer="evil")  # remembered: not re-verified, not appended
        assert again.known == 2 and again.rejected == () and len(b.ledger) == 1
    finally:
        b.close()


def test_a_certificate_other_than_the_one_named_is_rejected(tmp_path: Path, env: Environment,
                                                            facts: list[Fact]) -> None:
    a, b = node(tmp_path / "a"), node(tmp_path / "b")
    try:
        e = a.prove_locally(env, facts[0])
        other = a.cache.put_local(env, *facts[1])
        assert isinstance(other, Accepted)
        swapped = {e.payload.key: a.cache.export(other.entry.key)}  # a genuine certificate, of another goal
        report = b.ledger.merge([e], certificate_verifier(b.cache, env, swapped.get), peer="a")
        assert [r.kind for r in report.rejected] == [RejectKind.MISMATCH] and len(b.ledger) == 0
    finally:
        a.close()
        b.close()


def test_a_broken_link_stops_the_merge(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    a, b = node(tmp_path / "a"), node(tmp_path / "b")
    try:
        chain = [a.prove_locally(env, f) for f in facts[:3]]
        tampered = list(chain)
        tampered[1] = attrs.evolve(chain[1], payload=attrs.evolve(chain[1].payload, statement="e" * 64))
        report = b.ledger.merge(tampered, certificate_verifier(b.cache, env, a.cache.export), peer="a")
        assert report.broken == 1 and len(report.appended) == 1 and "hash" in report.broken_reason
        assert b.ledger.cursor("a") == Head(0, chain[0].hash)
        skipped = b.ledger.merge(chain[2:], certificate_verifier(b.cache, env, a.cache.export), peer="a")
        assert skipped.broken == 2 and skipped.appended == ()  # a batch that does not continue the cursor
        rest = _sync(a, b, env, "a")
        assert len(rest.appended) == 2 and b.ledger.verify_chain().ok
    finally:
        a.close()
        b.close()


def test_an_unavailable_certificate_is_retried_later(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    a, b = node(tmp_path / "a"), node(tmp_path / "b")
    try:
        chain = [a.prove_locally(env, f) for f in facts[:3]]
        flaky = {chain[0].payload.key: a.cache.export(chain[0].payload.key)}
        report = b.ledger.merge(chain, certificate_verifier(b.cache, env, flaky.get), peer="a")
        assert report.pending == 1 and len(report.appended) == 1 and report.cursor.index == 0
        report = _sync(a, b, env, "a")
        assert len(report.appended) == 2 and report.pending is None
    finally:
        a.close()
        b.close()


def test_a_failing_verifier_is_a_rejection(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    a, b = node(tmp_path / "a"), node(tmp_path / "b")
    try:
        chain = [a.prove_locally(env, facts[0])]

        def boom(entry: LedgerEntry) -> None:
            raise RuntimeError("network on fire")

        report = b.ledger.merge(chain, boom, peer="a")
        assert [r.kind for r in report.rejected] == [RejectKind.INTERNAL] and len(b.ledger) == 0
    finally:
        a.close()
        b.close()


def test_a_fork_is_reported_and_local_entries_are_kept(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    a, b = node(tmp_path / "a"), node(tmp_path / "b")
    try:
        for f in facts[:2]:
            a.prove_locally(env, f)
        assert len(_sync(a, b, env, "a").appended) == 2
    finally:
        a.close()
    # "a" comes back with another history (a lost disk, or a lie): facts 2, 0, 3 in that order
    a2 = node(tmp_path / "a2")
    try:
        for f in (facts[2], facts[0], facts[3]):
            a2.prove_locally(env, f)
        before = b.ledger.entries_after(-1)
        report = _sync(a2, b, env, "a")  # b's cursor does not match: a2 sends its whole chain
        assert report.fork is not None and report.fork.index == 0
        assert len(report.appended) == 2 and report.duplicates == 1  # facts 2 and 3 are new, fact 0 known
        assert b.ledger.entries_after(-1)[:2] == before  # nothing removed or reordered
        assert b.ledger.verify_chain().ok and b.ledger.cursor("a") == a2.ledger.head()
        assert b.ledger.counters()["merge.fork"] == 1
        quiet = _sync(a2, b, env, "a")
        assert quiet.fork is None and quiet.appended == ()
    finally:
        a2.close()
        b.close()


@pytest.mark.parametrize("data, path", [
    (b'{"schema":"tactic-mesh/ledger-entries","version":1,"body":{"entries":[', "$ (line"),
    (b'{"schema":"tactic-mesh/other","version":1,"body":{"entries":[]}}', "$.schema"),
    (b'{"schema":"tactic-mesh/ledger-entries","version":2,"body":{"entries":[]}}', "$.version"),
    (b'{"schema":"tactic-mesh/ledger-entries","version":1,"body":{"entries":[{"index":0}]}}',
     "$.body.entries[0].hash"),
    (b"[" * 1000 + b"]" * 1000, "$ (offset"),
])
def test_bad_entry_documents_are_located(data: bytes, path: str) -> None:
    with pytest.raises(CodecError) as info:
        decode_entries(data)
    assert info.value.path.startswith(path)


def test_entry_documents_round_trip(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    n = Node(VerifiedCache(tmp_path), Ledger(tmp_path, clock=lambda: 5))
    try:
        chain = [n.prove_locally(env, f) for f in facts[:2]]
        assert decode_entries(encode_entries(chain)) == chain
        bad_digest = encode_entries(chain).replace(chain[0].hash.encode(), b"X" * 64, 1)
        with pytest.raises(CodecError, match="sha256"):
            decode_entries(bad_digest)
    finally:
        n.close()


def test_missing_from_an_unknown_head_sends_everything(tmp_path: Path, env: Environment, facts: list[Fact]) -> None:
    n = node(tmp_path)
    try:
        chain = [n.prove_locally(env, f) for f in facts[:3]]
        assert n.ledger.missing_from(Head()) == chain
        assert n.ledger.missing_from(Head(1, chain[1].hash)) == chain[2:]
        assert n.ledger.missing_from(Head(1, "d" * 64)) == chain  # a head this chain never had
        assert n.ledger.missing_from(Head(10**30, chain[1].hash)) == chain
        assert n.ledger.missing_from(Head(-1), limit=1) == chain[:1]
    finally:
        n.close()
