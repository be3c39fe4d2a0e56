-- expect: is not a class
-- at: 3:12
instance : Nat := 0
