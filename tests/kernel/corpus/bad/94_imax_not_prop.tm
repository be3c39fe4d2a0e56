-- expect: type mismatch
-- at: 4:23
-- `∀ α : Sort u, α` lives in `Sort (imax (u+1) u)`, which is `Prop` only when `u = 0`
def bad.{u} : Prop := ∀ α : Sort u, α
