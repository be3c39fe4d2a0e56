-- expect: unknown universe level 'v'
-- at: 3:18
def bad.{u} (α : Sort v) : Sort v := α
