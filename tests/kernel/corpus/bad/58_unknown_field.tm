-- expect: invalid field notation: unknown constant 'Nat.foo'
-- at: 3:28
def bad (n : Nat) : Nat := n.foo
