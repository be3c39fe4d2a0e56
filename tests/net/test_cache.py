"""The verified cache: local proofs persist, peers' certificates are re-checked, bad input is
rejected with its kind and counted, tampered rows are caught on read."""

from __future__ import annotations

import gzip
import json
import random
import sqlite3
from pathlib import Path

import attrs
import pytest
from net_support import Proved, prove_each, sorry_of, wire

from tactic_mesh.api import Session
from tactic_mesh.codecs.json_artifacts import KernelCertificate
from tactic_mesh.codecs.json_envelope import dumps
from tactic_mesh.kernel.declarations import admit_theorem, axioms_of
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import Const, NatLit
from tactic_mesh.net import cache as cache_module
from tactic_mesh.net.cache import (
    Accepted,
    CacheError,
    Program,
    ProofRefused,
    Rejected,
    RejectKind,
    VerifiedCache,
    WireCertificate,
    encode_wire,
)
from tactic_mesh.net.keys import CheckOptions, digest_bytes, key_of, provenance_of

STATEMENTS = ["∀ n : Nat, n + 0 = n", "∀ (p q : Prop), p → q → p", "∀ (α : Type u) (a : α), a = a"]


@pytest.fixture(scope="module")
def proved(session: Session) -> list[Proved]:
    return prove_each(session, STATEMENTS)


def test_local_proof_survives_a_restart(tmp_path: Path, env: Environment, proved: list[Proved],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with VerifiedCache(tmp_path) as cache:
        for p in proved:
            done = cache.put_local(env, p.statement, p.params, p.result.proof_term, p.result.script)
            assert isinstance(done, Accepted) and done.stored and done.entry.origin == "local"
        assert len(cache) == 3
    checks: list[int] = []
    real = cache_module.kernel_admits

    def counting(*args: object, **kwargs: object) -> tuple[str, ...]:
        checks.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cache_module, "kernel_admits", counting)
    with VerifiedCache(tmp_path) as cache:
        p = proved[0]
        entry = cache.get(env, p.statement, p.params)
        assert entry is not None and entry.proof is p.result.proof_term
        assert entry.program.lines == p.result.script and entry.axioms == ()
        assert len(checks) == 1  # re-verified once after the restart…
        assert cache.get(env, p.statement, p.params) == entry
        assert len(checks) == 1  # …and only once
        renamed, params = Session().elaborate("∀ m : Nat, m + 0 = m")
        assert cache.get(env, renamed, params) == entry  # the key is stable under alpha-renaming
        assert cache.get(env, proved[2].statement, ("u",)) is not None
        assert cache.session["hits"] == 4
        assert cache.counters()["local"] == 3  # persisted


def test_another_environment_misses(tmp_path: Path, env: Environment, proved: list[Proved]) -> None:
    p = proved[0]
    with VerifiedCache(tmp_path) as cache:
        cache.put_local(env, p.statement, p.params, p.result.proof_term, p.result.script)
        assert cache.get(Session(library=None).environment, p.statement, p.params) is None
        assert cache.get(env, p.statement, p.params) is not None
    with VerifiedCache(tmp_path, options=CheckOptions(allow_axioms=False)) as strict:
        assert strict.get(env, p.statement, p.params) is None  # other options, other key


def test_put_local_refuses_what_the_kernel_refuses(tmp_path: Path, env: Environment, proved: list[Proved]) -> None:
    p, q = proved[0], proved[1]
    with VerifiedCache(tmp_path) as cache:
        for bad in (q.result.proof_term, sorry_of(p.statement), NatLit(0)):
            with pytest.raises(ProofRefused) as info:
                cache.put_local(env, p.statement, p.params, bad, ["rfl"])
            assert str(tmp_path) in str(info.value) and info.value.where == key_of(env, p.statement, ()).key
        assert len(cache) == 0


