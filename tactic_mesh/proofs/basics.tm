/- Basic theorems over the prelude, all in term mode.

   Every proof below is a term (no `by` blocks); each declaration is elaborated and then admitted
   by the kernel type checker.  Names follow Lean 4 core / Mathlib where such a name exists, so
   that the statements export to Lean unchanged. -/

-- Propositional logic: conjunction ---------------------------------------------------------------

theorem And.symm {a b : Prop} (h : a ∧ b) : b ∧ a := ⟨h.right, h.left⟩

theorem and_comm {a b : Prop} : a ∧ b ↔ b ∧ a := ⟨And.symm, And.symm⟩

theorem and_assoc {a b c : Prop} : (a ∧ b) ∧ c ↔ a ∧ (b ∧ c) :=
  ⟨fun h => ⟨h.left.left, h.left.right, h.right⟩,
   fun h => ⟨⟨h.left, h.right.left⟩, h.right.right⟩⟩

theorem and_self (a : Prop) : a ∧ a ↔ a := ⟨fun h => h.left, fun h => ⟨h, h⟩⟩

theorem And.imp {a b c d : Prop} (f : a → c) (g : b → d) (h : a ∧ b) : c ∧ d := ⟨f h.1, g h.2⟩

-- Propositional logic: disjunction ----------------------------------------------------------------

theorem Or.symm {a b : Prop} (h : a ∨ b) : b ∨ a := h.elim Or.inr Or.inl

theorem or_comm {a b : Prop} : a ∨ b ↔ b ∨ a := ⟨Or.symm, Or.symm⟩

theorem or_assoc {a b c : Prop} : (a ∨ b) ∨ c ↔ a ∨ (b ∨ c) :=
  ⟨fun h => Or.elim (c := a ∨ (b ∨ c)) h
              (fun hab => Or.elim (c := a ∨ (b ∨ c)) hab Or.inl (fun hb => Or.inr (Or.inl hb)))
              (fun hc => Or.inr (Or.inr hc)),
   fun h => Or.elim (c := (a ∨ b) ∨ c) h
              (fun ha => Or.inl (Or.inl ha))
              (fun hbc => Or.elim (c := (a ∨ b) ∨ c) hbc (fun hb => Or.inl (Or.inr hb)) Or.inr)⟩

theorem or_self (a : Prop) : a ∨ a ↔ a := ⟨fun h => h.elim (fun x => x) (fun x => x), Or.inl⟩

theorem Or.imp {a b c d : Prop} (f : a → c) (g : b → d) (h : a ∨ b) : c ∨ d :=
  Or.elim (c := c ∨ d) h (fun ha => Or.inl (f ha)) (fun hb => Or.inr (g hb))

-- Distributivity ---------------------------------------------------------------------------------

theorem and_or_left {a b c : Prop} : a ∧ (b ∨ c) ↔ (a ∧ b) ∨ (a ∧ c) :=
  ⟨fun h => Or.elim (c := (a ∧ b) ∨ (a ∧ c)) h.right
              (fun hb => Or.inl ⟨h.left, hb⟩) (fun hc => Or.inr ⟨h.left, hc⟩),
   fun h => Or.elim (c := a ∧ (b ∨ c)) h
              (fun hab => ⟨hab.left, Or.inl hab.right⟩) (fun hac => ⟨hac.left, Or.inr hac.right⟩)⟩

theorem or_and_left {a b c : Prop} : a ∨ (b ∧ c) ↔ (a ∨ b) ∧ (a ∨ c) :=
  ⟨fun h => Or.elim (c := (a ∨ b) ∧ (a ∨ c)) h
              (fun ha => ⟨Or.inl ha, Or.inl ha⟩) (fun hbc => ⟨Or.inr hbc.left, Or.inr hbc.right⟩),
   fun h => Or.elim (c := a ∨ (b ∧ c)) h.left Or.inl
              (fun hb => Or.elim (c := a ∨ (b ∧ c)) h.right Or.inl (fun hc => Or.inr ⟨hb, hc⟩))⟩

-- Implication and biconditional ------------------------------------------------------------------

theorem imp_trans {a b c : Prop} (f : a → b) (g : b → c) : a → c := fun x => g (f x)

