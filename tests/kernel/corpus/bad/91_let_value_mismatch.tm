-- expect: type mismatch
-- at: 3:33
def bad : Nat := let x : Nat := Bool.true; x
