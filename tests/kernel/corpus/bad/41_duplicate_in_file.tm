-- expect: 'twice' has already been declared
-- at: 4:1
def twice : Nat := 1
def twice : Nat := 2