theorem and_imp {a b c : Prop} : (a ∧ b → c) ↔ (a → b → c) :=
  ⟨fun h ha hb => h ⟨ha, hb⟩, fun h hab => h hab.left hab.right⟩

theorem imp_and {a b c : Prop} : (a → b ∧ c) ↔ (a → b) ∧ (a → c) :=
  ⟨fun h => ⟨fun ha => (h ha).left, fun ha => (h ha).right⟩,
   fun h ha => ⟨h.left ha, h.right ha⟩⟩

theorem or_imp {a b c : Prop} : (a ∨ b → c) ↔ (a → c) ∧ (b → c) :=
  ⟨fun h => ⟨fun ha => h (Or.inl ha), fun hb => h (Or.inr hb)⟩,
   fun h hab => hab.elim h.left h.right⟩

theorem Iff.symm {a b : Prop} (h : a ↔ b) : b ↔ a := ⟨h.mpr, h.mp⟩

theorem Iff.trans {a b c : Prop} (h₁ : a ↔ b) (h₂ : b ↔ c) : a ↔ c :=
  ⟨fun ha => h₂.mp (h₁.mp ha), fun hc => h₁.mpr (h₂.mpr hc)⟩

theorem iff_comm {a b : Prop} : (a ↔ b) ↔ (b ↔ a) := ⟨Iff.symm, Iff.symm⟩

-- Negation, contraposition, ex falso -------------------------------------------------------------

theorem trivial : True := True.intro

theorem not_false : ¬False := fun h => h

theorem absurd_of_false {a : Prop} (h : False) : a := False.rec (motive := fun _ => a) h

theorem ex_falso {a b : Prop} (ha : a) (hna : ¬a) : b := absurd ha hna

theorem mt {a b : Prop} (h : a → b) : ¬b → ¬a := fun hnb ha => hnb (h ha)

theorem not_not_intro {a : Prop} (h : a) : ¬¬a := fun hn => hn h

theorem not_not_not {a : Prop} : ¬¬¬a ↔ ¬a :=
  ⟨fun h ha => h (not_not_intro ha), fun h hnn => hnn h⟩

theorem not_or {a b : Prop} : ¬(a ∨ b) ↔ ¬a ∧ ¬b :=
  ⟨fun h => ⟨fun ha => h (Or.inl ha), fun hb => h (Or.inr hb)⟩,
   fun h hab => hab.elim h.left h.right⟩

theorem not_and_of_not_or_not {a b : Prop} (h : ¬a ∨ ¬b) : ¬(a ∧ b) :=
  fun hab => h.elim (fun hna => hna hab.left) (fun hnb => hnb hab.right)

theorem not_and_self {a : Prop} : ¬(a ∧ ¬a) := fun h => h.right h.left

theorem not_not_em (a : Prop) : ¬¬(a ∨ ¬a) :=
  fun h => h (Or.inr (fun ha => h (Or.inl ha)))

theorem not_iff_self {a : Prop} : ¬(a ↔ ¬a) :=
  fun h =>
    let hna : ¬a := fun ha => h.mp ha ha;
    hna (h.mpr hna)

-- Equality ---------------------------------------------------------------------------------------

theorem eq_comm {α : Sort u} {a b : α} : a = b ↔ b = a := ⟨Eq.symm, Eq.symm⟩

theorem eq_self_iff_true {α : Sort u} (a : α) : a = a ↔ True := ⟨fun _ => True.intro, fun _ => rfl⟩

theorem Eq.trans₃ {α : Sort u} {a b c d : α} (h₁ : a = b) (h₂ : b = c) (h₃ : c = d) : a = d :=
  Eq.trans (Eq.trans h₁ h₂) h₃

theorem Eq.substr {α : Sort u} {p : α → Prop} {a b : α} (h₁ : b = a) (h₂ : p a) : p b :=
  Eq.subst (motive := p) (Eq.symm h₁) h₂

theorem congrArg₂ {α : Sort u} {β : Sort v} {γ : Sort w} (f : α → β → γ) {a a' : α} {b b' : β} (ha : a = a') (hb : b = b') :
    f a b = f a' b' :=
  congr (congrArg f ha) hb

