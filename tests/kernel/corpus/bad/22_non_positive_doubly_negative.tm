-- expect: non-positive occurrence of 'Bad'
-- at: 4:1
-- positive in the usual sense of the word (doubly negative) but not *strictly* positive
inductive Bad : Type where
  | mk (f : (Bad → Nat) → Nat) : Bad
