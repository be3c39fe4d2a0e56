-- expect: uses 'sorry'
-- at: 3:1
instance : Magma Nat := sorry