theorem ne_of_apply_ne {α : Sort u} {β : Sort v} (f : α → β) {a b : α} (h : f a ≠ f b) : a ≠ b :=
  fun hab => h (congrArg f hab)

theorem Ne.irrefl {α : Sort u} {a : α} (h : a ≠ a) : False := h rfl

theorem Eq.mpr_prop {a b : Prop} (h : a = b) (hb : b) : a := Eq.mpr h hb

theorem cast_eq {α : Sort u} (h : α = α) (a : α) : cast h a = a := rfl

theorem Nat.add_congr {a b c d : Nat} (h₁ : a = b) (h₂ : c = d) : a + c = b + d :=
  congrArg₂ (fun x y => x + y) h₁ h₂

-- Existentials -----------------------------------------------------------------------------------

theorem exists_two_add_two : ∃ n : Nat, 2 + n = 4 := ⟨2, rfl⟩

theorem Exists.imp {α : Sort u} {p q : α → Prop} (h : ∀ a, p a → q a) (hp : ∃ a, p a) : ∃ a, q a :=
  Exists.elim (b := ∃ a, q a) hp (fun w hw => ⟨w, h w hw⟩)

theorem not_exists {α : Sort u} {p : α → Prop} : (¬∃ x, p x) ↔ ∀ x, ¬p x :=
  ⟨fun h x hx => h ⟨x, hx⟩, fun h hex => Exists.elim hex h⟩

theorem not_forall_of_exists_not {α : Sort u} {p : α → Prop} (h : ∃ x, ¬p x) : ¬∀ x, p x :=
  fun hall => Exists.elim h (fun w hw => hw (hall w))

theorem exists_and_left {α : Sort u} {p : α → Prop} {b : Prop} : (∃ x, b ∧ p x) ↔ b ∧ ∃ x, p x :=
  ⟨fun h => Exists.elim (b := b ∧ ∃ x, p x) h (fun w hw => ⟨hw.left, w, hw.right⟩),
   fun h => Exists.elim (b := ∃ x, b ∧ p x) h.right (fun w hw => ⟨w, h.left, hw⟩)⟩

theorem exists_or {α : Sort u} {p q : α → Prop} : (∃ x, p x ∨ q x) ↔ (∃ x, p x) ∨ ∃ x, q x :=
  ⟨fun h => Exists.elim (b := (∃ x, p x) ∨ ∃ x, q x) h (fun w hw =>
              Or.elim (c := (∃ x, p x) ∨ ∃ x, q x) hw
                (fun hp => Or.inl ⟨w, hp⟩) (fun hq => Or.inr ⟨w, hq⟩)),
   fun h => Or.elim (c := ∃ x, p x ∨ q x) h
              (fun hp => Exists.elim (b := ∃ x, p x ∨ q x) hp (fun w hw => ⟨w, Or.inl hw⟩))
              (fun hq => Exists.elim (b := ∃ x, p x ∨ q x) hq (fun w hw => ⟨w, Or.inr hw⟩))⟩

theorem exists_eq {α : Sort u} (a : α) : ∃ x, x = a := ⟨a, rfl⟩

-- Natural numbers: computation -------------------------------------------------------------------

theorem Nat.big_mul : 123456789 * 987654321 = 121932631112635269 := rfl

theorem Nat.big_add : 99999999999999999999 + 1 = 100000000000000000000 := rfl

theorem Nat.two_pow_64 : Nat.pow 2 64 = 18446744073709551616 := rfl

theorem Nat.sub_example : 1000000 - 1 = 999999 := rfl

theorem Nat.sub_truncates : 3 - 5 = 0 := rfl

theorem Nat.div_mod_example : 100 / 7 = 14 ∧ 100 % 7 = 2 := ⟨rfl, rfl⟩

theorem Nat.beq_example : Nat.beq 12345 12345 = Bool.true ∧ Nat.ble 7 3 = Bool.false := ⟨rfl, rfl⟩

theorem Nat.succ_literal : Nat.succ 41 = 42 := rfl

theorem Nat.pred_succ (n : Nat) : Nat.pred (n + 1) = n := rfl

-- Natural numbers: addition ----------------------------------------------------------------------

