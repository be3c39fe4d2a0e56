-- expect: function expected
-- at: 3:27
def bad : Nat := Nat.zero Nat.zero
