"""E's proof objects replayed in the kernel: real proofs admitted, forged ones never 'proved'."""

from __future__ import annotations

import csv

import attrs
import pytest

from tactic_mesh.calculus.magma.equations import data_dir, parse_equation
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.admit import admit
from tactic_mesh.symbolic.eprover import binary, run_eprover
from tactic_mesh.symbolic.reconstruction import ReconstructionError, prove_by_eprover_proof, replay
from tactic_mesh.symbolic.refutation import implication_text
from tactic_mesh.symbolic.tptp import Clause, Literal

pytestmark = pytest.mark.skipif(binary() is None,
                                reason="E prover is not installed (make setup installs the Debian package eprover)")


def _true_rows(per_stratum: int = 1) -> list[tuple[str, str]]:
    root = data_dir()
    if root is None:
        pytest.skip("the shared ETP data is not present")
    seen: dict[str, int] = {}
    out = []
    with (root / "dev_implications.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["holds"] == "true" and seen.get(row["stratum"], 0) < per_stratum:
                seen[row["stratum"]] = seen.get(row["stratum"], 0) + 1
                out.append((row["lhs_eq"], row["rhs_eq"]))
    return out


def test_proofs_from_every_true_stratum_are_replayed_and_admitted() -> None:
    rows = _true_rows()
    assert len(rows) >= 9
    for lhs, rhs in rows:
        a, b = parse_equation(lhs), parse_equation(rhs)
        result = run_eprover(a, b, 10)
        assert result.status == "Theorem", (lhs, rhs, result.reason)
        proof = prove_by_eprover_proof(a, b, list(result.clauses))
        assert proof.statement_text == implication_text(a, b)
        assert f"theorem {proof.theorem} : {proof.statement_text} :=" in proof.theory


def test_goal_clauses_with_variables_are_instantiated() -> None:
    # E's proof goes through a negative clause with a free variable (superposition with an
    # equation whose sides have different variables); the replay finds the instance it needs
    a, b = parse_equation("x ◇ y = (x ◇ z) ◇ x"), parse_equation("x ◇ y = (x ◇ z) ◇ (w ◇ y)")
    result = run_eprover(a, b, 10)
    assert any(c.role == "negated_conjecture" and c.literals and any(
        isinstance(t, str) and not t.startswith("@") for t in _leaves(c.literals[0])) for c in result.clauses)
    prove_by_eprover_proof(a, b, list(result.clauses))


def _leaves(lit: Literal) -> list[str]:
    out: list[str] = []
    stack: list[object] = [lit.lhs, lit.rhs]
    while stack:
        t = stack.pop()
        if isinstance(t, str):
            out.append(t)
        else:
            stack.extend(t)  # type: ignore[arg-type]
    return out


DERIVED = ("x = y ◇ (z ◇ (x ◇ (w ◇ x)))", "x ◇ (y ◇ z) = x ◇ (w ◇ z)")  # E derives a lemma by superposition


def _proof(lhs: str, rhs: str) -> tuple[object, object, list[Clause]]:
    a, b = parse_equation(lhs), parse_equation(rhs)
    result = run_eprover(a, b, 10)
    assert result.status == "Theorem"
    return a, b, list(result.clauses)


def test_a_forged_lemma_is_not_replayed() -> None:
    a, b, clauses = _proof(*DERIVED)
    positives = [i for i, c in enumerate(clauses) if c.literals and c.literals[0].positive]
    forged = list(clauses)
    i = positives[-1]
    lit = forged[i].literals[0]
    forged[i] = attrs.evolve(forged[i], literals=(Literal(True, lit.lhs, ("X9", "X9")),))  # a claim E never made
    with pytest.raises(ReconstructionError, match="cannot re-derive"):
        replay(a, b, forged)  # type: ignore[arg-type]


def test_a_proof_of_the_wrong_conjecture_is_refused() -> None:
    a, b, clauses = _proof(*DERIVED)
    with pytest.raises(ReconstructionError):
        replay(a, parse_equation("x ◇ y = y ◇ x"), clauses)  # type: ignore[arg-type]
    with pytest.raises(ReconstructionError, match="empty clause"):
        replay(a, b, [c for c in clauses if c.literals])  # type: ignore[arg-type]


def test_the_kernel_refuses_a_tampered_replay() -> None:
    a, b, clauses = _proof(*DERIVED)
    proof = replay(a, b, clauses)  # type: ignore[arg-type]
    admit(proof.theory, "replay")
    tampered = proof.theory.replace("Eq.symm", "Eq.refl", 1) if "Eq.symm" in proof.theory else \
        proof.theory.replace("Eq.trans", "Eq.symm", 1)
    with pytest.raises(TacticMeshError):
        admit(tampered, "tampered replay")


def test_simultaneous_superposition_is_replayed() -> None:
    # E's spm replaces every occurrence of the overlapped instance at once: the replay must too
    a, b, clauses = _proof("x ◇ y = (z ◇ y) ◇ (z ◇ y)", "x ◇ x = y ◇ (z ◇ x)")
    proof = prove_by_eprover_proof(a, b, clauses)  # type: ignore[arg-type]
    assert proof.lemmas >= 2
