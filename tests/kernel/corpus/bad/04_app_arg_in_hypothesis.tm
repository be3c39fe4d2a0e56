-- expect: type mismatch
-- at: 4:44
theorem ok_lemma (n : Nat) : n = n := rfl
theorem bad (b : Bool) : b = b := ok_lemma b
