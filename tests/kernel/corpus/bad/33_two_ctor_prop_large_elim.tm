-- expect: type mismatch
-- at: 6:57
inductive Two : Prop where
  | a : Two
  | b : Two
def bad (t : Two) : Bool := Two.rec (motive := fun _ => Bool) Bool.true Bool.false t
