"""Talking to peers: addresses, one bounded request to one peer, and capability surveys.

A node listening at ``tcp://HOST:P`` serves requests (Rep0) on port ``P``, answers surveys
(Respondent0) on ``P + 1`` and publishes announcements (Pub0) on ``P + 2``; ``Address`` derives the
three.  Every call here is bounded: ``ask`` waits at most ``timeout`` seconds for the send and as
long for the answer, then gives up with ``PeerError("timeout")`` — a killed, partitioned or slow
peer costs one timeout, never a hang.  An answer is decoded strictly (``wire.decode_frame``) and
must be a ``reply`` or ``error`` frame with the request's own ``req_id``; anything else is a
``PeerError`` whose ``kind`` says what (``timeout``, ``closed``, ``bad-answer``, ``refused``: the peer
answered with an ``error`` frame).  Nothing a peer answers is trusted beyond its form: the callers
re-check every proof with the local kernel.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time

import attrs
import pynng

from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.net.wire import MAX_ATTACHMENT, WIRE_LIMITS, Frame, WireError, decode_frame, encode_frame

__all__ = ["NNG_MAX_MESSAGE", "Address", "AddressError", "PeerError", "PeerLink", "new_req_id", "survey"]

NNG_MAX_MESSAGE = WIRE_LIMITS.max_document_chars + 1 + MAX_ATTACHMENT + 64 * 1024
"""``recv_max_size`` of every socket: a little above what ``decode_frame`` accepts, so a frame between
the two limits is refused with a reply (and counted) and only a grossly oversized one is dropped by
nng itself (the connection is closed; the sender times out)."""
_ADDRESS = re.compile(r"tcp://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})\Z")
_ids = itertools.count()
_PREFIX = f"{os.getpid():x}.{os.urandom(3).hex()}"


class AddressError(TacticMeshError):
    """An address that is not ``tcp://HOST:PORT`` with a usable port."""


class PeerError(TacticMeshError):
    def __init__(self, kind: str, peer: str, message: str) -> None:
        super().__init__(f"{peer}: {message}")
        self.kind = kind
        self.peer = peer


def new_req_id() -> str:
    """A request id unique to this process (pid, random salt, counter)."""
    return f"{_PREFIX}.{next(_ids)}"


@attrs.frozen
class Address:
    host: str
    port: int

    @staticmethod
    def parse(text: str, where: str = "address") -> Address:
        m = _ADDRESS.match(text.strip())
        if m is None:
            raise AddressError(f"{where}: {text!r} is not an address of the form tcp://HOST:PORT")
        port = int(m.group(2))
        if not 0 < port <= 65533:
            raise AddressError(f"{where}: port {port} is out of range (1..65533: the node also uses PORT+1 and PORT+2)")
        return Address(m.group(1), port)

    @staticmethod
    def parse_list(text: str, where: str = "--peers") -> tuple[Address, ...]:
        parts = [p for p in text.split(",") if p.strip()]
        return tuple(Address.parse(p, f"{where} item {i + 1}") for i, p in enumerate(parts))

    def _at(self, offset: int) -> str:
        return f"tcp://{self.host}:{self.port + offset}"

    @property
    def requests(self) -> str:
        return self._at(0)

    @property
    def surveys(self) -> str:
        return self._at(1)

    @property
    def announcements(self) -> str:
        return self._at(2)

    def __str__(self) -> str:
        return self.requests


class PeerLink:
    """Requests to one peer over one Req0 socket (dialled without blocking: a peer that is not up
    yet is reached when it comes up).  Thread-safe: each call uses its own nng context."""

    def __init__(self, address: Address, timeout: float = 5.0) -> None:
        self.address = address
        self.timeout = timeout
        ms = max(1, int(timeout * 1000))
        self._sock = pynng.Req0(recv_max_size=NNG_MAX_MESSAGE, recv_timeout=ms, send_timeout=ms,
                                resend_time=-1)  # fmt: skip  # no silent resend: a retry is the caller's choice
        self._sock.dial(address.requests, block=False)
        self._lock = threading.Lock()
        self._closed = False

    def ask(self, frame: Frame, timeout: float | None = None) -> Frame:
        """Send ``frame`` and return the peer's ``reply`` (``PeerError`` otherwise, see the module)."""
        peer = str(self.address)
        with self._lock:
            if self._closed:
                raise PeerError("closed", peer, "the link is closed")
            ctx = self._sock.new_context()
        try:
            if timeout is not None:
                ms = max(1, int(timeout * 1000))
                ctx.recv_timeout = ms
                ctx.send_timeout = ms
            ctx.send(encode_frame(frame))
            data = ctx.recv()
        except pynng.Timeout:
            raise PeerError("timeout", peer, f"no answer to {frame.type} within {timeout or self.timeout} s") from None
        except pynng.NNGException as err:
            raise PeerError("closed", peer, f"{frame.type}: {err}") from None
        finally:
            ctx.close()
        try:
            answer = decode_frame(data)
        except WireError as err:
            raise PeerError("bad-answer", peer, f"answer to {frame.type}: {err}") from None
        if answer.req_id != frame.req_id:
            raise PeerError("bad-answer", peer, f"answer to {frame.req_id} carries req_id {answer.req_id}")
        if answer.type == "error":
            raise PeerError("refused", peer, f"{frame.type} refused: {answer.body.get('kind')}: "
                            f"{str(answer.body.get('message'))[:300]}")  # fmt: skip
        if answer.type != "reply":
            raise PeerError("bad-answer", peer, f"answer to {frame.type} is a {answer.type} frame")
        return answer

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._sock.close()


def survey(addresses: tuple[Address, ...], frame: Frame, seconds: float = 0.5) -> list[Frame]:
    """Ask every address's respondent at once and collect the well-formed ``capabilities`` answers
    that arrive within ``seconds`` (peers that are down or slow are simply absent)."""
    if not addresses:
        return []
    ms = max(1, int(seconds * 1000))
    out: list[Frame] = []
    with pynng.Surveyor0(recv_max_size=NNG_MAX_MESSAGE, survey_time=ms, recv_timeout=ms + 100,
                         send_timeout=ms) as sock:  # fmt: skip
        for a in addresses:
            sock.dial(a.surveys, block=False)
        connected = _wait_pipes(sock, len(addresses), seconds / 2)
        if not connected:
            return []
        try:
            sock.send(encode_frame(frame))
        except pynng.NNGException:
            return []
        while True:
            try:
                data = sock.recv()
            except pynng.NNGException:  # the survey's time is over (or the socket failed)
                break
            try:
                answer = decode_frame(data)
            except WireError:
                continue
            if answer.type == "capabilities" and answer.req_id == frame.req_id:
                out.append(answer)
    return out


def _wait_pipes(sock: pynng.Socket, want: int, seconds: float) -> int:
    """Wait (bounded) until ``want`` pipes are connected, or the time is up; the number connected."""
    deadline = time.monotonic() + seconds
    while len(sock.pipes) < want and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(sock.pipes)
