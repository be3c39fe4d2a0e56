-- expect: binder 'x' has type Bool but Nat is expected
-- at: 3:33
def bad : Nat → Nat := fun (x : Bool) => 0
