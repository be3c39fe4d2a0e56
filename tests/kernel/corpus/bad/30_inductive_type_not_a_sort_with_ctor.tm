-- expect: must end in a sort
-- at: 4:15
-- the root cause is the header, not the constructor
inductive T : Nat where
  | mk : T
