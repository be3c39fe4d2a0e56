-- expect: non-positive occurrence of 'Liar'
-- at: 3:1
inductive Liar : Prop where
  | mk (h : Liar → False) : Liar
