-- expect: type mismatch
-- at: 4:24
-- two binders where the expected type has only one arrow
def bad : Nat → Nat := fun x y => x
