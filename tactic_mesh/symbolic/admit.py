"""Admitting a generated theory (a certificate) through the elaborator and the trusted kernel."""

from __future__ import annotations

from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.prelude import prelude


def intro_line(b_variables: tuple[str, ...]) -> str:
    """The first line of every generated implication proof: the carrier, its instance, the
    hypothesis ``h`` and the conclusion's variables."""
    return f"intro G inst h {' '.join(b_variables)}"


def theorem_text(name: str, statement: str, script: tuple[str, ...] | list[str]) -> str:
    """``theorem name : statement := by`` with the tactic lines of ``script``."""
    return "\n".join([f"theorem {name} : {statement} := by", *(f"  {line}" for line in script), ""])


def admit(theory: str, origin: str, env: Environment | None = None) -> Environment:
    """Check every declaration of ``theory`` on top of ``env`` (default: the prelude); the
    extended environment, or ``TacticMeshError`` naming the first declaration refused."""
    from tactic_mesh.handlers.blocks import prove_by_block

    checker = FileChecker(env if env is not None else prelude(), tactic_runner=prove_by_block)
    results = run_deep(checker.check_text, theory, f"<{origin}>")
    bad = [r for r in results if not r.ok]
    if bad:
        raise TacticMeshError(f"the kernel refuses the {origin}: {bad[0].kind} {bad[0].name}: {bad[0].message}",
                              bad[0].loc)
    return checker.env
