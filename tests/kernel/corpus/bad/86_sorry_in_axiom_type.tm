-- expect: uses 'sorry'
-- at: 3:1
axiom bad : (sorry : Prop)
