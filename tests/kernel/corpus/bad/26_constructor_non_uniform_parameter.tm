-- expect: parameter 'α' must be passed unchanged
-- at: 3:1
inductive V (α : Type) : Type where
  | mk (x : α) : V Nat
