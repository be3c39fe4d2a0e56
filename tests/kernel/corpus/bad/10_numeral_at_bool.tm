-- expect: type mismatch
-- at: 4:20
-- there is no `OfNat Bool 1`: a numeral is a `Nat`
def bad : Bool := (1 : Bool) + Bool.true
