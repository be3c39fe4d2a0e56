"""A mesh node: expert and solve calls, capability surveys, announcements and ledger anti-entropy
over nng, on top of the verified cache and the ledger of ``--data``.

Interface::

    node = Node(NodeConfig(listen, peers, experts, data_dir, name), services)
    node.start();  …;  node.stop()              # or ``with Node(...) as node:``; stop is bounded
    node.handle(frame_bytes) -> reply_bytes     # the request path without sockets (tests, benches)
    node.sync_once() -> {peer: MergeReport | str}
    node.counters() -> dict[str, int]

**Sockets** (``peers.Address``): Rep0 on ``P`` served by ``workers`` threads, each with its own nng
context (so requests run concurrently); Respondent0 on ``P + 1``; Pub0 on ``P + 2``.  The node's
Sub0 dials every peer's ``P + 2`` and its sync thread asks every peer's ``P`` for ledger entries
every ``sync_every`` seconds.  Every socket has ``recv_max_size`` set and every wait is bounded
(``poll`` seconds), so ``stop`` (or SIGINT/SIGTERM in ``tactic-mesh node``) ends every thread.

**Requests** (``wire.REQUEST_TYPES``; a bad frame gets an ``error`` reply with the kind and the
JSON path, and is counted):

* ``hello`` → the node's capabilities (name, experts hosted, load, environment root, cache size,
  ledger head).
* ``expert`` ``{families, goal}`` + a ``state`` codec document → ``{candidates: [{family, text,
  score}]}``, the hosted experts' proposals among ``families``.  ``goal`` must be the sha256 of the
  attachment (the request's goal hash).
* ``solve`` ``{key, budget, nodes}`` + an ``expr`` codec document (the statement) → ``{found, cached}``
  and the wire certificate.  The key is recomputed; a cache hit is answered from the cache (which
  re-verified the row in this process), else the services search, **the local kernel admits the
  proof into the cache** (``VerifiedCache.put_local``), the ledger records it and an ``announce``
  frame carries the certificate to subscribers.
* ``cert`` ``{key}`` → ``{found}`` and the stored wire certificate (the asker re-checks it).
* ``ledger`` ``{index, hash, limit}`` → the entries the asker lacks (``Ledger.missing_from``).
* ``delta`` → ``{found}`` and the services' current federated weight update, if they offer one
  (``Services.update``: the bytes of ``neural.federated.encode_update``; the asker decodes them
  against its own model with ``decode_update``, which checks every shape, value and digest).
* ``stats`` → the counters.

**Idempotence.**  ``expert`` and ``solve`` replies are kept (``replies_kept``, least recently used
dropped) under ``(req_id, goal hash)``: a repeated request — a client's retry or a replayed
message — gets the same answer without recomputing and is counted as ``replayed``.

**Trust.**  An announcement or a ledger entry from a peer reaches the cache only through
``VerifiedCache.offer`` (decode under limits, provenance, key, local kernel); a rejection is
counted by kind and nothing is stored.  What the services return (a proof found by search) is
admitted by the local kernel before it is stored or sent.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path as FilePath
from types import TracebackType
from typing import Protocol

import attrs
import pynng

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.codecs.json_base import CodecError, lst
from tactic_mesh.codecs.json_envelope import dumps, loads
from tactic_mesh.codecs.json_limits import text_of_bytes
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.net.cache import NET_LIMITS, Accepted, CacheError, ProofRefused, VerifiedCache
from tactic_mesh.net.keys import DEFAULT_OPTIONS, CheckOptions, digest_bytes, environment_root, key_of, provenance_of
from tactic_mesh.net.ledger import Head, Ledger, MergeReport, certificate_verifier, decode_entries, encode_entries
from tactic_mesh.net.peers import NNG_MAX_MESSAGE, Address, PeerError, PeerLink, new_req_id
from tactic_mesh.net.wire import Frame, WireError, count, decode_frame, encode_frame, field, text

__all__ = [
    "Node",
    "NodeConfig",
    "Proposal",
    "Services",
    "Solution",
    "encode_statement",
]

MAX_CANDIDATES = 64
MAX_FAMILIES = 32
MAX_LEDGER_BATCH = 256


@attrs.frozen
class Proposal:
    """A tactic an expert proposes: its family, one script line, the expert's score (an ordering
    hint; the asker checks the call with its typing judgment and runs it in its own machine)."""

    family: str
    text: str
    score: float


@attrs.frozen
class Solution:
    """A proof the services found: the term (the node's kernel admits it) and the script."""

    proof: Expr
    script: tuple[str, ...]


class Services(Protocol):
    """What the node computes with (supplied by ``tactic_mesh.mesh``: the session and the experts)."""

    environment: Environment

    def propose(self, state: ProofState, families: Sequence[str]) -> list[Proposal]: ...

    def solve(self, statement: Expr, level_params: tuple[str, ...], budget: float, max_nodes: int) -> Solution | None:
        ...

    def update(self) -> bytes | None:
        """The node's current federated weight update (encoded), or None."""
        ...


@attrs.frozen
class NodeConfig:
    listen: Address
    peers: tuple[Address, ...] = ()
    experts: tuple[str, ...] = ()
    data_dir: FilePath = FilePath("mesh-data")
    name: str = ""
    workers: int = 2
    timeout: float = 5.0  # seconds per request to a peer
    poll: float = 0.1  # seconds a thread waits before it looks at the stop flag again
    sync_every: float = 1.0
    max_budget: float = 30.0  # the most seconds a solve request may ask for
    max_nodes: int = 5000
    replies_kept: int = 1024
    options: CheckOptions = DEFAULT_OPTIONS

    @property
    def label(self) -> str:
        return self.name or str(self.listen)


def encode_statement(env: Environment, statement: Expr, level_params: tuple[str, ...]) -> bytes:
    from tactic_mesh.codecs.json_artifacts import KernelExpr

    return dumps("expr", KernelExpr(statement, level_params), provenance_of(env)).encode("ascii")


def _statement_of(data: bytes) -> tuple[Expr, tuple[str, ...]]:
    """A statement from untrusted bytes (``CodecError`` with the JSON path)."""
    value = loads(text_of_bytes(data), "expr", limits=NET_LIMITS)
    return value.expr, value.level_params


class Node:
    def __init__(self, config: NodeConfig, services: Services) -> None:
        self.config = config
        self.services = services
        self.env = services.environment
        self.cache = VerifiedCache(config.data_dir, options=config.options)
        try:
            self.ledger = Ledger(config.data_dir)
        except Exception:
            self.cache.close()
            raise
        self.root = environment_root(provenance_of(self.env, config.options))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[pynng.Socket] = []
        self._links = {str(p): PeerLink(p, config.timeout) for p in config.peers}
        self._replies: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._load = 0
        self._pub: pynng.Pub0 | None = None
        self._pub_lock = threading.Lock()

    # -- life cycle ------------------------------------------------------------------------------

    def __enter__(self) -> Node:
        self.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _socket(self, make: Callable[..., pynng.Socket]) -> pynng.Socket:
        ms = max(1, int(self.config.poll * 1000))
        sock = make(recv_max_size=NNG_MAX_MESSAGE, recv_timeout=ms, send_timeout=max(ms, 1000))
        self._sockets.append(sock)
        return sock

    def start(self) -> None:
        a = self.config.listen
        try:
            rep = self._socket(pynng.Rep0)
            rep.listen(a.requests)
            resp = self._socket(pynng.Respondent0)
            resp.listen(a.surveys)
            self._pub = self._socket(pynng.Pub0)
            self._pub.listen(a.announcements)
            sub = self._socket(pynng.Sub0)
            sub.subscribe(b"")
            for p in self.config.peers:
                sub.dial(p.announcements, block=False)
        except pynng.NNGException as err:
            self._close_sockets()
            raise TacticMeshError(f"{a}: cannot listen: {err} (is another node on ports {a.port}..{a.port + 2}?)") \
                from None
        for i in range(max(1, self.config.workers)):
            self._spawn(f"rep{i}", self._serve, rep)
        self._spawn("survey", self._respond, resp)
        self._spawn("announcements", self._subscribe, sub)
        if self.config.peers:
            self._spawn("sync", self._sync_loop)

    def _spawn(self, name: str, target: Callable[..., None], *args: object) -> None:
        t = threading.Thread(target=target, args=args, name=f"{self.config.label}:{name}", daemon=True)
        t.start()
        self._threads.append(t)

    def stop(self, wait: float = 5.0) -> None:
        """Stop every thread (each notices within ``poll`` seconds, or its current request's
        timeout) and close the sockets, the cache and the ledger."""
        self._stop.set()
        deadline = time.monotonic() + wait
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._close_sockets()
        for link in self._links.values():
            link.close()
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        self.cache.close()
        self.ledger.close()

    def _close_sockets(self) -> None:
        for s in self._sockets:
            s.close()
        self._sockets.clear()

    # -- counters --------------------------------------------------------------------------------

    def count(self, name: str, by: int = 1) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + by

    def counters(self) -> dict[str, int]:
        with self._lock:
            own = dict(self._counts)
        own.update({f"cache.{k}": v for k, v in self.cache.counters().items()})
        own.update({f"ledger.{k}": v for k, v in self.ledger.counters().items()})
        own["cache.entries"] = len(self.cache)
        own["ledger.entries"] = len(self.ledger)
        return own

    def capabilities(self) -> dict[str, object]:
        head = self.ledger.head()
        return {"name": self.config.label, "address": str(self.config.listen), "experts": list(self.config.experts),
                "load": self._load, "root": self.root, "cache": len(self.cache),
                "head": {"index": head.index, "hash": head.hash}}  # fmt: skip

    # -- threads ---------------------------------------------------------------------------------

    def _serve(self, sock: pynng.Rep0) -> None:
        ctx = sock.new_context()
        try:
            for data in self._messages(ctx):
                reply = self.handle(data)
                try:
                    ctx.send(reply)
                except pynng.NNGException:  # the asker went away: its retry will be answered from the replies
                    self.count("send-failed")
        finally:
            ctx.close()

    def _messages(self, sock: pynng.Socket | pynng.Context) -> Iterator[bytes]:
        """What ``sock`` receives until the node stops or the socket closes (bounded waits)."""
        while not self._stop.is_set():
            try:
                yield sock.recv()
            except pynng.Timeout:
                continue
            except pynng.NNGException:
                return

    def _respond(self, sock: pynng.Respondent0) -> None:
        for data in self._messages(sock):
            try:
                frame = decode_frame(data)
            except WireError as err:
                self.count(f"rejected.survey.{err.kind}")
                continue
            if frame.type != "survey":
                self.count("rejected.survey.unsupported")
                continue
            self.count("surveys")
            try:
                sock.send(encode_frame(Frame("capabilities", frame.req_id, self.capabilities())))
            except pynng.NNGException:
                self.count("send-failed")

    def _subscribe(self, sock: pynng.Sub0) -> None:
        for data in self._messages(sock):
            self.receive_announcement(data)

    def receive_announcement(self, data: bytes) -> Accepted | str:
        """An announcement from a peer: its certificate is offered to the cache (re-checked by the
        local kernel) and, when accepted, recorded in the ledger.  Returns the acceptance or why not."""
        try:
            frame = decode_frame(data)
            if frame.type != "announce":
                raise WireError("unsupported", "$.type", "not an announcement", "announce", frame.type)
        except WireError as err:
            self.count(f"announce.rejected.{err.kind}")
            return f"rejected ({err.kind}): {err}"
        verdict = self.cache.offer(self.env, frame.attachment)
        if isinstance(verdict, Accepted):
            self.ledger.append(verdict.entry)
            self.count("announce.accepted" if verdict.stored else "announce.duplicate")
            return verdict
        self.count(f"announce.rejected.{verdict.kind.value}")
        return str(verdict)

    def _sync_loop(self) -> None:
        while not self._stop.wait(self.config.sync_every):
            self.sync_once()

    def sync_once(self) -> dict[str, MergeReport | str]:
        """One round of anti-entropy with every peer: ask for the entries after what was merged of
        it, merge them (each certificate fetched from that peer and re-checked).  A peer that does
        not answer is skipped until the next round."""
        out: dict[str, MergeReport | str] = {}
        for name, link in self._links.items():
            if self._stop.is_set():
                break
            out[name] = self._sync_peer(name, link)
        return out

    def _sync_peer(self, name: str, link: PeerLink) -> MergeReport | str:
        cursor = self.ledger.cursor(name)
        try:
            answer = link.ask(Frame("ledger", new_req_id(), {"index": cursor.index, "hash": cursor.hash,
                                                              "limit": MAX_LEDGER_BATCH}))  # fmt: skip
            entries = decode_entries(answer.attachment)
        except (PeerError, CodecError) as err:
            self.count("sync.failed")
            return f"skipped: {err}"

        def fetch(key: str) -> bytes | None:
            try:
                got = link.ask(Frame("cert", new_req_id(), {"key": key}))
            except PeerError:
                return None
            return got.attachment if got.body.get("found") is True else None

        report = self.ledger.merge(entries, certificate_verifier(self.cache, self.env, fetch), peer=name)
        self.count("sync.rounds")
        self.count("sync.appended", len(report.appended))
        self.count("sync.rejected", len(report.rejected))
        return report

    def publish(self, frame: Frame) -> None:
        with self._pub_lock:
            if self._pub is None or self._stop.is_set():
                return
            try:
                self._pub.send(encode_frame(frame))
                self.count("announce.sent")
            except pynng.NNGException:
                self.count("announce.failed")

    # -- requests --------------------------------------------------------------------------------

    def handle(self, data: bytes) -> bytes:
        """The reply to one request frame (never raises: bad input gets an ``error`` reply)."""
        with self._lock:
            self._load += 1
        rid = "-"  # until the frame is read
        try:
            frame = decode_frame(data)
            rid = frame.req_id
            return self._dispatch(frame)
        except CodecError as err:  # a WireError says its kind; any other document error is malformed
            kind = err.kind if isinstance(err, WireError) else "malformed"
            self.count(f"rejected.{kind}")
            return encode_frame(Frame("error", rid, {"kind": kind, "message": str(err)}))
        except Exception as err:  # the safety net: a bug is an error reply, never a dead worker
            self.count("internal")
            return encode_frame(Frame("error", rid, {"kind": "internal", "message": f"{type(err).__name__}: {err}"}))
        finally:
            with self._lock:
                self._load -= 1

    def _dispatch(self, frame: Frame) -> bytes:
        t, rid, body = frame.type, frame.req_id, frame.body
        self.count(f"requests.{t}")
        if t == "hello":
            return encode_frame(Frame("reply", rid, self.capabilities()))
        if t == "stats":
            return encode_frame(Frame("reply", rid, {"counters": self.counters()}))
        if t == "cert":
            key = text(body, "key", 64)
            try:
                return encode_frame(Frame("reply", rid, {"found": True}, self.cache.export(key)))
            except CacheError:
                return encode_frame(Frame("reply", rid, {"found": False}))
        if t == "delta":
            data = self.services.update()
            if data is None:
                return encode_frame(Frame("reply", rid, {"found": False}))
            self.count("delta.sent")
            return encode_frame(Frame("reply", rid, {"found": True}, data))
        if t == "ledger":
            index = count(body, "index", -1, (1 << 53) - 1)
            head = Head(index, text(body, "hash", 64))
            limit = count(body, "limit", 1, MAX_LEDGER_BATCH)
            return encode_frame(Frame("reply", rid, {}, encode_entries(self.ledger.missing_from(head, limit))))
        if t in ("expert", "solve"):
            goal = text(body, "goal" if t == "expert" else "key", 64)
            remembered = self._remembered(rid, goal)
            if remembered is not None:
                self.count("replayed")
                return remembered
            reply = self._expert(frame, goal) if t == "expert" else self._solve(frame, goal)
            self._remember(rid, goal, reply)
            return reply
        raise WireError("unsupported", "$.type", "not a request", "a request type", t)

    def _remembered(self, rid: str, goal: str) -> bytes | None:
        with self._lock:
            hit = self._replies.get((rid, goal))
            if hit is not None:
                self._replies.move_to_end((rid, goal))
            return hit

    def _remember(self, rid: str, goal: str, reply: bytes) -> None:
        with self._lock:
            self._replies[(rid, goal)] = reply
            while len(self._replies) > self.config.replies_kept:
                self._replies.popitem(last=False)

    def _expert(self, frame: Frame, goal: str) -> bytes:
        if digest_bytes(frame.attachment) != goal:
            raise WireError("mismatch", "$.body.goal", "not the goal hash of the state attached",
                            "the sha256 of the attachment", goal)  # fmt: skip
        raw = lst(field(frame.body, "families"), "$.body.families")
        if len(raw) > MAX_FAMILIES or any(type(f) is not str or len(f) > 64 for f in raw):
            raise WireError("malformed", "$.body.families", "not a list of family names",
                            f"at most {MAX_FAMILIES} names", f"{len(raw)} items")  # fmt: skip
        wanted = [f for f in raw if isinstance(f, str) and f in self.config.experts]
        state = loads(text_of_bytes(frame.attachment), "state", env=self.env, limits=NET_LIMITS)
        found = self.services.propose(state, wanted) if wanted else []
        cands = [{"family": p.family, "text": p.text, "score": round(float(p.score), 6)}
                 for p in found[:MAX_CANDIDATES] if p.family in wanted]  # fmt: skip
        self.count("expert.answered")
        return encode_frame(Frame("reply", frame.req_id, {"candidates": cands, "hosted": wanted}))

    def _solve(self, frame: Frame, key: str) -> bytes:
        statement, levels = _statement_of(frame.attachment)
        try:
            k = key_of(self.env, statement, levels, self.config.options)
        except TacticMeshError as err:
            raise WireError("malformed", "$.attachment", "not a closed statement", "a closed statement",
                            err.message) from None  # fmt: skip
        if k.key != key:
            raise WireError("mismatch", "$.body.key", "not the key of the statement attached in this node's "
                            "environment", k.key, key)  # fmt: skip
        budget = min(float(count(frame.body, "budget", 0, 3600)), self.config.max_budget)
        nodes = min(count(frame.body, "nodes", 1, 1 << 20), self.config.max_nodes)
        hit = self.cache.get(self.env, statement, levels)
        if hit is not None:
            self.count("solve.cached")
            return encode_frame(Frame("reply", frame.req_id, {"found": True, "cached": True},
                                      self.cache.export(hit.key)))  # fmt: skip
        solution = self.services.solve(statement, levels, max(budget, 0.1), nodes)
        if solution is None:
            self.count("solve.unproved")
            return encode_frame(Frame("reply", frame.req_id, {"found": False, "cached": False}))
        try:
            accepted = self.cache.put_local(self.env, statement, levels, solution.proof, solution.script)
        except ProofRefused as err:
            self.count("solve.refused")
            return encode_frame(Frame("reply", frame.req_id, {"found": False, "cached": False,
                                                              "reason": err.message[:300]}))  # fmt: skip
        self.ledger.append(accepted.entry)
        cert = self.cache.export(accepted.entry.key)
        self.publish(Frame("announce", new_req_id(), {"key": accepted.entry.key, "node": self.config.label}, cert))
        self.count("solve.proved")
        return encode_frame(Frame("reply", frame.req_id, {"found": True, "cached": False}, cert))
