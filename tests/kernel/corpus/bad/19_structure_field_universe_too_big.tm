-- expect: is too big
-- at: 3:1
structure Wrap : Type where
  carrier : Type
