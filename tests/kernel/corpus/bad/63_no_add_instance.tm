-- expect: failed to synthesize instance Add Bool
-- at: 3:29
def bad : Bool := Bool.true + Bool.false
