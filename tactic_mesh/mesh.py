"""The proof mesh through the library's API: a node's services, and proving with peers.

    from tactic_mesh import Session
    from tactic_mesh.mesh import mesh_prove, node_services

    services = node_services(Session("all"), experts=("induction", "rewrite"))   # for net.node.Node
    found = mesh_prove(Session("all"), "∀ n : Nat, n + 0 = n", peers, experts=("intro",), data_dir=…)
    found.result            # a ProofResult: the local kernel admitted the proof
    found.source            # "search", "cache", "peer-cache:NAME" or "peer-solve:NAME"

**Where a proof may come from, and what is checked.**  ``mesh_prove`` tries, in order: the local
verified cache (``data_dir``: a row re-verified by this process's kernel), the caches of at most
``max_peers`` peers (``cert``), a local search whose router asks peers for the experts this
process does not host (node-limited: at most ``max_peers`` peers per state; proposals are typed
and run here), and finally peers' own searches (``solve``).  A certificate from a peer is first
re-checked by ``VerifiedCache.offer`` (the local kernel), and then **its script is replayed by
``Session.prove_expr(by=…)``**, which admits the proof term through the kernel once more and makes
the ``ProofResult``: whatever path the proof took, the result exists only because the local
kernel admitted it.  A locally found proof is stored in the cache (when ``data_dir`` is given).
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import attrs

from tactic_mesh.api import NoProofFound, ProofResult, Session
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import FAMILIES, GoalView
from tactic_mesh.handlers.policy import SearchPolicy, family_candidates
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.net.cache import CacheEntry, VerifiedCache
from tactic_mesh.net.client import MeshClient
from tactic_mesh.net.node import Proposal, Solution
from tactic_mesh.net.peers import Address
from tactic_mesh.neural.policies import NeuralUnavailable, load_checkpoint, torch_available

__all__ = ["MeshProof", "NodeServices", "check_experts", "mesh_prove", "node_services"]


def check_experts(names: Sequence[str], where: str = "--experts") -> tuple[str, ...]:
    """Expert family names, checked (``all`` or an empty list: every family)."""
    names = [n.strip() for n in names if n.strip()]
    if not names or names == ["all"]:
        return FAMILIES
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise TacticMeshError(f"{where}: unknown expert {unknown[0]!r} (known: {', '.join(FAMILIES)})")
    return tuple(dict.fromkeys(names))


def _router(experts: Sequence[str], model: str | Path | None, client: MeshClient | None) -> SearchPolicy:
    """The router restricted to ``experts``; the others through ``client`` (when given)."""
    from tactic_mesh.neural.router_policy import RouterPolicy

    return RouterPolicy(load_checkpoint(model).model_copy(), hosted=frozenset(experts),
                        remote=client.remote_experts if client is not None else None)  # fmt: skip


def _search_policy(experts: Sequence[str], model: str | Path | None, client: MeshClient | None) -> str | SearchPolicy:
    """The policy of a search hosting ``experts``: that router when torch and a current model are
    there, else the heuristic."""
    if torch_available():
        try:
            return _router(experts, model, client)
        except NeuralUnavailable:
            pass
    return "heuristic"


class NodeServices:
    """``net.node.Services`` over a ``Session``: the hosted experts' proposals (the learned router's
    expert heads when torch and a current model are there, else the heuristic proposers with their
    priors), and searches whose router asks ``client``'s peers for the other experts."""

    def __init__(self, session: Session, experts: Sequence[str], model: str | Path | None = None,
                 client: MeshClient | None = None, neural: bool = True) -> None:  # fmt: skip
        self.session = session
        self.environment = session.environment
        self.experts = tuple(experts)
        self.client = client
        self.neural = neural and torch_available()
        self._proposer: SearchPolicy | None = None
        self._lock = threading.Lock()  # the node's request threads share one proposer (and its caches)
        self._model = model
        self._update: bytes | None = None
        if self.neural:
            try:
                self._proposer = _router(self.experts, model, None)
            except NeuralUnavailable:
                self.neural = False

    def offer_update(self, data: bytes | None) -> None:
        """Serve ``data`` (an encoded ``neural.federated.Update`` of this node's shard) to ``delta`` requests."""
        self._update = data

    def update(self) -> bytes | None:
        return self._update

    def propose(self, state: ProofState, families: Sequence[str]) -> list[Proposal]:
        view = GoalView.of(state)
        if view is None:
            return []
        wanted = [f for f in families if f in self.experts]
        if self._proposer is not None:
            from tactic_mesh.neural.router_policy import RouterPolicy

            assert isinstance(self._proposer, RouterPolicy)
            with self._lock:
                ranked = self._proposer.propose_families(view, wanted)
            return [Proposal(c.family, c.text, s) for c, s in ranked]
        return [Proposal(c.family, c.text, c.prior) for f in wanted for c in family_candidates(f, view)]

    def policy(self) -> str | SearchPolicy:
        return _search_policy(self.experts, self._model, self.client) if self.neural else "heuristic"

    def solve(self, statement: Expr, level_params: tuple[str, ...], budget: float, max_nodes: int) -> Solution | None:
        try:
            found = self.session.prove_expr(statement, level_params, budget=budget, max_nodes=max_nodes,
                                            policy=self.policy())
        except NoProofFound:
            return None
        return Solution(found.proof_term, found.script)


