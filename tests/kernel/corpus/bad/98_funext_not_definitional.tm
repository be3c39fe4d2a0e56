-- expect: type mismatch
-- at: 3:42
theorem bad (f g : Nat → Nat) : f = g := rfl
