-- expect: function expected
-- at: 3:34
theorem bad : True := True.intro True.intro
