-- expect: unexpected
-- at: 7:23
theorem good : True := True.intro

def also_good : Nat := 1

theorem bad : True := ) True.intro
