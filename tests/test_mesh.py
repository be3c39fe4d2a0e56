"""``tactic_mesh.mesh``: proving with peers — remote experts under node-limited routing, a peer's
cache, a peer's search, the local cache — and every result admitted by the local kernel."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "net"))
from net_support import free_address, heuristic_node

from tactic_mesh.api import NoProofFound, Session
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.mesh import check_experts, mesh_prove
from tactic_mesh.net.node import Node
from tactic_mesh.neural.policies import torch_available


@pytest.fixture(scope="module")
def session() -> Session:
    return Session("all")


@pytest.fixture
def rewriter(tmp_path: Path, session: Session) -> Iterator[Node]:
    node = heuristic_node(session, free_address(), tmp_path / "peer", experts=("rewrite", "induction", "simp"))
    node.start()
    yield node
    node.stop()


@pytest.fixture
def neural_rewriter(tmp_path: Path, session: Session) -> Iterator[Node]:
    """A peer whose rewrite expert is the learned one (it selects library lemmas to rewrite with)."""
    node = heuristic_node(session, free_address(), tmp_path / "neural", experts=("rewrite",), neural=True)
    node.start()
    yield node
    node.stop()


needs_torch = pytest.mark.skipif(not torch_available(), reason="the router needs torch (the neural extra)")


@needs_torch
def test_the_router_asks_a_peer_for_the_experts_it_does_not_host(session: Session, neural_rewriter: Node) -> None:
    rewriter = neural_rewriter
    found = mesh_prove(session, "∀ a b : Nat, a + b = b + a", [rewriter.config.listen], experts=["intro"])
    assert found.source == "search" and found.result.kernel_checked
    assert "rw [Nat.add_comm]" in found.result.script  # the rewrite expert lives on the peer only
    assert rewriter.counters().get("expert.answered", 0) >= 1 and found.failures == ()
    with pytest.raises(NoProofFound):  # without the peer, the intro expert alone cannot close it
        mesh_prove(session, "∀ a b : Nat, a + b = b + a", [], experts=["intro"], budget=2, max_nodes=60)


def test_a_peers_cache_and_search_and_the_local_cache(tmp_path: Path, session: Session, rewriter: Node) -> None:
    peers = [rewriter.config.listen]
    statement = "∀ n : Nat, n * 1 = n"
    expr, levels = session.elaborate(statement)
    found = mesh_prove(session, statement, peers, experts=["cases"], budget=1, max_nodes=5)
    assert found.source == f"peer-solve:{rewriter.config.listen}" and found.result.kernel_checked
    again = mesh_prove(session, statement, peers, experts=["cases"], data_dir=tmp_path / "mine")
    assert again.source == f"peer-cache:{rewriter.config.listen}"
    assert again.result.proof_term == found.result.proof_term
    local = mesh_prove(session, "∀ n : Nat, n + 0 = n", [], data_dir=tmp_path / "mine")
    assert local.source == "search"
    cached = mesh_prove(session, "∀ n : Nat, n + 0 = n", [], data_dir=tmp_path / "mine")
    assert cached.source == "cache" and cached.remote_calls == 0
    assert rewriter.cache.get(session.environment, expr, levels) is not None


def test_unknown_experts_are_named() -> None:
    with pytest.raises(TacticMeshError, match="unknown expert 'telepathy'"):
        check_experts(["intro", "telepathy"])
    assert check_experts(["all"]) == check_experts([])
