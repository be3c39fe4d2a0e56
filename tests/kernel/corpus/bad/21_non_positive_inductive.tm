-- expect: non-positive occurrence of 'Bad' in field 1 of constructor 'Bad.mk'
-- at: 3:1
inductive Bad : Type where
  | mk (f : Bad → Nat) : Bad
