"""Variants of training theorems (``neural/augment.py``): true by construction, checked by the
kernel, never a held-out statement."""

from __future__ import annotations

import pytest

from tactic_mesh.api import Session
from tactic_mesh.kernel.expr import alpha_equiv
from tactic_mesh.kernel.printer import Printer
from tactic_mesh.neural.augment import Wrapper, instantiations, symmetric, variants, wrappers
from tactic_mesh.neural.traces import LibraryTheorem


@pytest.fixture(scope="module")
def session() -> Session:
    return Session("basics")


@pytest.fixture(scope="module")
def table(session: Session) -> list[Wrapper]:
    return wrappers(session.elaborate)


def _theorem(session: Session, name: str, statement: str) -> LibraryTheorem:
    expr, levels = session.elaborate(statement)
    return LibraryTheorem(name, expr, levels, session.environment, ())


def _texts(session: Session, exprs: list[object]) -> list[str]:
    return [Printer(session.environment).print(e) for e in exprs]  # type: ignore[arg-type]


def _assert_statements(session: Session, got: list[object], statements: list[str]) -> None:
    want = [session.elaborate(t)[0] for t in statements]
    assert len(got) == len(want), _texts(session, got)
    assert all(alpha_equiv(g, w) for g, w in zip(got, want, strict=True)), _texts(session, got)  # type: ignore[arg-type]


def test_the_table_elaborates_every_kind(table: list[Wrapper]) -> None:
    assert sorted({w.kind for w in table}) == ["List", "Nat", "Prop"]
    assert len(table) == 8


def test_an_instantiation_keeps_the_binder_and_lifts_under_the_inner_ones(session: Session,
                                                                           table: list[Wrapper]) -> None:
    expr, _ = session.elaborate("∀ (n m : Nat), n + m = m + n")
    plus_zero = [w for w in table if w.kind == "Nat"][:1]  # x + 0
    _assert_statements(session, list(instantiations(expr, plus_zero)),
                       ["∀ (n m : Nat), n + 0 + m = m + (n + 0)", "∀ (n m : Nat), n + (m + 0) = m + 0 + n"])


def test_a_list_variable_is_instantiated_at_its_element_type(session: Session, table: list[Wrapper]) -> None:
    expr, _ = session.elaborate("∀ (α : Type) (l : List α), List.length l = List.length l")
    got = instantiations(expr, [w for w in table if w.kind == "List"])  # the table's are at `Type u`
    _assert_statements(session, list(got),
                       ["∀ (α : Type) (l : List α), List.length (l ++ []) = List.length (l ++ [])",
                        "∀ (α : Type) (l : List α), List.length ([] ++ l) = List.length ([] ++ l)"])


def test_a_hypothesis_and_an_unused_variable_are_not_instantiated(session: Session, table: list[Wrapper]) -> None:
    expr, _ = session.elaborate("∀ (p : Prop) (n : Nat), p → p")
    got = _texts(session, instantiations(expr, table))
    # `n` is never used, and the hypothesis is a proof, not a proposition: only `p` changes
    assert got == ["∀ (p : Prop), Nat → p ∧ p → p ∧ p", "∀ (p : Prop), Nat → p ∨ p → p ∨ p"]


def test_symmetry_turns_an_equation_and_an_iff_around(session: Session) -> None:
    eq, _ = session.elaborate("∀ (n : Nat), n + 0 = n")
    iff, _ = session.elaborate("∀ (p q : Prop), p ∧ q ↔ q ∧ p")
    imp, _ = session.elaborate("∀ (p : Prop), p → p")
    assert _texts(session, [symmetric(eq), symmetric(iff)]) == [
        "∀ (n : Nat), n = n + 0", "∀ (p : Prop) (q : Prop), q ∧ p ↔ p ∧ q"]
    assert symmetric(imp) is None


def test_variants_are_propositions_distinct_and_never_a_statement_to_avoid(session: Session,
                                                                           table: list[Wrapper]) -> None:
    th = _theorem(session, "add_comm'", "∀ (n m : Nat), n + m = m + n")
    everything = variants([th], table, 100)
    assert everything.refused == 0
    stmts = [v.statement for v in everything.theorems]
    assert len(stmts) > 4
    assert not any(alpha_equiv(s, th.statement) for s in stmts)
    assert all(not alpha_equiv(a, b) for i, a in enumerate(stmts) for b in stmts[i + 1:])
    assert [v.name for v in everything.theorems][:2] == ["add_comm'~0", "add_comm'~1"]
    assert all(v.steps == () for v in everything.theorems)
    banned = stmts[0]
    again = variants([th], table, 100, avoid=[banned])
    assert again.avoided == 1
    assert not any(alpha_equiv(v.statement, banned) for v in again.theorems)
    assert len(variants([th], table, 2).theorems) == 2


def test_a_variant_the_kernel_refuses_is_dropped(session: Session, table: list[Wrapper]) -> None:
    # `x * 1` over a variable the statement needs at type `Nat` stays a proposition; a wrapper whose
    # body has the wrong type for the variable's binder (a `Nat` term for a `Prop` variable) does not
    nat_for_prop = Wrapper("Prop", next(w for w in table if w.kind == "Nat").body)
    th = _theorem(session, "id'", "∀ (p : Prop), p → p")
    made = variants([th], [nat_for_prop], 5)
    assert made.theorems == () and made.refused == 1


def test_a_variant_is_true_the_search_proves_it_and_the_kernel_admits_it(session: Session,
                                                                        table: list[Wrapper]) -> None:
    th = _theorem(session, "and_comm'", "∀ (p q : Prop), p ∧ q → q ∧ p")
    made = variants([th], table, 4, seed=1)
    assert made.theorems
    for v in made.theorems:
        result = session.prove_expr(v.statement, v.level_params, budget=20.0, name=v.name)
        assert result.admission is not None
