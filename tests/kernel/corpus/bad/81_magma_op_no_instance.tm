-- expect: failed to synthesize instance Magma Bool
-- at: 3:30
def bad (a : Bool) : Bool := Magma.op a a
