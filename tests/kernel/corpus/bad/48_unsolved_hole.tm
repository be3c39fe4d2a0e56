-- expect: unsolved holes
-- at: 3:18
def bad : Nat := _
