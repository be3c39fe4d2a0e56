-- expect: needs 2 components, got 1
-- at: 3:27
def bad : Prod Nat Nat := ⟨1⟩
