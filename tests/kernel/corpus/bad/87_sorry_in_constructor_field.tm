-- expect: uses 'sorry'
-- at: 3:1
inductive T : Type where
  | mk (x : (sorry : Type)) : T
