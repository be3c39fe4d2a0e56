-- expect: constructor 'T.mk' must return 'T'
-- at: 3:1
inductive T : Type where
  | mk : Nat
