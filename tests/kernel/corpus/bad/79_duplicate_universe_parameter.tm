-- expect: duplicate universe parameter
-- at: 3:1
def bad.{u, u} (α : Sort u) : Sort u := α
