-- expect: 'ax' has already been declared
-- at: 4:1
axiom ax : True
theorem ax : True := True.intro