def node_services(session: Session, experts: Sequence[str], model: str | Path | None = None,
                  client: MeshClient | None = None, neural: bool = True) -> NodeServices:  # fmt: skip
    """The services of a node hosting ``experts`` (``neural=False``: the heuristic proposers only)."""
    return NodeServices(session, check_experts(experts), model, client, neural)


@attrs.frozen
class MeshProof:
    result: ProofResult
    source: str  # "cache", "peer-cache:PEER", "search", "peer-solve:PEER"
    remote_calls: int  # requests sent to peers
    failures: tuple[tuple[str, str, str], ...]  # (peer, kind, message)
    rejected: tuple[str, ...]  # certificates from peers the local kernel refused


def _replayed(session: Session, entry: CacheEntry, budget: float) -> ProofResult:
    """The result of a verified entry: its script replayed here (the kernel admits the term again)."""
    if entry.program.format != "tactics":
        raise TacticMeshError(f"a peer's proof of {entry.key[:12]} comes as a {entry.program.format} program, "
                              "which this command does not replay")  # fmt: skip
    return session.prove_expr(entry.statement, entry.level_params, by=entry.program.text(), budget=budget)


def mesh_prove(session: Session, statement: str, peers: Sequence[Address], *, experts: Sequence[str] = (),
               model: str | Path | None = None, max_peers: int = 2, budget: float = 5.0, max_nodes: int = 2000,
               data_dir: str | Path | None = None, timeout: float = 5.0, discover: float = 0.5) -> MeshProof:
    """Prove ``statement`` with the help of ``peers`` (see the module docstring).  Raises
    ``NoProofFound`` when no path gave a proof."""
    expr, levels = session.elaborate(statement)
    hosted = check_experts(experts)
    with contextlib.ExitStack() as stack:
        where = data_dir if data_dir is not None else stack.enter_context(
            tempfile.TemporaryDirectory(prefix="tactic-mesh-cache-"))
        cache = stack.enter_context(VerifiedCache(where))
        client = stack.enter_context(MeshClient(tuple(peers), session.environment, cache, timeout=timeout,
                                                max_peers=max_peers))  # fmt: skip

        def done(result: ProofResult, source: str) -> MeshProof:
            return MeshProof(result, source, len(client.calls), tuple(client.failures), tuple(client.rejected))

        if data_dir is not None:
            hit = cache.get(session.environment, expr, levels)
            if hit is not None:
                return done(_replayed(session, hit, budget), "cache")
        client.discover(discover)
        got = client.fetch(expr, levels)
        if got is not None:
            return done(_replayed(session, got[1].entry, budget), f"peer-cache:{got[0]}")
        try:
            result = session.prove_expr(expr, levels, budget=budget, max_nodes=max_nodes,
                                        policy=_search_policy(hosted, model, client))
        except NoProofFound as err:
            solved = client.solve(expr, levels, budget, max_nodes)
            if solved is None:
                why = f"{err.message}; no peer of {len(peers)} had or found a proof"
                foreign = client.foreign()
                if foreign:
                    why += (f" ({len(foreign)} answered from another environment and were not used: "
                            f"{', '.join(foreign)}; start the nodes and this command with the same library)")
                elif not client.info:
                    why += " (no peer answered the survey)"
                raise NoProofFound(why, err.search) from None
            return done(_replayed(session, solved[1].entry, budget), f"peer-solve:{solved[0]}")
        if data_dir is not None:
            cache.put_local(session.environment, expr, levels, result.proof_term, result.script)
        return done(result, "search")
