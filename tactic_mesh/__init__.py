"""tactic-mesh: a typed, effectful calculus of tactic programs.

The public entry point is ``tactic_mesh.api`` (``Session``, ``ProofResult``), exported here; it
is imported on first use, so ``import tactic_mesh`` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tactic_mesh.version import __version__

if TYPE_CHECKING:
    from tactic_mesh.api import NoProofFound, ProofRejected, ProofResult, SearchStats, Session

__all__ = ["NoProofFound", "ProofRejected", "ProofResult", "SearchStats", "Session", "__version__"]


def __getattr__(name: str) -> Any:
    if name in __all__ and name != "__version__":
        from tactic_mesh import api

        return getattr(api, name)
    raise AttributeError(f"module 'tactic_mesh' has no attribute {name!r}")
