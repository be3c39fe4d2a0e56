"""A node's request path (``Node.handle``, no sockets): every request type, idempotent replays,
bad frames answered with their kind, peers' announcements re-checked before they are stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from net_support import Proved, free_address, heuristic_node, prove_each, sorry_of, wire

from tactic_mesh.api import Session
from tactic_mesh.codecs.json_envelope import dumps
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.net.keys import digest_bytes, key_of
from tactic_mesh.net.ledger import decode_entries
from tactic_mesh.net.node import Node, encode_statement
from tactic_mesh.net.wire import Frame, decode_frame, encode_frame

STATEMENTS = ["∀ n : Nat, n + 0 = n", "∀ (p q : Prop), p → q → p"]


@pytest.fixture(scope="module")
def proved(session: Session) -> list[Proved]:
    return prove_each(session, STATEMENTS)


@pytest.fixture
def node(tmp_path: Path, session: Session) -> Iterator[Node]:
    n = heuristic_node(session, free_address(), tmp_path / "node", experts=("intro", "apply", "rewrite"))
    yield n
    n.cache.close()
    n.ledger.close()


def ask(node: Node, frame: Frame) -> Frame:
    return decode_frame(node.handle(encode_frame(frame)))


def solve_frame(env: Environment, p: Proved, rid: str = "r1", key: str | None = None) -> Frame:
    key = key_of(env, p.statement, p.params).key if key is None else key
    return Frame("solve", rid, {"key": key, "budget": 5, "nodes": 500}, encode_statement(env, p.statement, p.params))


def test_hello_names_experts_and_root(node: Node) -> None:
    caps = ask(node, Frame("hello", "h")).body
    assert caps["experts"] == ["intro", "apply", "rewrite"] and caps["root"] == node.root and caps["cache"] == 0


def test_solve_proves_stores_records_and_replays(node: Node, env: Environment, proved: list[Proved]) -> None:
    p = proved[0]
    first = node.handle(encode_frame(solve_frame(env, p)))
    reply = decode_frame(first)
    assert reply.type == "reply" and reply.body == {"found": True, "cached": False}
    key = key_of(env, p.statement, p.params).key
    assert key in node.cache and node.ledger.find(key) is not None
    assert node.handle(encode_frame(solve_frame(env, p))) == first  # the same (req_id, key): the same answer
    assert node.counters()["replayed"] == 1
    again = ask(node, solve_frame(env, p, rid="r2"))  # a new request: served from the cache
    assert again.body == {"found": True, "cached": True} and again.attachment == reply.attachment
    got = ask(node, Frame("cert", "c", {"key": key}))
    assert got.body == {"found": True} and got.attachment == reply.attachment
    entries = decode_entries(ask(node, Frame("ledger", "l", {"index": -1, "hash": "0" * 64, "limit": 10})).attachment)
    assert [e.payload.key for e in entries] == [key]


def test_solve_refuses_a_key_that_is_not_the_statements(node: Node, env: Environment, proved: list[Proved]) -> None:
    other = key_of(env, proved[1].statement, ()).key
    err = ask(node, solve_frame(env, proved[0], key=other))
    assert err.type == "error" and err.body["kind"] == "mismatch" and "$.body.key" in str(err.body["message"])
    bad = Frame("solve", "r", {"key": other, "budget": 5, "nodes": 9}, b'{"schema":')
    err = ask(node, bad)
    assert err.type == "error" and err.body["kind"] == "malformed"
    assert node.counters()["rejected.mismatch"] == 1 and len(node.cache) == 0


def test_expert_answers_only_hosted_families_and_checks_the_goal(node: Node, session: Session) -> None:
    state = session.goal("∀ (p q : Prop), p → q → p")
    doc = dumps("state", state).encode("ascii")
    got = ask(node, Frame("expert", "e", {"families": ["intro", "induction"], "goal": digest_bytes(doc)}, doc))
    assert got.body["hosted"] == ["intro"]
    cands = got.body["candidates"]
    assert isinstance(cands, list) and cands and {c["family"] for c in cands} == {"intro"}
    err = ask(node, Frame("expert", "e2", {"families": ["intro"], "goal": "1" * 64}, doc))
    assert err.body["kind"] == "mismatch"


@pytest.mark.parametrize("data", [b"", b"garbage", b'{"schema":"tactic-mesh/mesh","version":9}\0', b"\0" * 10])
def test_bad_frames_get_an_error_reply(node: Node, data: bytes) -> None:
    err = decode_frame(node.handle(data))
    assert err.type == "error" and err.body["kind"] in ("malformed", "unsupported")


def test_announcements_are_rechecked_before_they_are_stored(node: Node, env: Environment,
                                                            proved: list[Proved]) -> None:
    p, q = proved
    forged = [wire(env, p, proof=sorry_of(p.statement)), wire(env, p, proof=q.result.proof_term),
              wire(env, p, key=key_of(env, q.statement, ()).key)]
    for i, data in enumerate(forged):
        assert isinstance(node.receive_announcement(encode_frame(Frame("announce", f"a{i}", {}, data))), str)
    assert node.receive_announcement(b"not a frame").startswith("rejected (malformed)")  # type: ignore[union-attr]
    assert len(node.cache) == 0 and len(node.ledger) == 0
    counts = node.counters()
    assert counts["announce.rejected.forged"] == 2 and counts["announce.rejected.mismatch"] == 1
    genuine = encode_frame(Frame("announce", "g", {}, wire(env, p, lines=tuple(p.result.script))))
    assert not isinstance(node.receive_announcement(genuine), str)
    assert not isinstance(node.receive_announcement(genuine), str)  # a replayed announcement: a duplicate
    assert len(node.cache) == 1 and len(node.ledger) == 1 and node.counters()["announce.duplicate"] == 1


def test_delta_serves_the_services_update(node: Node) -> None:
    assert ask(node, Frame("delta", "d0", {})).body == {"found": False}
    node.services.offer_update(b"TMFU\x00update-bytes")  # type: ignore[attr-defined]
    got = ask(node, Frame("delta", "d1", {}))
    assert got.body == {"found": True} and got.attachment == b"TMFU\x00update-bytes"
