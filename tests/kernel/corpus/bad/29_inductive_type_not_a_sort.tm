-- expect: its type must end in a sort, found Nat
-- at: 3:15
inductive T : Nat