def test_a_peer_certificate_is_checked_then_stored(tmp_path: Path, env: Environment, proved: list[Proved]) -> None:
    with VerifiedCache(tmp_path / "a") as a, VerifiedCache(tmp_path / "b") as b:
        done = a.put_local(env, proved[1].statement, (), proved[1].result.proof_term, proved[1].result.script)
        assert isinstance(done, Accepted)
        data = a.export(done.entry.key)
        assert digest_bytes(data) == done.entry.digest
        got = b.offer(env, data)
        assert isinstance(got, Accepted) and got.stored and got.entry.origin == "peer"
        assert got.entry.digest == done.entry.digest  # canonical bytes on both sides
        again = b.offer(env, data)
        assert isinstance(again, Accepted) and not again.stored
        assert b.counters() == {"accepted": 1, "duplicate": 1}
        assert b.export(done.entry.key) == data
        with pytest.raises(CacheError):
            b.export("0" * 64)


def _forgeries(env: Environment, proved: list[Proved]) -> list[tuple[str, bytes, RejectKind]]:
    p, q = proved[0], proved[1]
    good = wire(env, p)
    doc = json.loads(good)
    newer = dict(doc, version=2)
    other_kind = dumps("certificate", KernelCertificate(p.statement, p.result.proof_term, (), provenance_of(env)))
    prelude = Session(library=None).environment
    old_kernel = attrs.evolve(provenance_of(env), kernel_version="tactic-mesh-kernel/0.0.1")
    huge_line = wire(env, p, lines=("x" * 300_000,))
    tampered_statement = good.replace(b'["natlit","0"]', b'["natlit","1"]')
    assert tampered_statement != good
    return [
        ("a proof of another statement", wire(env, p, proof=q.result.proof_term), RejectKind.FORGED),
        ("a proof by sorry", wire(env, p, proof=sorry_of(p.statement)), RejectKind.FORGED),
        ("a term that does not type-check", wire(env, p, proof=NatLit(3)), RejectKind.FORGED),
        ("a statement with the other's key", wire(env, p, key=key_of(env, q.statement, ()).key), RejectKind.MISMATCH),
        ("tampered statement bytes", tampered_statement, RejectKind.MISMATCH),
        ("truncated JSON", good[: len(good) // 2], RejectKind.MALFORMED),
        ("not JSON", b"\xff\xfe garbage", RejectKind.MALFORMED),
        ("an empty document", b"{}", RejectKind.MALFORMED),
        ("oversized input", b" " * (8 * 1024 * 1024 + 1), RejectKind.OVERSIZED),
        ("an oversized string", huge_line, RejectKind.OVERSIZED),
        ("nesting too deep", b"[" * 100 + b"]" * 100, RejectKind.OVERSIZED),
        ("a newer schema version", json.dumps(newer).encode(), RejectKind.UNSUPPORTED),
        ("another document kind", other_kind.encode(), RejectKind.UNSUPPORTED),
        ("another environment", wire(prelude, p, key=key_of(env, p.statement, ()).key), RejectKind.STALE),
        ("another kernel version", wire(env, p, provenance=old_kernel), RejectKind.STALE),
    ]


def test_bad_certificates_are_rejected_with_their_kind_and_counted(tmp_path: Path, env: Environment,
                                                                   proved: list[Proved]) -> None:
    forgeries = _forgeries(env, proved)
    with VerifiedCache(tmp_path) as cache:
        for what, data, kind in forgeries:
            got = cache.offer(env, data)
            assert isinstance(got, Rejected), what
            assert got.kind is kind, (what, got)
            assert got.reason and got.path.startswith("$"), what
        assert len(cache) == 0
        expected: dict[str, int] = {}
        for _, _, kind in forgeries:
            expected[f"rejected.{kind.value}"] = expected.get(f"rejected.{kind.value}", 0) + 1
        assert cache.session == expected
    with VerifiedCache(tmp_path) as reopened:
        assert reopened.counters() == expected  # persisted


def test_the_genuine_certificate_is_accepted(tmp_path: Path, env: Environment, proved: list[Proved]) -> None:
    with VerifiedCache(tmp_path) as cache:
        for p in proved[:2]:
            got = cache.offer(env, wire(env, p))
            assert isinstance(got, Accepted) and got.stored
        zipped = gzip.compress(wire(env, proved[2]), mtime=0)  # gzip is accepted too
        got = cache.offer(env, zipped)
        assert isinstance(got, Accepted) and got.stored and got.entry.level_params == ("u",)
        assert cache.export(got.entry.key) == wire(env, proved[2])  # stored canonically


def test_axioms_policy_is_enforced(tmp_path: Path, env: Environment, proved: list[Proved]) -> None:
    p = proved[0]
    cheat = "cheat_axiom"
    from tactic_mesh.kernel.admission import add_decl
    from tactic_mesh.kernel.environment import AxiomDecl

    with_axiom = add_decl(env, AxiomDecl(cheat, (), p.statement))
    assert axioms_of(with_axiom, cheat) == (cheat,)
    strict = CheckOptions(allow_axioms=False)
    cert = KernelCertificate(p.statement, Const(cheat), (), provenance_of(with_axiom, strict))
    data = encode_wire(WireCertificate(key_of(with_axiom, p.statement, (), strict).key, Program.of([]), cert))
    with VerifiedCache(tmp_path / "strict", options=strict) as cache:
        got = cache.offer(with_axiom, data)
        assert isinstance(got, Rejected) and got.kind is RejectKind.FORGED and "axiom" in got.reason
    with VerifiedCache(tmp_path / "lax") as lax:
        relaxed = encode_wire(WireCertificate(key_of(with_axiom, p.statement, ()).key, Program.of([]),
                                              attrs.evolve(cert, provenance=provenance_of(with_axiom))))
        got = lax.offer(with_axiom, relaxed)
        assert isinstance(got, Accepted) and got.entry.axioms == (cheat,)


def _tamper(path: Path, sql: str, args: tuple[object, ...]) -> None:
    con = sqlite3.connect(path)
    with con:
        con.execute(sql, args)
    con.close()


def test_a_tampered_row_is_caught_on_read(tmp_path: Path, env: Environment, proved: list[Proved]) -> None:
    p, q, _ = proved
    with VerifiedCache(tmp_path) as cache:
        keys = [cache.put_local(env, x.statement, x.params, x.result.proof_term, x.result.script).entry.key
                for x in proved]  # fmt: skip
        db = cache.path
    sorry = wire(env, p, proof=sorry_of(p.statement))  # the right key, a "proof" by sorry, a matching digest
    _tamper(db, "UPDATE entries SET certificate = ?, digest = ? WHERE key = ?", (sorry, digest_bytes(sorry), keys[0]))
    other = wire(env, q)  # a genuine certificate, but of another statement
    _tamper(db, "UPDATE entries SET certificate = ?, digest = ? WHERE key = ?", (other, digest_bytes(other), keys[2]))
    _tamper(db, "UPDATE entries SET certificate = ? WHERE key = ?", (b"not a certificate", keys[1]))
    with VerifiedCache(tmp_path) as cache:
        for x in proved:
            assert cache.get(env, x.statement, x.params) is None
        assert cache.counters()["tampered"] == 3 and len(cache) == 0
        assert set(cache.tampered_keys) == set(keys)
        assert "forged" in cache.tampered_keys[keys[0]] and "mismatch" in cache.tampered_keys[keys[2]]


def test_a_row_changed_after_it_was_verified_is_verified_again(tmp_path: Path, env: Environment,
                                                               proved: list[Proved]) -> None:
    p = proved[0]
    with VerifiedCache(tmp_path) as cache:
        key = cache.put_local(env, p.statement, p.params, p.result.proof_term, p.result.script).entry.key
        assert cache.get(env, p.statement, p.params) is not None
        forged = wire(env, p, proof=sorry_of(p.statement))
        _tamper(cache.path, "UPDATE entries SET certificate = ?, digest = ? WHERE key = ?",
                (forged, digest_bytes(forged), key))  # fmt: skip
        assert cache.get(env, p.statement, p.params) is None
        assert cache.session["tampered"] == 1


def test_a_file_that_is_not_a_cache(tmp_path: Path) -> None:
    (tmp_path / VerifiedCache.FILE).write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(CacheError) as info:
        VerifiedCache(tmp_path)
    assert VerifiedCache.FILE in info.value.path
    other = tmp_path / "other"
    VerifiedCache(other).close()
    _tamper(other / VerifiedCache.FILE, "UPDATE meta SET value = '99' WHERE name = 'version'", ())
    with pytest.raises(CacheError, match="version"):
        VerifiedCache(other)


def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    op = rng.randrange(6)
    i = rng.randrange(len(b))
    if op == 0:
        b[i] = rng.randrange(256)
    elif op == 1:
        b[i] ^= 1 << rng.randrange(8)
    elif op == 2:
        del b[i : i + rng.randrange(1, 40)]
    elif op == 3:
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
    elif op == 4:
        b = b[:i]
    else:  # replace a digit or a structural character by another one
        j = rng.randrange(len(b))
        b[i], b[j] = b[j], b[i]
    return bytes(b)


def _tally(env: Environment, got: Accepted | Rejected, kinds: dict[str, int]) -> None:
    """Count ``got`` by kind; an acceptance must be a genuine proof of its statement (checked here
    independently of the cache), a rejection never the safety net's ``internal``."""
    assert isinstance(got, (Accepted, Rejected))
    if isinstance(got, Rejected):
        assert got.kind is not RejectKind.INTERNAL, got
        kinds[got.kind.value] = kinds.get(got.kind.value, 0) + 1
        return
    e = got.entry
    assert key_of(env, e.statement, e.level_params).key == e.key
    admitted, axioms = admit_theorem(env, "_fuzz_checked", e.level_params, e.statement, e.proof)
    assert "sorryAx" not in axioms and admitted.find("_fuzz_checked") is not None
    kinds["accepted"] = kinds.get("accepted", 0) + 1


def test_fuzz_the_decoder(tmp_path: Path, env: Environment, proved: list[Proved]) -> None:
    rng = random.Random(1717)
    originals = [wire(env, p, lines=p.result.script) for p in proved]
    kinds: dict[str, int] = {}
    with VerifiedCache(tmp_path) as cache:
        for n in range(400):
            base = originals[n % len(originals)]
            data = base
            for _ in range(rng.randrange(1, 4)):
                data = _mutate(rng, data) or b"x"
            _tally(env, cache.offer(env, data), kinds)
    assert kinds.get("malformed", 0) > 100  # the mutations did reach the decoder's checks


def _leaves(doc: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in _leaves(v, (*path, k))]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _set(doc: object, path: tuple[object, ...], value: object) -> None:
    for k in path[:-1]:
        doc = doc[k]  # type: ignore[index]
    doc[path[-1]] = value  # type: ignore[index]


def test_fuzz_the_document_structure(tmp_path: Path, env: Environment, proved: list[Proved]) -> None:
    """Type-correct JSON with one leaf changed: reaches the table, key and kernel checks."""
    rng = random.Random(4242)
    originals = [json.loads(wire(env, p, lines=p.result.script)) for p in proved]
    kinds: dict[str, int] = {}
    with VerifiedCache(tmp_path) as cache:
        for n in range(300):
            doc = json.loads(json.dumps(originals[n % len(originals)]))
            path = rng.choice(_leaves(doc))
            if not path:
                continue
            _set(doc, path, rng.choice([0, 1, 2, 3, 7, -1, "0", "u", "Nat", "zero", None, True, [], {}, 2**60]))
            _tally(env, cache.offer(env, json.dumps(doc).encode()), kinds)
    assert kinds.get("malformed", 0) > 50 and kinds.get("forged", 0) + kinds.get("mismatch", 0) > 5, kinds
