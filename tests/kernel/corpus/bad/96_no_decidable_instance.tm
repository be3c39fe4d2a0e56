-- expect: failed to synthesize instance Decidable (1 = 2)
-- at: 3:24
theorem bad : 1 = 2 := of_decide_eq_true rfl
