"""The library's own bounded equational search on a magma implication (to compare with E).

``prove_by_rewriting(a, b, depth)`` states ``a ⇒ b`` as a theorem whose proof is the DSL tactic
``eq_search depth`` (``calculus.equational``): a breadth-first rewrite search from both sides of
``b`` with instances of ``a``, elaborated into an ordinary proof term.  The theorem goes through
the elaborator and the kernel like any other; None when the search finds no chain.
"""

from __future__ import annotations

import itertools

import attrs

from tactic_mesh.calculus.equational import find_chain
from tactic_mesh.calculus.magma.chains import Fact
from tactic_mesh.calculus.magma.equations import Equation
from tactic_mesh.symbolic.admit import admit, intro_line, theorem_text
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
    """A kernel-checked proof of ``a ⇒ b`` by the bounded search, or None when it finds nothing
    (the search is run first on its own; a chain the kernel then refuses is an error, not None)."""
    if find_chain(b.lhs, b.rhs, [Fact("h", a.lhs, a.rhs, a.variables())], depth) is None:
        return None
    proof = rewrite_proof_theory(a, b, depth)
    admit(proof.theory, "rewriting proof")
    return proof


__all__ = ["RewriteProof", "prove_by_rewriting", "rewrite_proof_theory"]
