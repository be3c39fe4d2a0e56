-- expect: type mismatch
-- at: 5:34
-- the witness of an `∃` cannot be extracted into `Type`
def bad (h : ∃ n : Nat, n = n) : Nat :=
  Exists.rec (motive := fun _ => Nat) (fun w _ => w) h
