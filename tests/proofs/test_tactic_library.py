"""The tactic-proof library `tactic_mesh/proofs/tactics.tm` (checked after `basics.tm`) is admitted
by the kernel, every theorem is proved by a `by` block, and every stored proof term re-checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tactic_mesh.cli.check import check_files
from tactic_mesh.handlers.blocks import prove_by_block
from tactic_mesh.kernel.commands import FileChecker, Options
from tactic_mesh.kernel.declarations import CommandResult
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import TheoremInfo
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.typechecker import TypeChecker

REPO = Path(__file__).resolve().parents[2]
BASICS = REPO / "tactic_mesh" / "proofs" / "basics.tm"
TACTICS = REPO / "tactic_mesh" / "proofs" / "tactics.tm"
MIN_TACTIC_THEOREMS = 80


@pytest.fixture(scope="module")
def results() -> list[CommandResult]:
    return check_files([str(BASICS), str(TACTICS)], Options())


@pytest.fixture(scope="module")
def tactic_results(results: list[CommandResult]) -> list[CommandResult]:
    return [r for r in results if Path(r.loc.file).resolve() == TACTICS.resolve()]


@pytest.fixture(scope="module")
def checker() -> FileChecker:
    """A checker whose environment holds both files, to look at the stored declarations."""
    fc = FileChecker(prelude(), tactic_runner=prove_by_block)
    for path in (BASICS, TACTICS):
        out = run_deep(fc.check_text, path.read_text(encoding="utf-8"), str(path))
        assert all(r.ok for r in out), [f"{r.loc}: {r.name}: {r.message}" for r in out if not r.ok]
    return fc


def _sources(text: str) -> dict[int, str]:
    """The source of each top-level declaration, keyed by its first line (1-based)."""
    lines = text.splitlines()
    starts = [i for i, ln in enumerate(lines) if re.match(r"(theorem|def|instance|axiom|inductive|structure)\b", ln)]
    return {s + 1: "\n".join(lines[s:e]) for s, e in zip(starts, [*starts[1:], len(lines)], strict=True)}


def test_every_declaration_is_admitted(results: list[CommandResult]) -> None:
    failed = [f"{r.loc}: {r.kind} {r.name}: {r.message}" for r in results if not r.ok]
    assert not failed, "\n".join(failed)


def test_enough_tactic_theorems(tactic_results: list[CommandResult]) -> None:
    sources = _sources(TACTICS.read_text(encoding="utf-8"))
    theorems = [r for r in tactic_results if r.kind == "theorem"]
    assert len({r.name for r in theorems}) == len(theorems)
    by_proved = [r for r in theorems if r.ok and re.search(r":=\s*by\b", sources[r.loc.line])]
    assert len(by_proved) >= MIN_TACTIC_THEOREMS, len(by_proved)
    # every theorem of the file is a tactic proof
    assert len(by_proved) == len(theorems)


def test_no_axioms_and_no_sorry(tactic_results: list[CommandResult]) -> None:
    assert "sorry" not in TACTICS.read_text(encoding="utf-8")
    assert all(r.axioms == () for r in tactic_results if r.kind == "theorem")
    strict = check_files([str(BASICS), str(TACTICS)], Options(forbid_axioms=True))
    assert all(r.ok for r in strict)


def test_stored_proofs_recheck_in_the_kernel(checker: FileChecker, tactic_results: list[CommandResult]) -> None:
    names = [r.name for r in tactic_results if r.kind == "theorem"]
    assert len(names) >= MIN_TACTIC_THEOREMS
    for name in names:
        info = checker.env.find(name)
        assert isinstance(info, TheoremInfo), name
        assert not info.value.has_mvar, name
        TypeChecker(checker.env, level_params=info.level_params).check(info.value, info.type)


def test_rewriting_proofs_are_eq_mpr_terms(checker: FileChecker) -> None:
    # a `rw` step leaves `Eq.mpr (congrArg motive h) …` in the term; `induction` a recursor
    info = checker.env.find("Nat.mul_comm")
    assert isinstance(info, TheoremInfo)
    assert "Eq.mpr" in repr(info.value) and "Nat.rec" in repr(info.value)


@pytest.mark.parametrize(
    "name",
    [
        "And.comm",
        "or_false",
        "and_or_right",
        "not_and",
        "exists_comm",
        "exists_eq_left",
        "Eq.congr",
        "ne_of_eq_of_ne",
        "Nat.zero_add'",
        "Nat.add_comm'",
        "Nat.add_assoc'",
        "Nat.add_left_cancel",
        "Nat.mul_comm",
        "Nat.mul_assoc",
        "Nat.right_distrib",
        "Nat.pow_add",
        "Nat.sub_self",
        "Nat.le_trans'",
        "Nat.succ_le_succ'",
        "Nat.le.dest",
        "Nat.le_antisymm",
        "Nat.lt_irrefl",
        "Nat.le_total",
        "List.append_nil'",
        "List.append_assoc'",
        "List.length_append'",
        "List.map_append'",
        "List.reverse_reverse",
        "Bool.or_comm",
        "Magma.left_comm",
        "Magma.identity_unique",
    ],
)
def test_key_theorems_present(tactic_results: list[CommandResult], name: str) -> None:
    assert any(r.kind == "theorem" and r.name == name and r.ok for r in tactic_results)
