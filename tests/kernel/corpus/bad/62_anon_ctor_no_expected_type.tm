-- expect: the expected type is not known
-- at: 3:12
def bad := ⟨1, 2⟩
