-- expect: unexpected character '$'
-- at: 3:20
def bad : Nat := 1 $ 2
