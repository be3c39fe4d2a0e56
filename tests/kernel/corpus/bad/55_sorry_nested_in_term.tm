-- expect: uses 'sorry'
-- at: 3:1
theorem bad (p : Prop) : p ∨ True := Or.inl sorry
