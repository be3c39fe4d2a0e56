-- expect: uses 'sorry'
-- at: 3:1
theorem bad : 1 = 2 := sorry
