-- expect: unexpected ','
-- at: 3:17
theorem bad : ∀ , True := True.intro
