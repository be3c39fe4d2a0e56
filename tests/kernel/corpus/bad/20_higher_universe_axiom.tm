-- expect: type mismatch
-- at: 4:19
axiom Big : Type 1
def bad : Type := Big
