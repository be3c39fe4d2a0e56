-- expect: type mismatch
-- at: 3:27
theorem bad : (0 : Nat) = Bool.true := rfl
