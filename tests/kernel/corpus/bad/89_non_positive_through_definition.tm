-- expect: non-positive occurrence of 'Bad'
-- at: 5:1
-- the negative occurrence is hidden behind a definition: the kernel unfolds it
def F (α : Type) : Type := α → Nat
inductive Bad : Type where
  | mk (f : F Bad) : Bad
