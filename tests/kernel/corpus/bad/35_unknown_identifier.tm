-- expect: unknown identifier 'foo'
-- at: 3:18
def bad : Nat := foo
