-- expect: type mismatch
-- at: 6:58
-- `Sq α` has one constructor, but its field is data: no large elimination
inductive Sq (α : Type) : Prop where
  | mk (a : α) : Sq α
def bad (s : Sq Nat) : Nat := Sq.rec (motive := fun _ => Nat) (fun n => n) s
