"""Records that exist to be written down: a kernel expression with its universe parameters, a
kernel certificate and a proof trace (the payloads of the ``expr``, ``certificate`` and ``trace``
document kinds)."""

from __future__ import annotations

import attrs

from tactic_mesh.calculus.state import Provenance
from tactic_mesh.calculus.steppack import StepPack
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import Expr, level_params_of

CHECKERS = ("kernel",)  # who may have checked a certificate


@attrs.frozen
class KernelExpr:
    """A kernel expression and the universe parameters it is generic in (in order)."""

    expr: Expr
    level_params: tuple[str, ...] = ()

    @staticmethod
    def of(e: Expr) -> KernelExpr:
        """``e`` with its universe parameters in sorted order."""
        return KernelExpr(e, tuple(sorted(level_params_of(e))))


@attrs.frozen
class KernelCertificate:
    """``proof : statement``, checked by the trusted kernel in the environment named by
    ``provenance`` — a receiver re-checks it (``recheck``) before believing it."""

    statement: Expr
    proof: Expr
    level_params: tuple[str, ...]
    provenance: Provenance
    checked_by: str = "kernel"

    def recheck(self, env: Environment) -> None:
        """Run the kernel on ``proof`` against ``statement`` (raises ``KernelError``)."""
        from tactic_mesh.kernel.typechecker import TypeChecker

        TypeChecker(env, level_params=self.level_params).check(self.proof, self.statement)


@attrs.frozen
class ProofTrace:
    """The StepPacks of a proof, in order, and the proof term they assemble (None while open)."""

    steps: tuple[StepPack, ...]
    proof_term: Expr | None = None
