-- expect: 'Bool' has 2 constructors
-- at: 3:19
def bad : Bool := ⟨⟩
