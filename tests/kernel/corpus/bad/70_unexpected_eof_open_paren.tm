-- expect: unexpected end of input
-- at: 4:1
def bad : Nat := (1 + 2
