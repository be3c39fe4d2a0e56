-- expect: type mismatch
-- at: 3:28
theorem bad : 2 + 2 = 5 := rfl
