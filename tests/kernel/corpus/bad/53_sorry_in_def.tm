-- expect: uses 'sorry'
-- at: 3:1
def bad : Nat := sorry