@[simp] theorem Nat.add_zero (n : Nat) : n + 0 = n := rfl

theorem Nat.add_succ (n m : Nat) : n + Nat.succ m = Nat.succ (n + m) := rfl

@[simp] theorem Nat.zero_add (n : Nat) : 0 + n = n :=
  Nat.rec (motive := fun n => 0 + n = n) rfl (fun _ ih => congrArg Nat.succ ih) n

theorem Nat.succ_add (n m : Nat) : Nat.succ n + m = Nat.succ (n + m) :=
  Nat.rec (motive := fun m => Nat.succ n + m = Nat.succ (n + m))
    rfl (fun _ ih => congrArg Nat.succ ih) m

theorem Nat.add_comm (n m : Nat) : n + m = m + n :=
  Nat.rec (motive := fun m => n + m = m + n)
    (Eq.symm (Nat.zero_add n))
    (fun k ih => Eq.trans (congrArg Nat.succ ih : Nat.succ (n + k) = Nat.succ (k + n))
      (Eq.symm (Nat.succ_add k n))) m

theorem Nat.add_assoc (n m k : Nat) : n + m + k = n + (m + k) :=
  Nat.rec (motive := fun k => n + m + k = n + (m + k))
    rfl (fun _ ih => congrArg Nat.succ ih) k

theorem Nat.add_left_comm (n m k : Nat) : n + (m + k) = m + (n + k) :=
  Eq.trans (Eq.symm (Nat.add_assoc n m k))
    (Eq.trans (congrArg (fun x => x + k) (Nat.add_comm n m) : n + m + k = m + n + k)
      (Nat.add_assoc m n k))

theorem Nat.add_right_cancel {n m k : Nat} : n + k = m + k → n = m :=
  Nat.rec (motive := fun k => n + k = m + k → n = m)
    (fun h => h) (fun _ ih h => ih (Nat.succ.inj h)) k

theorem Nat.add_one (n : Nat) : n + 1 = Nat.succ n := rfl

-- Natural numbers: multiplication ----------------------------------------------------------------

@[simp] theorem Nat.mul_zero (n : Nat) : n * 0 = 0 := rfl

@[simp] theorem Nat.zero_mul (n : Nat) : 0 * n = 0 :=
  Nat.rec (motive := fun n => 0 * n = 0) rfl (fun _ ih => ih) n

@[simp] theorem Nat.mul_one (n : Nat) : n * 1 = n := Nat.zero_add n

@[simp] theorem Nat.one_mul (n : Nat) : 1 * n = n :=
  Nat.rec (motive := fun n => 1 * n = n) rfl (fun _ ih => congrArg Nat.succ ih) n

theorem Nat.mul_succ (n m : Nat) : n * Nat.succ m = n * m + n := rfl

theorem Nat.left_distrib (n m k : Nat) : n * (m + k) = n * m + n * k :=
  Nat.rec (motive := fun k => n * (m + k) = n * m + n * k)
    rfl
    (fun k ih => Eq.trans (congrArg (fun x => x + n) ih : n * (m + k) + n = n * m + n * k + n)
      (Nat.add_assoc (n * m) (n * k) n)) k

-- Natural numbers: order -------------------------------------------------------------------------

theorem Nat.zero_le (n : Nat) : 0 ≤ n :=
  Nat.rec Nat.le.refl (fun _ ih => Nat.le.step ih) n  -- motive inferred from the goal

theorem Nat.le_trans {n m k : Nat} (h₁ : n ≤ m) (h₂ : m ≤ k) : n ≤ k :=
  Nat.le.rec (motive := fun k _ => n ≤ k) h₁
    (fun {k : Nat} (_ : Nat.le m k) (ih : n ≤ k) => Nat.le.step ih) h₂

theorem Nat.succ_le_succ {n m : Nat} (h : n ≤ m) : Nat.succ n ≤ Nat.succ m :=
  Nat.le.rec (motive := fun m _ => Nat.succ n ≤ Nat.succ m) Nat.le.refl
    (fun {k : Nat} (_ : Nat.le n k) (ih : Nat.succ n ≤ Nat.succ k) => Nat.le.step ih) h

