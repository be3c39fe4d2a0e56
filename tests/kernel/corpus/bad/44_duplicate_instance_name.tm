-- expect: 'instAddNat' has already been declared
-- at: 3:1
instance instAddNat : Add Nat := ⟨Nat.add⟩
