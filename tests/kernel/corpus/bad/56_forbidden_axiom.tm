-- expect: depends on axioms that are not allowed: cheat
-- at: 5:1
-- options: --forbid-axioms
axiom cheat : False
theorem bad : 1 = 2 := False.elim cheat
