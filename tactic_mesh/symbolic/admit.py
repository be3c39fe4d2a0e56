"""Admitting a generated theory (a certificate) through the elaborator and the trusted kernel."""

from __future__ import annotations

from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.prelude import prelude


def admit(theory: str, origin: str, env: Environment | None = None) -> Environment:
    """Check every declaration of ``theory`` on top of ``env`` (default: the prelude); the
    extended environment, or ``TacticMeshError`` naming the first declaration refused."""
    from tactic_mesh.calculus.tactic_block import prove_by_block

    checker = FileChecker(env if env is not None else prelude(), tactic_runner=prove_by_block)
    results = run_deep(checker.check_text, theory, f"<{origin}>")
    bad = [r for r in results if not r.ok]
    if bad:
        raise TacticMeshError(f"the kernel refuses the {origin}: {bad[0].kind} {bad[0].name}: {bad[0].message}",
                              bad[0].loc)
    return checker.env
