-- expect: type mismatch
-- at: 3:25
def bad.{u} : Sort u := Sort u
