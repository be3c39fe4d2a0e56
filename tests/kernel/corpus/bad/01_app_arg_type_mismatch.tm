-- expect: type mismatch
-- at: 4:27
-- `Nat.succ` expects a `Nat`, not a `Bool`
def bad : Nat := Nat.succ Bool.true
