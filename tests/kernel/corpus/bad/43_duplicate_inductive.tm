-- expect: 'Nat' has already been declared
-- at: 3:1
inductive Nat : Type where
  | z : Nat
