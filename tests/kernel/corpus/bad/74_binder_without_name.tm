-- expect: unexpected ':'
-- at: 3:10
def bad (: Nat) : Nat := 0
