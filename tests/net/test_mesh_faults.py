"""Nodes on 127.0.0.1 under faults: replication of verified proofs between 3 nodes, a restart, a
partitioned peer, a slow peer, a peer killed mid-request, malformed / truncated / oversized /
replayed messages over the sockets, and a peer that answers with forged proofs.  Every loop is
bounded (``wait_until``, request timeouts) and every test stops its nodes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pynng
import pytest
from net_support import Proved, free_address, heuristic_node, prove_each, sorry_of, wait_until, wire

from tactic_mesh.api import Session
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.net.cache import VerifiedCache
from tactic_mesh.net.client import MeshClient
from tactic_mesh.net.keys import key_of
from tactic_mesh.net.node import Node, encode_statement
from tactic_mesh.net.peers import NNG_MAX_MESSAGE, Address, PeerError, PeerLink, new_req_id
from tactic_mesh.net.wire import MAX_ATTACHMENT, Frame, decode_frame, encode_frame

STATEMENTS = ["∀ n : Nat, n + 0 = n", "∀ (p q : Prop), p → q → p", "∀ (p q : Prop), p ∧ q → q ∧ p"]


@pytest.fixture(scope="module")
def proved(session: Session) -> list[Proved]:
    return prove_each(session, STATEMENTS)


@contextmanager
def running(*nodes: Node) -> Iterator[tuple[Node, ...]]:
    started: list[Node] = []
    try:
        for n in nodes:
            n.start()
            started.append(n)
        yield nodes
    finally:
        for n in started:
            n.stop()


def solve(link: PeerLink, env: Environment, p: Proved, rid: str | None = None) -> Frame:
    key = key_of(env, p.statement, p.params).key
    frame = Frame("solve", rid or new_req_id(), {"key": key, "budget": 5, "nodes": 500},
                  encode_statement(env, p.statement, p.params))  # fmt: skip
    return link.ask(frame)


def test_three_nodes_replicate_verified_proofs_and_survive_a_restart(tmp_path: Path, session: Session,
                                                                     env: Environment, proved: list[Proved]) -> None:
    a, b, c = free_address(), free_address(), free_address()
    nodes = [heuristic_node(session, a, tmp_path / "a", peers=(b, c), name="a"),
             heuristic_node(session, b, tmp_path / "b", peers=(a, c), name="b"),
             heuristic_node(session, c, tmp_path / "c", peers=(a, b), name="c")]
    keys = [key_of(env, p.statement, p.params).key for p in proved]
    with running(*nodes):
        link = PeerLink(a, timeout=10)
        try:
            for p in proved:
                assert solve(link, env, p).body["found"] is True
        finally:
            link.close()
        # by announcement or by anti-entropy, each re-checked by the receiving node's kernel
        assert wait_until(lambda: all(k in n.cache for n in nodes for k in keys))
        assert wait_until(lambda: all(len(n.ledger) == 3 for n in nodes))
        for n in nodes[1:]:
            assert n.counters().get("cache.accepted", 0) == 3
            assert n.ledger.verify_chain().ok
    again = heuristic_node(session, b, tmp_path / "b", name="b")  # restarted on the same data
    with running(again):
        assert all(again.cache.get(env, p.statement, p.params) is not None for p in proved)
        assert len(again.ledger) == 3


def test_a_partitioned_peer_costs_timeouts_not_a_hang(tmp_path: Path, session: Session, env: Environment,
                                                      proved: list[Proved]) -> None:
    a, nowhere = free_address(), free_address()
    node = heuristic_node(session, a, tmp_path / "a", peers=(nowhere,), timeout=0.3)
    with running(node):
        assert wait_until(lambda: node.counters().get("sync.failed", 0) >= 2)
        link = PeerLink(a, timeout=10)
        try:
            assert solve(link, env, proved[0]).body["found"] is True  # still serving
        finally:
            link.close()
        cache = VerifiedCache(tmp_path / "client")
        with MeshClient([nowhere], env, cache, timeout=0.3) as client:
            assert client.discover(0.2) == []
            assert client.fetch(proved[0].statement, proved[0].params) is None
            assert [f[1] for f in client.failures] == ["timeout"]
        cache.close()
    started = time.monotonic()
    node.stop()  # a second stop is harmless
    assert time.monotonic() - started < 5


@contextmanager
def fake_peer(answer: Callable[[Frame], Frame | None], address: Address) -> Iterator[list[Frame]]:
    """A Rep0 peer that answers each request with ``answer(frame)`` (None: no answer at all)."""
    seen: list[Frame] = []
    stop = threading.Event()
    sock = pynng.Rep0(listen=address.requests, recv_timeout=50, recv_max_size=NNG_MAX_MESSAGE)

    def serve() -> None:
        ctx = sock.new_context()
        try:
            while not stop.is_set():
                try:
                    frame = decode_frame(ctx.recv())
                except pynng.Timeout:
                    continue
                except pynng.NNGException:
                    return
                seen.append(frame)
                reply = answer(frame)
                if reply is not None:
                    ctx.send(encode_frame(reply))
        finally:
            ctx.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield seen
    finally:
        stop.set()
        t.join(5)
        sock.close()


def test_a_slow_peer_times_out_and_the_next_peer_answers(tmp_path: Path, session: Session, env: Environment,
                                                         proved: list[Proved]) -> None:
    slow_at, good_at = free_address(), free_address()
    p = proved[0]

    def slow(frame: Frame) -> Frame:
        time.sleep(1.0)
        return Frame("reply", frame.req_id, {"found": False})

    good = heuristic_node(session, good_at, tmp_path / "good")
    with fake_peer(slow, slow_at), running(good):
        good.cache.put_local(env, p.statement, p.params, p.result.proof_term, p.result.script)
        cache = VerifiedCache(tmp_path / "client")
        with MeshClient([slow_at, good_at], env, cache, timeout=0.4) as client:
            got = client.fetch(p.statement, p.params)
            assert got is not None and got[0] == str(good_at)
            assert client.failures[0][:2] == (str(slow_at), "timeout")
        cache.close()


def test_a_peer_answering_with_forged_proofs_is_rejected_every_time(tmp_path: Path, session: Session,
                                                                    env: Environment, proved: list[Proved]) -> None:
    p, q = proved[0], proved[1]
    forgeries = [wire(env, p, proof=sorry_of(p.statement)), wire(env, p, proof=q.result.proof_term),
                 wire(env, p, key=key_of(env, q.statement, ()).key), b"{garbage"]
    sent: list[bytes] = []

    def forger(frame: Frame) -> Frame:
        data = forgeries[len(sent) % len(forgeries)]
        sent.append(data)
        if frame.type == "expert":
            return Frame("reply", frame.req_id, {"candidates": [{"family": "intro", "text": "exact sorry", "score": 9},
                                                                {"family": "intro", "text": "(((", "score": 1e300}]})
        return Frame("reply", frame.req_id, {"found": True}, data)

    bad_at = free_address()
    with fake_peer(forger, bad_at):
        cache = VerifiedCache(tmp_path / "client")
        with MeshClient([bad_at], env, cache, timeout=2, max_peers=1) as client:
            for _ in range(2):
                assert client.fetch(p.statement, p.params) is None
                assert client.solve(p.statement, p.params, 1, 10) is None
            assert len(client.rejected) == len(sent) == 4
            assert len(cache) == 0
        cache.close()
    # a forging publisher: a real node re-checks what it is told and stores nothing false
    pub_at, node_at = free_address(), free_address()
    node = heuristic_node(session, node_at, tmp_path / "n", peers=(pub_at,))
    with pynng.Pub0(listen=pub_at.announcements) as pub, running(node):
        def announce_all() -> bool:
            for i, data in enumerate(forgeries):
                pub.send(encode_frame(Frame("announce", f"f{i}", {}, data)))
            counts = node.counters()
            return sum(v for k, v in counts.items() if k.startswith("announce.rejected.")) >= len(forgeries)

        assert wait_until(announce_all, step=0.2)
        assert len(node.cache) == 0 and len(node.ledger) == 0
        assert node.counters().get("announce.rejected.forged", 0) >= 2


def test_bad_messages_over_the_socket(tmp_path: Path, session: Session, env: Environment,
                                      proved: list[Proved]) -> None:
    a = free_address()
    node = heuristic_node(session, a, tmp_path / "a")
    with running(node), pynng.Req0(dial=a.requests, recv_timeout=3000, send_timeout=3000) as raw:
        def send(data: bytes) -> Frame:
            raw.send(data)
            return decode_frame(raw.recv())

        assert send(b"\x00\x01garbage").body["kind"] == "malformed"
        assert send(b'{"schema":"tactic-mesh/mesh","version":1,"type":"hello"').body["kind"] == "malformed"  # truncated
        big = encode_frame(Frame("cert", "big", {}, b"x" * (MAX_ATTACHMENT + 10)))
        assert send(big).body["kind"] == "oversized"  # between the decoder's limit and nng's: refused, counted
        huge = b"x" * (NNG_MAX_MESSAGE + 1024)  # beyond nng's recv_max_size: dropped by nng, the sender times out
        with pynng.Req0(dial=a.requests, recv_timeout=500, send_timeout=500) as other:
            other.send(huge)
            with pytest.raises(pynng.Timeout):
                other.recv()
        p = proved[0]
        request = encode_frame(Frame("solve", "replay-1", {"key": key_of(env, p.statement, p.params).key,
                                                           "budget": 5, "nodes": 500},
                                     encode_statement(env, p.statement, p.params)))
        raw.send(request)
        first = raw.recv()
        raw.send(request)  # a replayed message: the same answer, nothing recomputed
        assert raw.recv() == first and decode_frame(first).body["found"] is True
        assert send(encode_frame(Frame("hello", "still-up"))).type == "reply"
        counts = node.counters()
        assert counts["replayed"] == 1 and counts["rejected.malformed"] == 2 and counts["rejected.oversized"] == 1
        assert counts["solve.proved"] == 1 and len(node.cache) == 1


def test_a_peer_killed_mid_request_loses_no_verified_proof(tmp_path: Path, session: Session, env: Environment,
                                                           proved: list[Proved]) -> None:
    a = free_address()
    data = tmp_path / "killed"
    cmd = [sys.executable, "-m", "tactic_mesh.cli.main", "node", "--listen", a.requests, "--data", str(data),
           "--library", "basics", "--policy", "heuristic", "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        assert '"ready": true' in proc.stdout.readline()
        link = PeerLink(a, timeout=30)
        try:
            assert solve(link, env, proved[0]).body["found"] is True  # verified and stored by the node
            hard = session.elaborate("∀ a b c : Nat, a * (b + c) * a = a * a * c + b * a * a")
            frame = Frame("solve", new_req_id(), {"key": key_of(env, *hard).key, "budget": 20, "nodes": 100000},
                          encode_statement(env, *hard))  # fmt: skip
            errors: list[PeerError] = []

            def ask() -> None:
                try:
                    link.ask(frame, timeout=3)
                except PeerError as err:
                    errors.append(err)

            t = threading.Thread(target=ask)
            t.start()
            time.sleep(1.0)  # the node is searching
            proc.send_signal(signal.SIGKILL)
            t.join(10)
            assert not t.is_alive() and errors and errors[0].kind in ("timeout", "closed")
        finally:
            link.close()
    finally:
        proc.kill()
        proc.wait(10)
    again = heuristic_node(session, a, data)  # the killed node's data: the proof it verified is there
    with running(again):
        assert again.cache.get(env, proved[0].statement, proved[0].params) is not None
        assert again.ledger.verify_chain().ok and len(again.ledger) == 1


def test_a_peer_that_comes_up_later_is_surveyed_when_its_experts_are_needed(tmp_path: Path, session: Session,
                                                                           env: Environment) -> None:
    a = free_address()
    cache = VerifiedCache(tmp_path / "client")
    with MeshClient([a], env, cache, timeout=2, resurvey=0.0) as client:
        assert client.discover(0.2) == []  # nothing there yet
        state = session.goal("∀ p : Prop, p → p")
        assert client.remote_experts(state, ["intro"]) == []
        with running(heuristic_node(session, a, tmp_path / "late", experts=("intro",))):
            assert wait_until(lambda: bool(client.remote_experts(state, ["intro"])), seconds=10, step=0.2)
            assert str(a) in client.info
    cache.close()
