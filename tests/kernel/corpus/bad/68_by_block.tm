-- expect: unknown tactic 'trivial'
-- at: 3:26
theorem bad : True := by trivial
