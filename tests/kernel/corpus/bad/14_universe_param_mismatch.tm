-- expect: type mismatch
-- at: 4:34
universe u
def bad (α : Sort u) : Type u := α
