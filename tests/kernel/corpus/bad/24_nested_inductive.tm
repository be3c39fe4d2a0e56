-- expect: non-positive occurrence of 'Rose'
-- at: 3:1
inductive Rose : Type where
  | node (children : List Rose) : Rose
