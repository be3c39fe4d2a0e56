"""The literal shortcut is enabled exactly for the prelude's own definitions."""

from __future__ import annotations

from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.fingerprint import fingerprint
from tactic_mesh.kernel.natlit import NAT_BINOPS, TRUSTED_NAT_OPS, trusted_nat_op
from tactic_mesh.kernel.prelude import check_prelude, prelude


def test_prelude_definitions_have_the_trusted_fingerprints() -> None:
    env = prelude()
    for name in NAT_BINOPS:
        assert fingerprint(env, name) == TRUSTED_NAT_OPS[name], name
        assert trusted_nat_op(env, name)


def test_fingerprints_are_stable_across_fresh_checks() -> None:
    env, results = check_prelude()
    assert all(r.ok for r in results)
    assert all(fingerprint(env, n) == TRUSTED_NAT_OPS[n] for n in NAT_BINOPS)


FAKE = """
inductive Nat : Type where
  | zero : Nat
  | succ (n : Nat) : Nat
inductive Eq {α : Sort u} : α → α → Prop where
  | refl (a : α) : Eq a a
def Nat.add (n m : Nat) : Nat := n
theorem fake : Eq (Nat.add 2 3) 5 := Eq.refl 5
theorem real : Eq (Nat.add 2 3) 2 := Eq.refl 2
"""


def test_a_foreign_nat_add_gets_no_shortcut() -> None:
    checker = FileChecker(Environment())
    results = {r.name: r for r in checker.check_text(FAKE, "fake.tm")}
    assert not trusted_nat_op(checker.env, "Nat.add")
    assert not results["fake"].ok  # 2 + 3 = 5 would be a lie about this Nat.add
    assert results["real"].ok
