-- expect: type mismatch
-- at: 4:59
-- the witness `_` is created outside `fun m`, so it cannot be assigned `m`
theorem bad : ∃ n : Nat, ∀ m : Nat, n = m := ⟨_, fun m => rfl⟩
