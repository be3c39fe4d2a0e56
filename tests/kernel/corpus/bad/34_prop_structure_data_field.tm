-- expect: 'val'
-- at: 5:1
-- a `Prop` structure with a data field is not a subsingleton: its projection `val` would need
-- large elimination
structure PSig : Prop where
  val : Nat
  isZero : val = 0
