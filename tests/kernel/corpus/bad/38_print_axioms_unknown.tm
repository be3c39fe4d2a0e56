-- expect: unknown constant 'nope'
-- at: 3:1
#print axioms nope
