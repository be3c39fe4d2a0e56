-- expect: type mismatch
-- at: 3:36
def bad.{u, v} : Sort (max u v) := Sort (max v u)
