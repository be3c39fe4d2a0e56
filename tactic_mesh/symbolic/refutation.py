"""Kernel-checked refutations of magma implications from finite counter-models.

For a counter-model of ``a ⇒ b`` on ``n`` elements the certificate is a small theory file: an
inductive type with ``n`` constructors, the operation as nested recursors over its table, the
``Magma`` instance, ``a`` proved for the model by cases on every variable and evaluation (``rfl``),
the distinctness of the two elements where ``b`` fails, and the refutation

    ¬ (∀ (G : Type) [Magma G], (∀ xs : G, a) → ∀ ys : G, b)

as one term.  ``check_refutation`` runs it through the elaborator and the kernel: only what the
kernel admits is a refutation, and the admitted statement is compared with the one built from the
equations.
"""

from __future__ import annotations

import itertools

import attrs

from tactic_mesh.kernel.environment import Environment
from tactic_mesh.symbolic.admit import admit
from tactic_mesh.symbolic.equations import Equation, Term, evaluate, show
from tactic_mesh.symbolic.finite_models import FiniteModel

_counter = itertools.count()


@attrs.frozen
class Refutation:
    statement_text: str
    theory: str  # the certificate, as a theory file
    theorem: str  # the refutation's name in it
    checked_by: str = "kernel"


def implication_text(a: Equation, b: Equation, carrier: str = "G") -> str:
    """``∀ (G : Type) [Magma G], (∀ xs : G, a) → ∀ ys : G, b``."""
    return (f"∀ ({carrier} : Type) [Magma {carrier}], ({_forall(a, carrier)}) → {_forall(b, carrier)}")


def _forall(eq: Equation, carrier: str) -> str:
    names = " ".join(eq.variables())
    return f"∀ {names} : {carrier}, {show(eq.lhs, top=True)} = {show(eq.rhs, top=True)}"


def _op_text(model: FiniteModel, carrier: str) -> str:
    elems = [f"{carrier}.e{i}" for i in range(model.size)]
    rec = f"{carrier}.rec (motive := fun _ => {carrier})"
    rows = [f"({rec} {' '.join(elems[model.table[i][j]] for j in range(model.size))} y)" for i in range(model.size)]
    return f"{rec} {' '.join(rows)} x"


def refutation_theory(a: Equation, b: Equation, model: FiniteModel) -> Refutation:
    k = next(_counter)
    m = f"CounterMagma{k}"
    env = dict(model.witness)
    i, j = evaluate(b.lhs, env, model.table), evaluate(b.rhs, env, model.table)
    if i == j:
        raise ValueError("the model does not refute b at its witness")
    motive = " ".join("True" if c == i else "False" for c in range(model.size))
    names_a = " ".join(a.variables())
    cases = " <;> ".join(f"cases {v}" for v in a.variables())
    args = " ".join(f"{m}.e{env[v]}" for v in b.variables())
    statement = f"¬ ({implication_text(a, b)})"
    lines = [
        f"inductive {m} : Type where",
        *(f"  | e{c} : {m}" for c in range(model.size)),
        "",
        f"def {m}.op (x y : {m}) : {m} :=",
        f"  {_op_text(model, m)}",
        "",
        f"instance instMagma{m} : Magma {m} := ⟨{m}.op⟩",
        "",
        f"theorem {m}.ne : {m}.e{i} ≠ {m}.e{j} :=",
        f"  fun h => Eq.rec (motive := fun b _ => {m}.rec (motive := fun _ => Prop) {motive} b) True.intro h",
        "",
        f"theorem {m}.law : {_forall(a, m)} := by",
        f"  intro {names_a}",
        f"  {cases} <;> rfl",
        "",
        f"theorem {m}.refutation : {statement} :=",
        f"  fun h => {m}.ne (h {m} {m}.law {args})",
        "",
    ]
    return Refutation(statement, "\n".join(lines), f"{m}.refutation")


def check_refutation(refutation: Refutation, env: Environment | None = None) -> Environment:
    """Admit the certificate through the kernel; the environment with it (raises
    ``TacticMeshError`` naming the first declaration the kernel or the elaborator refuses)."""
    return admit(refutation.theory, "refutation", env)


def refute(a: Equation, b: Equation, model: FiniteModel) -> Refutation:
    """The kernel-checked refutation of ``a ⇒ b`` by ``model``."""
    refutation = refutation_theory(a, b, model)
    check_refutation(refutation)
    return refutation


__all__ = ["Refutation", "Term", "check_refutation", "implication_text", "refutation_theory", "refute"]
