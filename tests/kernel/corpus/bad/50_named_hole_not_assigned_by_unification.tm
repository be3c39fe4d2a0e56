-- expect: but is expected to have type ?n = 0
-- at: 4:21
-- `?n` is a synthetic-opaque goal: unification must not solve it with `0`
def bad : ?n = 0 := Eq.refl 0
