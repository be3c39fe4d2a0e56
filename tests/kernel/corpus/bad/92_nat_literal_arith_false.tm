-- expect: type mismatch
-- at: 3:38
theorem bad : 100000 + 1 = 100000 := rfl
