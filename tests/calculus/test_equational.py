"""The equational tactics on magma goals: rw with an instance, symm, congr, eq_search."""

from __future__ import annotations

import pytest

from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.admit import admit

COMM = "∀ (G : Type) [Magma G], (∀ x y : G, x ◇ y = y ◇ x) →"
LEFT = "∀ (G : Type) [Magma G], (∀ x y : G, x ◇ y = x) →"


def _theorem(name: str, statement: str, *tactics: str) -> str:
    return "\n".join([f"theorem {name} : {statement} := by", *(f"  {t}" for t in tactics), ""])


@pytest.mark.parametrize(("statement", "tactics"), [
    (f"{COMM} ∀ a b c : G, (a ◇ b) ◇ c = c ◇ (b ◇ a)", ["intro G inst h a b c", "rw [h a b]", "rw [h (b ◇ a) c]"]),
    (f"{LEFT} ∀ a b c : G, (a ◇ b) ◇ c = a", ["intro G inst h a b c", "rw [h]", "rw [h]"]),  # instance by unification
    (f"{LEFT} ∀ a b : G, a = a ◇ b", ["intro G inst h a b", "symm", "exact h a b"]),
    (f"{LEFT} ∀ a b c : G, (a ◇ b) ◇ c = a ◇ (c ◇ b)", ["intro G inst h a b c", "congr", "exact h a b", "rw [h c b]"]),
    (f"{COMM} ∀ a b c : G, (a ◇ b) ◇ c = c ◇ (b ◇ a)", ["intro G inst h a b c", "eq_search"]),
    (f"{LEFT} ∀ a b c : G, a = ((a ◇ b) ◇ c) ◇ (b ◇ c)", ["intro G inst h a b c", "eq_search 3"]),
    # a hypothesis binder used on neither side: the chain fills it with an element of G
    ("∀ (G : Type) [Magma G], (∀ x y : G, x ◇ x = x) → ∀ z : G, (z ◇ z) ◇ (z ◇ z) = z",
     ["intro G inst h z", "eq_search 2"]),
])
def test_equational_tactics_prove(statement: str, tactics: list[str]) -> None:
    admit(_theorem("T", statement, *tactics), "test")


@pytest.mark.parametrize(("statement", "tactics", "message"), [
    (f"{COMM} ∀ a b c : G, (a ◇ b) ◇ c = a ◇ (b ◇ c)", ["intro G inst h a b c", "eq_search 2"], "no chain"),
    (f"{COMM} ∀ a b : G, a ◇ b = b ◇ a", ["intro G inst h a b", "eq_search 9"], "depth must be"),
    ("∀ n : Nat, n + 0 = n", ["intro n", "eq_search"], "not an equation between magma terms"),
    ("∀ (G : Type) [Magma G], ∀ a b : G, a ◇ b = a ◇ b", ["intro G inst a b", "eq_search"], "no equations"),
    ("∀ n : Nat, n + 0 = n", ["intro n", "congr"], "congr"),
])
def test_equational_tactics_fail_clearly(statement: str, tactics: list[str], message: str) -> None:
    with pytest.raises(TacticMeshError, match=message):
        admit(_theorem("T", statement, *tactics), "test")


def test_eq_search_falls_back_under_first() -> None:
    # a failed search is an ordinary tactic failure: `first` moves on
    statement = f"{COMM} ∀ a b : G, a ◇ b = b ◇ a"
    admit(_theorem("T", statement, "intro G inst h a b", "first | eq_search 1 | exact h a b"), "test")
