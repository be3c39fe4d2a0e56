-- expect: type mismatch
-- at: 3:19
def bad : Type := Type