theorem Nat.le_add_right (n k : Nat) : n ≤ n + k :=
  Nat.rec (motive := fun k => n ≤ n + k) Nat.le.refl (fun _ ih => Nat.le.step ih) k

theorem Nat.lt_succ_self (n : Nat) : n < n + 1 := Nat.le.refl

theorem Nat.three_le_seven : 3 ≤ 7 := Nat.le_add_right 3 4

-- Booleans and decide ----------------------------------------------------------------------------

theorem Bool.not_not (b : Bool) : Bool.not (Bool.not b) = b :=
  Bool.rec (motive := fun b => Bool.not (Bool.not b) = b) rfl rfl b

theorem Bool.and_comm (a b : Bool) : Bool.and a b = Bool.and b a :=
  Bool.rec (motive := fun a => Bool.and a b = Bool.and b a)
    (Bool.rec (motive := fun b => Bool.and Bool.false b = Bool.and b Bool.false) rfl rfl b)
    (Bool.rec (motive := fun b => Bool.and Bool.true b = Bool.and b Bool.true) rfl rfl b) a

theorem Bool.or_true (b : Bool) : Bool.or b Bool.true = Bool.true :=
  Bool.rec (motive := fun b => Bool.or b Bool.true = Bool.true) rfl rfl b

theorem Bool.and_self (b : Bool) : Bool.and b b = b :=
  Bool.rec (motive := fun b => Bool.and b b = b) rfl rfl b

theorem decide_True : decide True = Bool.true := rfl

theorem decide_False : decide False = Bool.false := rfl

theorem decide_bool_eq : decide (Bool.and Bool.true (Bool.not Bool.false) = Bool.true) = Bool.true := rfl

theorem of_decide_example : Bool.or Bool.false Bool.true = Bool.true :=
  of_decide_eq_true (p := Bool.or Bool.false Bool.true = Bool.true) rfl

-- Lists ------------------------------------------------------------------------------------------

theorem List.append_example : [1, 2] ++ [3] = [1, 2, 3] := rfl

@[simp] theorem List.nil_append {α : Type u} (as : List α) : [] ++ as = as := rfl

theorem List.cons_append {α : Type u} (a : α) (as bs : List α) :
    List.cons a as ++ bs = List.cons a (as ++ bs) := rfl

@[simp] theorem List.append_nil {α : Type u} (as : List α) : as ++ [] = as :=
  List.rec rfl (fun a _ ih => congrArg (List.cons a) ih) as  -- motive inferred from the goal

theorem List.append_assoc {α : Type u} (as bs cs : List α) : as ++ bs ++ cs = as ++ (bs ++ cs) :=
  List.rec (motive := fun as => as ++ bs ++ cs = as ++ (bs ++ cs)) rfl
    (fun a _ ih => congrArg (List.cons a) ih) as

@[simp] theorem List.length_append {α : Type u} (as bs : List α) :
    (as ++ bs).length = as.length + bs.length :=
  List.rec (motive := fun as => (as ++ bs).length = as.length + bs.length)
    (Eq.symm (Nat.zero_add bs.length))
    (fun a as ih =>
      Eq.trans (congrArg Nat.succ ih : Nat.succ (as ++ bs).length = Nat.succ (as.length + bs.length))
        (Eq.symm (Nat.succ_add as.length bs.length))) as

theorem List.length_example : [5, 6, 7, 8].length = 4 := rfl

theorem List.map_example : List.map (fun x => x * 2) [1, 2, 3] = [2, 4, 6] := rfl

theorem List.map_id {α : Type u} (as : List α) : List.map (fun x => x) as = as :=
  List.rec (motive := fun as => List.map (fun x => x) as = as) rfl
    (fun a _ ih => congrArg (List.cons a) ih) as

@[simp] theorem List.map_append {α : Type u} {β : Type v} (f : α → β) (as bs : List α) :
    List.map f (as ++ bs) = List.map f as ++ List.map f bs :=
  List.rec (motive := fun as => List.map f (as ++ bs) = List.map f as ++ List.map f bs) rfl
    (fun a _ ih => congrArg (List.cons (f a)) ih) as

@[simp] theorem List.length_map {α : Type u} {β : Type v} (f : α → β) (as : List α) :
    (List.map f as).length = as.length :=
  List.rec (motive := fun as => (List.map f as).length = as.length) rfl
    (fun _ _ ih => congrArg Nat.succ ih) as

