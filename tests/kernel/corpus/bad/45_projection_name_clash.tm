-- expect: 'P.x' has already been declared
-- at: 4:1
def P.x : Nat := 0
structure P where
  x : Nat
