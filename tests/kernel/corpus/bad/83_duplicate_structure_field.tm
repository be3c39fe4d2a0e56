-- expect: 'S.x' has already been declared
-- at: 3:1
structure S where
  x : Nat
  x : Nat
