-- expect: unsolved holes
-- at: 4:12
-- the element type of the empty list cannot be determined
def bad := List.nil
