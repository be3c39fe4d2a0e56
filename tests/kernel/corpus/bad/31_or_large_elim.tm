-- expect: type mismatch
-- at: 5:30
-- `Or` is a `Prop` with two constructors: `Or.rec` only eliminates into `Prop`
def bad (h : True ∨ True) : Nat :=
  Or.rec (motive := fun _ => Nat) (fun _ => 0) (fun _ => 1) h
