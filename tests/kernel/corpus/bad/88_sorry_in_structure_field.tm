-- expect: uses 'sorry'
-- at: 3:1
structure S where
  x : (sorry : Type)
