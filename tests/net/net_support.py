"""Kernel-checked proofs for the mesh tests to store, offer, forge and replicate."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from tactic_mesh.api import ProofResult, Session
from tactic_mesh.calculus.state import Provenance
from tactic_mesh.codecs.json_artifacts import KernelCertificate
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import App, Const, Expr
from tactic_mesh.kernel.level import ZERO
from tactic_mesh.mesh import node_services
from tactic_mesh.net.cache import Program, WireCertificate, encode_wire
from tactic_mesh.net.keys import key_of, provenance_of
from tactic_mesh.net.node import Node, NodeConfig
from tactic_mesh.net.peers import Address


@attrs.frozen
class Proved:
    statement: Expr
    params: tuple[str, ...]
    result: ProofResult


def prove_each(session: Session, texts: Sequence[str]) -> list[Proved]:
    """Each statement elaborated and proved (the session's search; the kernel admitted each proof)."""
    out = []
    for text in texts:
        statement, params = session.elaborate(text)
        out.append(Proved(statement, params, session.prove(text)))
    return out


def wire(env: Environment, p: Proved, *, statement: Expr | None = None, proof: Expr | None = None,
         key: str | None = None, provenance: Provenance | None = None, lines: tuple[str, ...] = ("rfl",)) -> bytes:
    """``p``'s wire certificate, with any part replaced (to forge one)."""
    statement = p.statement if statement is None else statement
    key = key_of(env, statement, p.params).key if key is None else key
    cert = KernelCertificate(statement, p.result.proof_term if proof is None else proof, p.params,
                             provenance_of(env) if provenance is None else provenance)
    return encode_wire(WireCertificate(key, Program.of(lines), cert))


def sorry_of(statement: Expr) -> Expr:
    """``sorryAx statement``: a "proof" the kernel refuses."""
    return App(Const("sorryAx", (ZERO,)), statement)


def free_address() -> Address:
    """A 127.0.0.1 address whose ports P, P+1 and P+2 are free now (a node listens on all three)."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 60000)
        try:
            for p in (port, port + 1, port + 2):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return Address("127.0.0.1", port)
    raise RuntimeError("no three free consecutive ports on 127.0.0.1")


def wait_until(check: Callable[[], bool], seconds: float = 15.0, step: float = 0.05) -> bool:
    """Poll ``check`` until it holds or ``seconds`` pass (every mesh test's loops are bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def heuristic_node(session: Session, address: Address, data: Path, experts: Sequence[str] = ("all",),
                   peers: Sequence[Address] = (), name: str = "", neural: bool = False, **config: Any) -> Node:
    """A node over ``session`` with the heuristic proposers (no torch: quick to start), or the
    learned experts (``neural=True``)."""
    services = node_services(session, experts, neural=neural)
    cfg = NodeConfig(address, tuple(peers), services.experts, data, name or str(address.port),
                     **{"timeout": 2.0, "sync_every": 0.3, "poll": 0.05, **config})
    return Node(cfg, services)
