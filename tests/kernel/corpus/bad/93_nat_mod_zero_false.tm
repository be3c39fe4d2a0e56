-- expect: type mismatch
-- at: 4:28
-- `x % 0 = x`
theorem bad : 7 % 0 = 0 := rfl
