-- expect: unexpected end of input
-- at: 4:1
theorem bad : True :=
