-- expect: unknown identifier 'Nat.plus'
-- at: 3:18
def bad : Nat := Nat.plus 1 2
