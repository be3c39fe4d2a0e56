-- expect: unsolved holes (named holes: ?p)
-- at: 3:23
theorem bad : True := ?p
