-- expect: 'Or.rec' expects 0 universe levels, got 1
-- at: 4:12
-- `Or.rec` only eliminates into `Prop`: it has no universe parameter to instantiate
def bad := Or.rec.{1}
