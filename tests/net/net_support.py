"""Kernel-checked proofs for the mesh tests to store, offer, forge and replicate."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tactic_mesh.api import ProofResult, Session
from tactic_mesh.kernel.expr import Expr


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
