"""The asking side of the mesh: discover peers, call their experts, fetch and solve — every proof a
peer sends is re-checked by the local kernel (``VerifiedCache.offer``) before it is returned.

    client = MeshClient(addresses, env, cache, timeout=5.0, max_peers=2)
    client.discover() -> [PeerInfo]                       # a survey: experts, load, environment root
    client.refresh()                                      # survey again if a peer is unknown or the loads are old
    client.remote_experts(state, families) -> [(family, text, score)]   # node-limited: ≤ max_peers peers
    client.fetch(statement, levels) -> Accepted | None    # a peer's cached proof, re-checked here
    client.solve(statement, levels, budget, nodes) -> Accepted | None
    client.updates() -> [(peer, bytes)]                   # the peers' federated weight updates (``delta``)
    client.calls, client.failures                         # what was asked, what went wrong (per peer)

**Node-limited routing.**  For one state the client asks at most ``max_peers`` peers: those that
host any of the wanted families and share this environment root, least loaded first (the load
the survey reported plus the calls this client has sent them), so a state's expert calls fan out
to a bounded set of nodes whatever the number of peers.  A peer that fails (timeout, closed,
refused, a malformed answer) is recorded in ``failures`` and skipped for ``cooldown`` seconds.
Proposals are hints: the caller parses them and checks them with its typing judgment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.codecs.json_envelope import dumps
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.net.cache import Accepted, VerifiedCache
from tactic_mesh.net.keys import digest_bytes, environment_root, key_of, provenance_of
from tactic_mesh.net.node import encode_statement
from tactic_mesh.net.peers import Address, PeerError, PeerLink, new_req_id, survey
from tactic_mesh.net.wire import Frame

__all__ = ["MeshClient", "PeerInfo"]


@attrs.frozen
class PeerInfo:
    name: str
    address: Address
    experts: tuple[str, ...]
    load: int
    root: str


class MeshClient:
    def __init__(self, peers: Sequence[Address], env: Environment, cache: VerifiedCache, *, timeout: float = 5.0,
                 max_peers: int = 2, cooldown: float = 10.0, resurvey: float = 2.0,
                 stale: float = 5.0) -> None:  # fmt: skip
        self.env = env
        self.cache = cache
        self.timeout = timeout
        self.max_peers = max(1, max_peers)
        self.cooldown = cooldown
        self.root = environment_root(provenance_of(env, cache.options))
        self.addresses = tuple(peers)
        self.links = {str(a): PeerLink(a, timeout) for a in self.addresses}
        self.info: dict[str, PeerInfo] = {}
        self.sent: dict[str, int] = {}
        self.calls: list[tuple[str, str]] = []  # (peer, request type)
        self.failures: list[tuple[str, str, str]] = []  # (peer, kind, message)
        self.rejected: list[str] = []  # certificates a peer sent that the local kernel refused, and why
        self._down: dict[str, float] = {}
        self.resurvey = resurvey  # seconds between surveys while a peer is still unknown
        self.stale = stale  # seconds after which what a survey said (the loads) is asked again
        self._surveyed = -float("inf")

    def close(self) -> None:
        for link in self.links.values():
            link.close()

    def __enter__(self) -> MeshClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def discover(self, seconds: float = 0.5) -> list[PeerInfo]:
        """Survey the peers (their capabilities); peers that answer nothing keep no entry."""
        self._surveyed = time.monotonic()
        found: list[PeerInfo] = []
        by_address = {str(a): a for a in self.addresses}
        for answer in survey(self.addresses, Frame("survey", new_req_id()), seconds):
            b = answer.body
            address, experts, load, root = b.get("address"), b.get("experts"), b.get("load"), b.get("root")
            if not isinstance(address, str) or address not in by_address:
                continue
            names = tuple(e for e in experts if isinstance(e, str)) if isinstance(experts, list) else ()
            info = PeerInfo(str(b.get("name", address))[:256], by_address[address], names,
                            load if type(load) is int else 0, root if isinstance(root, str) else "")  # fmt: skip
            self.info[address] = info
            found.append(info)
        return found

    def foreign(self) -> list[str]:
        """The surveyed peers that work in another environment (their root differs: never used)."""
        return [p for p, i in self.info.items() if i.root != self.root]

    # -- choosing peers --------------------------------------------------------------------------

    def _usable(self, peer: str) -> bool:
        return time.monotonic() >= self._down.get(peer, 0.0)

    def _fail(self, peer: str, err: PeerError) -> None:
        self.failures.append((peer, err.kind, err.message))
        self._down[peer] = time.monotonic() + self.cooldown

    def refresh(self, seconds: float = 0.3) -> None:
        """Survey again when a peer is still unknown (at most every ``resurvey`` seconds: peers come
        up later than this client) or what was surveyed is older than ``stale`` seconds."""
        age = time.monotonic() - self._surveyed
        if age >= self.stale or (age >= self.resurvey and any(p not in self.info for p in self.links)):
            self.discover(seconds)

    def peers_for(self, families: Sequence[str]) -> list[str]:
        """At most ``max_peers`` peers hosting any of ``families`` in this environment, least loaded first."""
        fams = set(families)
        ok = [p for p, i in self.info.items()
              if i.root == self.root and fams & set(i.experts) and self._usable(p)]  # fmt: skip
        ok.sort(key=lambda p: (self.info[p].load + self.sent.get(p, 0), p))
        return ok[: self.max_peers]

    def _candidates(self) -> list[str]:
        """Peers to ask for a proof: those known to share the root, then the unsurveyed ones."""
        known = [p for p, i in self.info.items() if i.root == self.root]
        unknown = [p for p in self.links if p not in self.info]
        return [p for p in known + unknown if self._usable(p)][: self.max_peers]

    def _ask(self, peer: str, frame: Frame, timeout: float | None = None) -> Frame | None:
        self.calls.append((peer, frame.type))
        self.sent[peer] = self.sent.get(peer, 0) + 1
        try:
            return self.links[peer].ask(frame, timeout)
        except PeerError as err:
            self._fail(peer, err)
            return None

    # -- calls -----------------------------------------------------------------------------------

    def remote_experts(self, state: ProofState, families: list[str]) -> list[tuple[str, str, float]]:
        """The proposals of the peers hosting ``families`` on ``state`` (see the module docstring)."""
        self.refresh()
        peers = self.peers_for(families)
        if not peers:
            return []
        doc = dumps("state", state).encode("ascii")
        goal = digest_bytes(doc)
        out: list[tuple[str, str, float]] = []
        for peer in peers:
            wanted = [f for f in families if f in self.info[peer].experts]
            got = self._ask(peer, Frame("expert", new_req_id(), {"families": wanted, "goal": goal}, doc))
            if got is None:
                continue
            raw = got.body.get("candidates")
            for c in raw if isinstance(raw, list) else []:
                if isinstance(c, dict):
                    fam, text, score = c.get("family"), c.get("text"), c.get("score")
                    if isinstance(fam, str) and fam in wanted and isinstance(text, str) and \
                            isinstance(score, (int, float)) and not isinstance(score, bool):
                        out.append((fam, text, float(score)))
        return out

    def updates(self) -> list[tuple[str, bytes]]:
        """Every reachable peer's federated weight update (undecoded: the caller checks it against
        its own model with ``neural.federated.decode_update``)."""
        out: list[tuple[str, bytes]] = []
        for peer in self.links:
            if self._usable(peer):
                got = self._ask(peer, Frame("delta", new_req_id(), {}))
                if got is not None and got.body.get("found") is True:
                    out.append((peer, got.attachment))
        return out

    def _verified(self, peer: str, data: bytes) -> Accepted | None:
        verdict = self.cache.offer(self.env, data)
        if isinstance(verdict, Accepted):
            return verdict
        self.rejected.append(f"{peer}: {verdict}")
        return None

    def fetch(self, statement: Expr, level_params: tuple[str, ...]) -> tuple[str, Accepted] | None:
        """A proof of ``statement`` from a peer's cache, re-checked by the local kernel: (peer, acceptance)."""
        key = key_of(self.env, statement, level_params, self.cache.options).key
        return self._first_proof(key, lambda: Frame("cert", new_req_id(), {"key": key}), None)

    def solve(self, statement: Expr, level_params: tuple[str, ...], budget: float,
              nodes: int) -> tuple[str, Accepted] | None:  # fmt: skip
        """Ask peers (at most ``max_peers``) to prove ``statement``; the first proof the local kernel
        accepts: (peer, acceptance)."""
        key = key_of(self.env, statement, level_params, self.cache.options).key
        doc = encode_statement(self.env, statement, level_params)
        body = {"key": key, "budget": max(1, int(budget)), "nodes": nodes}
        return self._first_proof(key, lambda: Frame("solve", new_req_id(), body, doc), self.timeout + budget)

    def _first_proof(self, key: str, request: Callable[[], Frame],
                     timeout: float | None) -> tuple[str, Accepted] | None:  # fmt: skip
        """Ask the candidate peers in turn (``request()`` makes each one's frame) for a proof under
        ``key``; the first certificate the local kernel accepts under that key: (peer, acceptance)."""
        for peer in self._candidates():
            got = self._ask(peer, request(), timeout)
            if got is not None and got.body.get("found") is True:
                ok = self._verified(peer, got.attachment)
                if ok is not None and ok.entry.key == key:
                    return peer, ok
        return None
