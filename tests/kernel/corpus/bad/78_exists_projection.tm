-- expect: 'Exists' is not a structure
-- at: 3:42
def bad (h : ∃ n : Nat, n = n) : Nat := h.1
