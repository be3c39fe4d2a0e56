-- expect: 'Nat.add' has already been declared
-- at: 3:1
def Nat.add (n m : Nat) : Nat := n
