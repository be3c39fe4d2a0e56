"""Kernel-checked proofs of magma implications where the conclusion is an instance of the
hypothesis (in either orientation): first-order matching finds the instance, and the proof is
``h t₁ … tₖ`` (or its symmetric).  This covers the ETP's trivial specialisations and every law
implied by ``x = y``.  The proof is a generated theorem the kernel admits.
"""

from __future__ import annotations

import itertools

import attrs

from tactic_mesh.calculus.magma.equations import Equation, show
from tactic_mesh.calculus.magma.terms import match_pair
from tactic_mesh.symbolic.admit import admit, intro_line, theorem_text
from tactic_mesh.symbolic.refutation import implication_text

_counter = itertools.count()


@attrs.frozen
class InstanceProof:
    statement_text: str
    theory: str
    theorem: str
    checked_by: str = "kernel"


def instance_proof_theory(a: Equation, b: Equation) -> InstanceProof | None:
    """The proof of ``a ⇒ b`` when ``b`` (or ``b`` read right to left) is an instance of ``a``."""
    for symmetric in (False, True):
        lhs, rhs = (b.rhs, b.lhs) if symmetric else (b.lhs, b.rhs)
        subst = match_pair((a.lhs, a.rhs), (lhs, rhs))
        if subst is None:
            continue
        filler = b.variables()[0]  # a's variables that b does not constrain: any element will do
        args = " ".join(show(subst.get(v, filler)) for v in a.variables())
        core = f"h {args}"
        k = next(_counter)
        name = f"instance_proof_{k}"
        statement = implication_text(a, b)
        exact = f"exact {'Eq.symm (' + core + ')' if symmetric else core}"
        theory = theorem_text(name, statement, [intro_line(b.variables()), exact])
        return InstanceProof(statement, theory, name)
    return None


def prove_by_instance(a: Equation, b: Equation) -> InstanceProof | None:
    """A kernel-checked proof of ``a ⇒ b`` by instantiation, or None when ``b`` is no instance."""
    proof = instance_proof_theory(a, b)
    if proof is not None:
        admit(proof.theory, "instance proof")
    return proof
