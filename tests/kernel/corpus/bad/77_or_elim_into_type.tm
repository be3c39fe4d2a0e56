-- expect: type mismatch
-- at: 4:56
-- `Or.elim` concludes a `Prop`, not a `Nat`
def bad (h : True ∨ True) : Nat := Or.elim h (fun _ => 0) (fun _ => 1)
