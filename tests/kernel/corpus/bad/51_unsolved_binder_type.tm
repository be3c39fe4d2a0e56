-- expect: unsolved holes
-- at: 3:16
def bad := fun x => x
