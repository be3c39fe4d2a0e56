-- expect: recursive occurrence with different parameters
-- at: 3:1
inductive W (α : Type) : Type where
  | nil : W α
  | cons (x : W Nat) : W α
