-- expect: unknown identifier 'loop'
-- at: 4:29
-- recursion must go through a recursor: the name is not in scope in its own body
def loop (n : Nat) : Nat := loop n
