-- expect: projection .3: 'Prod' has 2 fields
-- at: 3:38
def bad (p : Prod Nat Nat) : Nat := p.3
