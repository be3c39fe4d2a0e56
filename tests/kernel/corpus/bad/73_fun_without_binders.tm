-- expect: unexpected '=>'
-- at: 3:28
def bad : Nat → Nat := fun => 0
