-- expect: failed to synthesize instance Magma Nat
-- at: 3:29
theorem bad (a b : Nat) : a ◇ b = b ◇ a := rfl
