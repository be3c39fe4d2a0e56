-- expect: 'Eq' expects 1 universe levels, got 2
-- at: 3:12
def bad := Eq.{0, 1}