theorem List.map_map {α : Type u} {β : Type v} {γ : Type w} (g : β → γ) (f : α → β) (as : List α) :
    List.map g (List.map f as) = List.map (fun x => g (f x)) as :=
  List.rec (motive := fun as => List.map g (List.map f as) = List.map (fun x => g (f x)) as) rfl
    (fun a _ ih => congrArg (List.cons (g (f a))) ih) as

theorem List.reverse_example : List.reverse [1, 2, 3, 4] = [4, 3, 2, 1] := rfl

theorem List.reverse_nil {α : Type u} : List.reverse ([] : List α) = [] := rfl

theorem List.length_reverse {α : Type u} (as : List α) : as.reverse.length = as.length :=
  List.rec (motive := fun as => as.reverse.length = as.length) rfl
    (fun a as ih => Eq.trans (List.length_append as.reverse [a]) (congrArg Nat.succ ih)) as

theorem List.reverse_append {α : Type u} (as bs : List α) :
    (as ++ bs).reverse = bs.reverse ++ as.reverse :=
  List.rec (motive := fun as => (as ++ bs).reverse = bs.reverse ++ as.reverse)
    (Eq.symm (List.append_nil bs.reverse))
    (fun a as ih =>
      Eq.trans
        (congrArg (fun l => l ++ [a]) ih : (as ++ bs).reverse ++ [a] = bs.reverse ++ as.reverse ++ [a])
        (List.append_assoc bs.reverse as.reverse [a])) as

-- Pairs ------------------------------------------------------------------------------------------

theorem Prod.fst_mk {α : Type u} {β : Type v} (a : α) (b : β) : (Prod.mk a b).1 = a := rfl

theorem Prod.snd_mk {α : Type u} {β : Type v} (a : α) (b : β) : (Prod.mk a b).2 = b := rfl

theorem Prod.eta {α : Type u} {β : Type v} (p : Prod α β) : Prod.mk p.1 p.2 = p :=
  Prod.rec (motive := fun p => Prod.mk p.1 p.2 = p) (fun _ _ => rfl) p

theorem Prod.ext {α : Type u} {β : Type v} {p q : Prod α β} (h₁ : p.1 = q.1) (h₂ : p.2 = q.2) : p = q :=
  Eq.trans (Eq.symm (Prod.eta p))
    (Eq.trans (congr (congrArg Prod.mk h₁) h₂ : Prod.mk p.1 p.2 = Prod.mk q.1 q.2) (Prod.eta q))

theorem Prod.fst_add_example : (⟨3, Bool.true⟩ : Prod Nat Bool).1 + 4 = 7 := rfl

-- Magmas -----------------------------------------------------------------------------------------

theorem Magma.op_congr {α : Type u} [Magma α] {a b c d : α} (h₁ : a = b) (h₂ : c = d) :
    a ◇ c = b ◇ d :=
  congr (congrArg Magma.op h₁) h₂

theorem Magma.comm_assoc_rotate {α : Type u} [Magma α]
    (comm : ∀ x y : α, x ◇ y = y ◇ x) (a b c : α) :
    (a ◇ b) ◇ c = c ◇ (b ◇ a) :=
  Eq.trans (comm (a ◇ b) c) (congrArg (fun t => c ◇ t) (comm a b))

theorem Magma.left_proj {α : Type u} [Magma α]
    (h : ∀ x y : α, x ◇ y = x) (a b c : α) : (a ◇ b) ◇ c = a ◇ c :=
  Eq.trans (h (a ◇ b) c) (Eq.trans (h a b) (Eq.symm (h a c)))

theorem Magma.idem_square {α : Type u} [Magma α]
    (idem : ∀ x : α, x ◇ x = x) (a : α) : (a ◇ a) ◇ (a ◇ a) = a :=
  Eq.trans (idem (a ◇ a)) (idem a)

theorem Magma.exists_idem {α : Type u} [Magma α] (h : ∀ x y : α, x ◇ y = y) (a : α) :
    ∃ e : α, e ◇ e = e :=
  ⟨a, h a a⟩
