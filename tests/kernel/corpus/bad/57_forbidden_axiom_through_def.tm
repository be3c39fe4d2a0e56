-- expect: depends on axioms that are not allowed: choice
-- at: 6:1
-- options: --forbid-axioms
axiom choice (α : Type) : α
def pick : Nat := choice Nat
theorem bad : pick = pick := rfl
