-- expect: unexpected ':='
-- at: 3:18
def bad : Nat := := 1
