"""Kernel-checked proofs of implications whose conclusion is an instance of the hypothesis."""

from __future__ import annotations

import csv

import attrs
import pytest

from tactic_mesh.calculus.magma.equations import data_dir, parse_equation
from tactic_mesh.calculus.magma.terms import match
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.admit import admit
from tactic_mesh.symbolic.instances import instance_proof_theory, prove_by_instance


def test_matching() -> None:
    a = parse_equation("x = x ◇ y")
    b = parse_equation("z = z ◇ (w ◇ z)")
    subst: dict[str, object] = {}
    assert match(a.lhs, b.lhs, subst) and match(a.rhs, b.rhs, subst)  # type: ignore[arg-type]
    assert subst == {"x": "z", "y": ("w", "z")}
    assert not match(parse_equation("x ◇ x = y").lhs, parse_equation("x ◇ y = y").lhs, {})


@pytest.mark.parametrize(("a", "b", "symmetric"), [
    ("x = x ◇ y", "x = x ◇ (y ◇ z)", False),
    ("x = x ◇ y", "x ◇ (y ◇ z) = x", True),
    ("x = y", "x ◇ (y ◇ z) = (x ◇ w) ◇ u", False),  # x = y implies every law
    ("x ◇ y = y ◇ x", "(x ◇ y) ◇ z = z ◇ (x ◇ y)", False),
])
def test_instances_are_proved_and_kernel_checked(a: str, b: str, symmetric: bool) -> None:
    proof = prove_by_instance(parse_equation(a), parse_equation(b))
    assert proof is not None and proof.checked_by == "kernel"
    assert ("Eq.symm" in proof.theory) == symmetric


def test_no_instance_no_proof() -> None:
    assert prove_by_instance(parse_equation("x ◇ y = y ◇ x"), parse_equation("x ◇ (y ◇ z) = (x ◇ y) ◇ z")) is None


def test_a_proof_of_another_statement_is_refused() -> None:
    proof = instance_proof_theory(parse_equation("x = x ◇ y"), parse_equation("x = x ◇ (y ◇ z)"))
    assert proof is not None
    forged = attrs.evolve(proof, theory=proof.theory.replace("x = x ◇ (y ◇ z)", "x = (y ◇ z) ◇ x"))
    with pytest.raises(TacticMeshError, match="the kernel refuses"):
        admit(forged.theory, "instance proof")


@pytest.mark.skipif(data_dir() is None, reason="the shared ETP data (shared/data/etp) is not on this machine")
def test_instance_proofs_on_the_dev_sample_are_all_true_rows() -> None:
    directory = data_dir()
    assert directory is not None
    with (directory / "dev_implications.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    proved = [r for r in rows if prove_by_instance(parse_equation(r["lhs_eq"]), parse_equation(r["rhs_eq"]))]
    assert len(proved) >= 40 and all(r["holds"] == "true" for r in proved)
