-- expect: tactic proofs (`by`) are not available in term mode
-- at: 3:23
theorem bad : True := by trivial
