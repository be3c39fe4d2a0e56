-- expect: type mismatch
-- at: 3:27
def bad : List Nat := [1, Bool.true]
