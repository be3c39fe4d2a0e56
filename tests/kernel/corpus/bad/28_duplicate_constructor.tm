-- expect: constructor 'T.a' has already been declared
-- at: 3:1
inductive T : Type where
  | a : T
  | a : T
