"""`tactic_mesh/proofs/linear.tm` (integers, affine magmas, the sound normaliser) checks from the
prelude alone, without axioms, and its key statements are the ones the certificates rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactic_mesh.cli.check import check_files
from tactic_mesh.kernel.commands import Options
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.admit import admit
from tactic_mesh.symbolic.linear_models import theory_env

LINEAR = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs" / "linear.tm"


@pytest.fixture(scope="module")
def results():
    return check_files([str(LINEAR)], Options(forbid_axioms=True))


def test_every_declaration_is_admitted_without_axioms(results) -> None:
    failed = [f"{r.loc}: {r.kind} {r.name}: {r.message}" for r in results if not r.ok]
    assert not failed, "\n".join(failed)
    theorems = {r.name: r for r in results if r.kind == "theorem"}
    assert {"Lin.sound", "Lin.law", "Int.ofPair_eq", "Int.ofPair_diff", "Int.ne_of_code"} <= set(theorems)
    assert all(r.axioms == () for r in theorems.values())


def test_the_soundness_statement_is_the_documented_one() -> None:
    # `Lin.law` proves, for every affine operation and pair of trees whose padded normal forms are
    # equal, the equality of their values in every environment (checked by the kernel, not by text)
    statement = (
        "theorem law_as_documented (c : Lin.Affine) (l r : Lin.Tm) (n : Nat)"
        " (h : Lin.vadd (Lin.vadd (Lin.nf c l).fst (Lin.nf c r).snd) (Lin.zeros n) ="
        " Lin.vadd (Lin.vadd (Lin.nf c l).snd (Lin.nf c r).fst) (Lin.zeros n))"
        " : ∀ env : List Int, Lin.den c env l = Lin.den c env r := Lin.law c l r n h"
    )
    env = admit(statement, "statement", theory_env())
    assert env.find("law_as_documented") is not None
    with pytest.raises(TacticMeshError):  # and not for free: without `h` it is refused
        admit(statement.replace(" := Lin.law c l r n h", " := fun env => rfl"), "statement", theory_env())


def test_a_broken_lemma_is_refused(tmp_path: Path) -> None:
    # `k * 1 + 0 = k` is not true by computation for a variable `k`: the lemma's proof is needed
    broken = tmp_path / "linear.tm"
    text = LINEAR.read_text(encoding="utf-8")
    assert "  Lin.mul_one k\n" in text
    broken.write_text(text.replace("  Lin.mul_one k\n", "  rfl\n"), encoding="utf-8")
    refused = [r for r in check_files([str(broken)], Options()) if not r.ok]
    assert refused and refused[0].name == "Lin.dot_const"
