-- expect: its type is not a proposition
-- at: 3:1
theorem bad : Type := Nat
