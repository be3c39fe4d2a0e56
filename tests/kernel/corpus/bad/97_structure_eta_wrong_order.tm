-- expect: type mismatch
-- at: 3:52
theorem bad (p : Prod Nat Nat) : p = ⟨p.2, p.1⟩ := rfl
