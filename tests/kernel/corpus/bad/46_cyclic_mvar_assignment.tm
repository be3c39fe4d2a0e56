-- expect: type mismatch
-- at: 4:57
-- the witness `_` would have to be `?w := f ?w` (occurs check)
theorem bad (f : Nat → Nat) : ∃ x : Nat, x = f x := ⟨_, rfl⟩
