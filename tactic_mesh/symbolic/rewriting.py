"""The library's own bounded equational search on a magma implication (to compare with E).

``prove_by_rewriting(a, b, depth)`` states ``a ⇒ b`` as a theorem whose proof is the DSL tactic
``eq_search depth`` (``calculus.equational``): a breadth-first rewrite search from both sides of
``b`` with instances of ``a``, elaborated into an ordinary proof term.  The theorem goes through
the elaborator and the kernel like any other; None when the search finds no chain.
"""

from __future__ import annotations

import itertools

import attrs

from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.admit import admit, intro_line, theorem_text
from tactic_mesh.symbolic.equations import Equation
from tactic_mesh.symbolic.refutation import implication_text

_counter = itertools.count()


@attrs.frozen
class RewriteProof:
    statement_text: str
    theory: str
    theorem: str
    checked_by: str = "kernel"


def rewrite_proof_theory(a: Equation, b: Equation, depth: int = 3) -> RewriteProof:
    name = f"rewrite_proof_{next(_counter)}"
    statement = implication_text(a, b)
    theory = theorem_text(name, statement, [intro_line(b.variables()), f"eq_search {depth}"])
    return RewriteProof(statement, theory, name)


def prove_by_rewriting(a: Equation, b: Equation, depth: int = 3) -> RewriteProof | None:
    """A kernel-checked proof of ``a ⇒ b`` by the bounded search, or None when it finds nothing."""
    proof = rewrite_proof_theory(a, b, depth)
    try:
        admit(proof.theory, "rewriting proof")
    except TacticMeshError as err:
        if "eq_search" in err.message:
            return None
        raise
    return proof


__all__ = ["RewriteProof", "prove_by_rewriting", "rewrite_proof_theory"]
