-- expect: universe level of field 1 of constructor 'Box.mk' is too big
-- at: 3:1
inductive Box.{u} (α : Type u) : Type where
  | mk (x : α) : Box α
