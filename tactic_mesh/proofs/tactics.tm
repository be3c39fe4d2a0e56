/- A library of theorems proved with tactic scripts (`by` blocks).

   Every proof below is a `by` block run by the tactic calculus (compiled tactic by tactic into
   core programs, interpreted by the kernel handler); the proof term it builds is then admitted by
   the kernel type checker like any other declaration.  The file is checked after `basics.tm`,
   whose term-mode lemmas are used freely:

     tactic-mesh check tactic_mesh/proofs/basics.tm tactic_mesh/proofs/tactics.tm

   Names follow Lean 4 core / Mathlib where such a name exists and is not already taken by the
   prelude or `basics.tm`; tactic re-proofs of laws that `basics.tm` proves in term mode carry a
   prime (`List.append_nil'`).

   Conventions forced by the current tactic layer (see the notes next to the proofs):
   * statements with implicit variables are written `∀ {n m : Nat}, …` after the colon and start
     with `refine fun {n m : Nat} => ?_` (neither `intro` nor the declaration header introduce
     implicit binders yet); elsewhere the variables are explicit binders;
   * `induction`/`cases` work on variables of non-indexed inductive types, so induction on a
     proof of `n ≤ m` is `refine Nat.le.rec ?_ ?_ h`, and hypotheses that mention the variable
     are kept in the goal (`… → …`) instead of being reverted by the tactic;
   * `rw` with a universe-polymorphic lemma is given enough explicit arguments to fix the
     universe (`rw [List.cons_append a t]`), and so is a lemma whose bare pattern would match a
     larger sub-term up to unfolding (`rw [Nat.add_succ m j]`: `rw` matches up to definitional
     unfolding, not syntactically up to instances as Lean does);
   * `exists e` closes the remaining goal only by `rfl` (Lean's also tries `assumption`). -/

-- Conjunction ------------------------------------------------------------------------------------

theorem And.comm (a b : Prop) : a ∧ b ↔ b ∧ a := by
  constructor
  intro h
  cases h
  intro ha hb
  constructor
  exact hb
  exact ha
  intro h
  cases h
  intro hb ha
  constructor
  exact ha
  exact hb

theorem and_true (p : Prop) : p ∧ True ↔ p := by
  constructor
  intro h
  exact h.1
  intro hp
  constructor
  exact hp
  exact True.intro

theorem true_and (p : Prop) : True ∧ p ↔ p := by
  constructor
  intro h
  exact h.2
  intro hp
  constructor
  exact True.intro
  exact hp

theorem and_false (p : Prop) : p ∧ False ↔ False := by
  constructor
  intro h
  exact h.2
  intro h
  cases h

theorem false_and (p : Prop) : False ∧ p ↔ False := by
  constructor
  intro h
  exact h.1
  intro h
  exfalso
  exact h

theorem and_left_comm (a b c : Prop) : a ∧ (b ∧ c) ↔ b ∧ (a ∧ c) := by
  constructor
  intro h
  exact ⟨h.2.1, h.1, h.2.2⟩
  intro h
  exact ⟨h.2.1, h.1, h.2.2⟩

theorem and_right_comm (a b c : Prop) : (a ∧ b) ∧ c ↔ (a ∧ c) ∧ b := by
  constructor
  intro h
  constructor
  constructor
  exact h.1.1
  exact h.2
  exact h.1.2
  intro h
  constructor
  constructor
  exact h.1.1
  exact h.2
  exact h.1.2

theorem and_self_left (a b : Prop) : a ∧ (a ∧ b) ↔ a ∧ b := by
  constructor
  intro h
  exact h.2
  intro h
  exact ⟨h.1, h⟩

theorem and_self_right (a b : Prop) : (a ∧ b) ∧ b ↔ a ∧ b := by
  constructor
  intro h
  exact h.1
  intro h
  exact ⟨h, h.2⟩

theorem and_iff_left_of_imp (a b : Prop) (h : a → b) : a ∧ b ↔ a := by
  constructor
  intro hab
  exact hab.1
  intro ha
  constructor
  exact ha
  exact h ha

theorem and_iff_right_of_imp (a b : Prop) (h : b → a) : a ∧ b ↔ b := by
  constructor
  intro hab
  exact hab.2
  intro hb
  constructor
  apply h
  exact hb
  exact hb

theorem and_congr (a b c d : Prop) (h₁ : a ↔ c) (h₂ : b ↔ d) : a ∧ b ↔ c ∧ d := by
  constructor
  intro h
  constructor
  exact h₁.mp h.1
  exact h₂.mp h.2
  intro h
  constructor
  exact h₁.mpr h.1
  exact h₂.mpr h.2

-- Disjunction ------------------------------------------------------------------------------------

theorem Or.comm (a b : Prop) : a ∨ b ↔ b ∨ a := by
  constructor
  intro h
  cases h
  intro ha
  right
  exact ha
  intro hb
  left
  exact hb
  intro h
  cases h
  intro hb
  right
  exact hb
  intro ha
  left
  exact ha

theorem or_true (p : Prop) : p ∨ True ↔ True := by
  constructor
  intro _
  exact True.intro
  intro h
  right
  exact h

theorem true_or (p : Prop) : True ∨ p ↔ True := by
  constructor
  intro _
  exact True.intro
  intro h
  left
  exact h

theorem or_false (p : Prop) : p ∨ False ↔ p := by
  constructor
  intro h
  cases h
  intro hp
  exact hp
  intro hf
  cases hf
  intro hp
  left
  exact hp

theorem false_or (p : Prop) : False ∨ p ↔ p := by
  constructor
  intro h
  cases h
  intro hf
  exfalso
  exact hf
  intro hp
  exact hp
  intro hp
  right
  exact hp

theorem or_left_comm (a b c : Prop) : a ∨ (b ∨ c) ↔ b ∨ (a ∨ c) := by
  constructor
  intro h
  cases h
  intro ha
  right
  left
  exact ha
  intro hbc
  cases hbc
  intro hb
  left
  exact hb
  intro hc
  right
  right
  exact hc
  intro h
  cases h
  intro hb
  right
  left
  exact hb
  intro hac
  cases hac
  intro ha
  left
  exact ha
  intro hc
  right
  right
  exact hc

theorem or_self_left (a b : Prop) : a ∨ (a ∨ b) ↔ a ∨ b := by
  constructor
  intro h
  cases h
  intro ha
  left
  exact ha
  intro hab
  exact hab
  intro h
  right
  exact h

theorem Or.resolve_left (a b : Prop) (h : a ∨ b) (na : ¬a) : b := by
  cases h
  intro ha
  contradiction
  intro hb
  exact hb

theorem Or.resolve_right (a b : Prop) (h : a ∨ b) (nb : ¬b) : a := by
  cases h
  intro ha
  exact ha
  intro hb
  exact absurd hb nb

theorem or_iff_left_of_imp (a b : Prop) (h : b → a) : a ∨ b ↔ a := by
  constructor
  intro hab
  cases hab
  intro ha
  exact ha
  exact h
  intro ha
  left
  exact ha

theorem or_iff_right_of_imp (a b : Prop) (h : a → b) : a ∨ b ↔ b := by
  constructor
  intro hab
  cases hab
  exact h
  intro hb
  exact hb
  intro hb
  right
  exact hb

theorem or_congr (a b c d : Prop) (h₁ : a ↔ c) (h₂ : b ↔ d) : a ∨ b ↔ c ∨ d := by
  constructor
  intro h
  cases h
  intro ha
  left
  exact h₁.mp ha
  intro hb
  right
  exact h₂.mp hb
  intro h
  cases h
  intro hc
  left
  exact h₁.mpr hc
  intro hd
  right
  exact h₂.mpr hd

-- Distributivity ---------------------------------------------------------------------------------

theorem and_or_right (a b c : Prop) : (a ∨ b) ∧ c ↔ (a ∧ c) ∨ (b ∧ c) := by
  constructor
  intro h
  cases h
  intro hab hc
  cases hab
  intro ha
  left
  exact ⟨ha, hc⟩
  intro hb
  right
  exact ⟨hb, hc⟩
  intro h
  cases h
  intro hac
  constructor
  left
  exact hac.1
  exact hac.2
  intro hbc
  constructor
  right
  exact hbc.1
  exact hbc.2

theorem or_and_right (a b c : Prop) : (a ∧ b) ∨ c ↔ (a ∨ c) ∧ (b ∨ c) := by
  constructor
  intro h
  cases h
  intro hab
  constructor
  left
  exact hab.1
  left
  exact hab.2
  intro hc
  constructor
  right
  exact hc
  right
  exact hc
  intro h
  cases h
  intro hac hbc
  cases hac
  intro ha
  cases hbc
  intro hb
  left
  exact ⟨ha, hb⟩
  intro hc
  right
  exact hc
  intro hc
  right
  exact hc

-- Implication and biconditional ------------------------------------------------------------------

theorem imp_self (a : Prop) : (a → a) ↔ True := by
  constructor
  intro _
  exact True.intro
  intro _ ha
  exact ha

theorem imp_intro (a b : Prop) (h : a) : b → a := by
  intros
  assumption

theorem imp_imp_imp (a b c d : Prop) (h₀ : c → a) (h₁ : b → d) : (a → b) → (c → d) := by
  intro f hc
  apply h₁
  apply f
  apply h₀
  exact hc

theorem imp_congr (a b c d : Prop) (h₁ : a ↔ c) (h₂ : b ↔ d) : (a → b) ↔ (c → d) := by
  constructor
  intro f hc
  exact h₂.mp (f (h₁.mpr hc))
  intro g ha
  exact h₂.mpr (g (h₁.mp ha))

theorem iff_of_true (a b : Prop) (ha : a) (hb : b) : a ↔ b := by
  constructor
  intro _
  exact hb
  intro _
  exact ha

theorem iff_of_false (a b : Prop) (ha : ¬a) (hb : ¬b) : a ↔ b := by
  constructor
  intro h
  exfalso
  exact ha h
  intro h
  exfalso
  exact hb h

theorem iff_self (a : Prop) : (a ↔ a) ↔ True := by
  constructor
  intro _
  exact True.intro
  intro _
  exact Iff.refl a

theorem iff_true_intro (a : Prop) (h : a) : a ↔ True := by
  constructor
  intro _
  exact True.intro
  intro _
  exact h

theorem iff_false_intro (a : Prop) (h : ¬a) : a ↔ False := by
  constructor
  exact h
  intro hf
  cases hf

theorem Iff.of_eq (a b : Prop) (h : a = b) : a ↔ b := by
  rw [h]
  exact Iff.refl b

theorem Iff.comm (a b : Prop) : (a ↔ b) ↔ (b ↔ a) := by
  constructor
  intro h
  constructor
  exact h.mpr
  exact h.mp
  intro h
  constructor
  exact h.mpr
  exact h.mp

-- Negation ---------------------------------------------------------------------------------------

theorem not_false_iff : ¬False ↔ True := by
  constructor
  intro _
  exact True.intro
  intro _ h
  exact h

theorem not_true : ¬True ↔ False := by
  constructor
  intro h
  exact h True.intro
  intro h
  cases h

theorem Not.imp (a b : Prop) (H2 : ¬a) (H1 : b → a) : ¬b := by
  intro hb
  apply H2
  exact H1 hb

theorem not_congr (a b : Prop) (h : a ↔ b) : ¬a ↔ ¬b := by
  constructor
  intro na hb
  exact na (h.mpr hb)
  intro nb ha
  exact nb (h.mp ha)

theorem not_and (a b : Prop) : ¬(a ∧ b) ↔ (a → ¬b) := by
  constructor
  intro h ha hb
  exact h ⟨ha, hb⟩
  intro h hab
  exact h hab.1 hab.2

theorem not_and' (a b : Prop) : ¬(a ∧ b) ↔ (b → ¬a) := by
  constructor
  intro h hb ha
  apply h
  constructor
  exact ha
  exact hb
  intro h hab
  exact h hab.2 hab.1

theorem imp_not_comm (a b : Prop) : (a → ¬b) ↔ (b → ¬a) := by
  constructor
  intro h hb ha
  exact h ha hb
  intro h ha hb
  exact h hb ha

theorem not_or_intro (a b : Prop) (ha : ¬a) (hb : ¬b) : ¬(a ∨ b) := by
  intro h
  cases h
  exact ha
  exact hb

theorem and_not_self (a : Prop) : ¬(a ∧ ¬a) := by
  intro h
  cases h
  intro ha na
  exact na ha

theorem not_imp_of_and_not (a b : Prop) (h : a ∧ ¬b) : ¬(a → b) := by
  intro f
  apply h.2
  apply f
  exact h.1

theorem imp_false (a : Prop) : (a → False) ↔ ¬a := by
  constructor
  intro h
  exact h
  intro h ha
  exact h ha

-- Quantifiers ------------------------------------------------------------------------------------

theorem forall_and (α : Sort u) (p q : α → Prop) : (∀ x, p x ∧ q x) ↔ (∀ x, p x) ∧ (∀ x, q x) := by
  constructor
  intro h
  constructor
  intro x
  exact (h x).1
  intro x
  exact (h x).2
  intro h x
  constructor
  exact h.1 x
  exact h.2 x

theorem forall_imp (α : Sort u) (p q : α → Prop) (h : ∀ a, p a → q a) : (∀ a, p a) → ∀ a, q a := by
  intro hp a
  apply h
  exact hp a

theorem forall_comm (α : Sort u) (β : Sort v) (p : α → β → Prop) : (∀ a b, p a b) ↔ (∀ b a, p a b) := by
  constructor
  intro h b a
  exact h a b
  intro h a b
  exact h b a

theorem exists_imp (α : Sort u) (p : α → Prop) (b : Prop) : ((∃ x, p x) → b) ↔ ∀ x, p x → b := by
  constructor
  intro h x hx
  apply h
  exists x
  intro h hex
  cases hex
  exact h

theorem exists_and_right (α : Sort u) (p : α → Prop) (b : Prop) : (∃ x, p x ∧ b) ↔ (∃ x, p x) ∧ b := by
  constructor
  intro h
  cases h
  intro w hw
  constructor
  exists w
  exact hw.1
  exact hw.2
  intro h
  cases h
  intro hex hb
  cases hex
  intro w hw
  exists w
  exact ⟨hw, hb⟩

theorem exists_comm (α : Sort u) (β : Sort v) (p : α → β → Prop) : (∃ a b, p a b) ↔ (∃ b a, p a b) := by
  constructor
  intro h
  cases h
  intro a ha
  cases ha
  intro b hab
  exists b
  exists a
  intro h
  cases h
  intro b hb
  cases hb
  intro a hab
  exists a
  exists b

theorem exists_eq' (α : Sort u) (a : α) : ∃ x, a = x := by
  exists a

theorem exists_eq_left (α : Sort u) (p : α → Prop) (a' : α) : (∃ a, a = a' ∧ p a) ↔ p a' := by
  constructor
  intro h
  cases h
  intro w hw
  rw [← hw.1]
  exact hw.2
  intro h
  exists a'
  exact ⟨rfl, h⟩

theorem Exists.imp' (α : Sort u) (β : Sort v) (p : α → Prop) (q : β → Prop) (f : α → β)
    (hpq : ∀ a, p a → q (f a)) (h : ∃ a, p a) : ∃ b, q b := by
  cases h
  intro w hw
  exists f w
  exact hpq w hw

theorem forall_not_of_not_exists (α : Sort u) (p : α → Prop) (h : ¬∃ x, p x) : ∀ x, ¬p x := by
  intro x hx
  apply h
  exists x

-- Equality ---------------------------------------------------------------------------------------

theorem ne_comm (α : Sort u) (a b : α) : a ≠ b ↔ b ≠ a := by
  constructor
  intro h e
  apply h
  rw [e]
  intro h e
  apply h
  rw [e]

theorem Eq.congr_left (α : Sort u) (a b c : α) (h : a = b) : a = c ↔ b = c := by
  rw [h]
  exact Iff.refl (b = c)

theorem Eq.congr_right (α : Sort u) (a b c : α) (h : b = c) : a = b ↔ a = c := by
  rw [h]
  exact Iff.refl (a = c)

theorem Eq.congr (α : Sort u) (a₁ a₂ b₁ b₂ : α) (h₁ : a₁ = b₁) (h₂ : a₂ = b₂) : a₁ = a₂ ↔ b₁ = b₂ := by
  rw [h₁, h₂]
  exact Iff.refl (b₁ = b₂)

theorem ne_of_eq_of_ne (α : Sort u) (a b c : α) (h₁ : a = b) (h₂ : b ≠ c) : a ≠ c := by
  rw [h₁]
  exact h₂

theorem ne_of_ne_of_eq (α : Sort u) (a b c : α) (h₁ : a ≠ b) (h₂ : b = c) : a ≠ c := by
  rw [← h₂]
  exact h₁

theorem congrArg_comp (α : Sort u) (β : Sort v) (γ : Sort w) (f : α → β) (g : β → γ) (a b : α)
    (h : a = b) : g (f a) = g (f b) := by
  rw [h]

theorem eq_comm_of_trans (α : Sort u) (a b c : α) (h₁ : a = b) (h₂ : a = c) : b = c := by
  rw [← h₁]
  exact h₂

theorem Eq.trans_symm (α : Sort u) (a b c : α) (h₁ : a = b) (h₂ : c = b) : a = c := by
  rw [h₁, h₂]

-- Natural numbers: tactic re-proofs of the basic laws (term-mode originals in basics.tm) ---------

theorem Nat.zero_add' (n : Nat) : 0 + n = n := by
  induction n
  rfl
  intro k ih
  rw [Nat.add_succ, ih]

theorem Nat.succ_add' (n m : Nat) : Nat.succ n + m = Nat.succ (n + m) := by
  induction m
  rfl
  intro k ih
  rw [Nat.add_succ, ih]

theorem Nat.add_comm' (n m : Nat) : n + m = m + n := by
  induction m
  rw [Nat.zero_add']
  intro k ih
  rw [Nat.add_succ, Nat.succ_add', ih]

theorem Nat.add_assoc' (n m k : Nat) : n + m + k = n + (m + k) := by
  induction k
  rfl
  intro j ih
  -- Lean accepts `rw [Nat.add_succ, Nat.add_succ, Nat.add_succ, ih]`. Here `rw` matches up to
  -- unfolding, so the bare lemma would match the outer sum of `n + (m + Nat.succ j)`.
  rw [Nat.add_succ (n + m) j, Nat.add_succ m j, Nat.add_succ n (m + j), ih]

theorem Nat.add_right_cancel' (n m k : Nat) : n + k = m + k → n = m := by
  induction k
  intro h
  exact h
  intro j ih h
  apply ih
  exact Nat.succ.inj h

theorem Nat.left_distrib' (n m k : Nat) : n * (m + k) = n * m + n * k := by
  induction k
  rfl
  intro j ih
  rw [Nat.add_succ, Nat.mul_succ, Nat.mul_succ, ih, Nat.add_assoc]

theorem Nat.le_refl' (n : Nat) : n ≤ n := by
  constructor

theorem Nat.le_succ' (n : Nat) : n ≤ n + 1 := by
  apply Nat.le.step
  exact Nat.le.refl

theorem Nat.zero_le' (n : Nat) : 0 ≤ n := by
  induction n
  exact Nat.le.refl
  intro k ih
  exact Nat.le.step ih

theorem Nat.le_add_right' (n k : Nat) : n ≤ n + k := by
  induction k
  exact Nat.le.refl
  intro j ih
  apply Nat.le.step
  exact ih

theorem Nat.le_trans' : ∀ {n m k : Nat}, n ≤ m → m ≤ k → n ≤ k := by
  refine fun {n m k : Nat} => ?_
  intro h₁ h₂
  refine Nat.le.rec ?_ ?_ h₂
  exact h₁
  refine fun {j : Nat} (_ : Nat.le m j) (ih : n ≤ j) => ?_
  exact Nat.le.step ih

theorem Nat.succ_le_succ' : ∀ {n m : Nat}, n ≤ m → Nat.succ n ≤ Nat.succ m := by
  refine fun {n m : Nat} => ?_
  intro h
  refine Nat.le.rec ?_ ?_ h
  exact Nat.le.refl
  refine fun {j : Nat} (_ : Nat.le n j) (ih : Nat.succ n ≤ Nat.succ j) => ?_
  apply Nat.le.step
  exact ih

-- Natural numbers: successor and addition --------------------------------------------------------

theorem Nat.succ_eq_add_one (n : Nat) : Nat.succ n = n + 1 := by
  rfl

theorem Nat.one_add (n : Nat) : 1 + n = Nat.succ n := by
  rw [Nat.add_comm]

theorem Nat.succ_add_eq_add_succ (n m : Nat) : Nat.succ n + m = n + Nat.succ m := by
  rw [Nat.succ_add]

theorem Nat.succ_inj' (n m : Nat) : n + 1 = m + 1 ↔ n = m := by
  constructor
  intro h
  exact Nat.succ.inj h
  intro h
  rw [h]

theorem Nat.succ_ne_self (n : Nat) : n + 1 ≠ n := by
  induction n
  exact Nat.succ_ne_zero 0
  intro k ih h
  apply ih
  exact Nat.succ.inj h

theorem Nat.zero_ne_add_one (n : Nat) : 0 ≠ n + 1 := by
  intro h
  apply Nat.succ_ne_zero n
  rw [h]

theorem Nat.add_right_comm (n m k : Nat) : n + m + k = n + k + m := by
  rw [Nat.add_assoc, Nat.add_comm m k, ← Nat.add_assoc]

theorem Nat.add_add_add_comm (a b c d : Nat) : a + b + (c + d) = a + c + (b + d) := by
  rw [Nat.add_assoc, Nat.add_left_comm b c d, ← Nat.add_assoc]

theorem Nat.add_left_cancel : ∀ {n m k : Nat}, n + m = n + k → m = k := by
  -- Lean: `theorem Nat.add_left_cancel {n m k : Nat} : …` with `intro h` - implicit binders
  -- are not introduced by the header or by `intro` yet, so they are bound by `refine fun {…}`
  refine fun {n m k : Nat} => ?_
  intro h
  apply Nat.add_right_cancel (k := n)
  rw [Nat.add_comm m n, Nat.add_comm k n]
  exact h

theorem Nat.add_left_cancel_iff (n m k : Nat) : n + m = n + k ↔ m = k := by
  constructor
  exact Nat.add_left_cancel
  intro h
  rw [h]

theorem Nat.add_right_cancel_iff (n m k : Nat) : m + n = k + n ↔ m = k := by
  constructor
  exact Nat.add_right_cancel
  intro h
  rw [h]

theorem Nat.eq_zero_of_add_eq_zero_right (n m : Nat) : n + m = 0 → n = 0 := by
  cases m
  intro h
  exact h
  intro k h
  exfalso
  exact Nat.succ_ne_zero (n + k) h

theorem Nat.eq_zero_of_add_eq_zero_left (n m : Nat) : n + m = 0 → m = 0 := by
  rw [Nat.add_comm]
  exact Nat.eq_zero_of_add_eq_zero_right m n

theorem Nat.add_eq_zero_iff (n m : Nat) : n + m = 0 ↔ n = 0 ∧ m = 0 := by
  constructor
  intro h
  constructor
  exact Nat.eq_zero_of_add_eq_zero_right n m h
  exact Nat.eq_zero_of_add_eq_zero_left n m h
  intro h
  rw [h.1, h.2]

theorem Nat.add_self_eq_zero (n : Nat) : n + n = 0 ↔ n = 0 := by
  constructor
  exact Nat.eq_zero_of_add_eq_zero_right n n
  intro h
  rw [h]

-- Natural numbers: multiplication ----------------------------------------------------------------

theorem Nat.succ_mul (n m : Nat) : Nat.succ n * m = n * m + m := by
  induction m
  rfl
  intro k ih
  rw [Nat.mul_succ (Nat.succ n) k, Nat.mul_succ n k, ih]
  rw [Nat.add_assoc (n * k) k, Nat.add_assoc (n * k) n, Nat.add_succ k n, Nat.add_succ n k, Nat.add_comm k n]

theorem Nat.mul_comm (n m : Nat) : n * m = m * n := by
  induction m
  rw [Nat.zero_mul]
  intro k ih
  rw [Nat.mul_succ, Nat.succ_mul, ih]

theorem Nat.mul_add (n m k : Nat) : n * (m + k) = n * m + n * k := by
  rw [Nat.left_distrib]

theorem Nat.right_distrib (n m k : Nat) : (n + m) * k = n * k + m * k := by
  rw [Nat.mul_comm, Nat.left_distrib, Nat.mul_comm k n, Nat.mul_comm k m]

theorem Nat.add_mul (n m k : Nat) : (n + m) * k = n * k + m * k := by
  exact Nat.right_distrib n m k

theorem Nat.mul_assoc (n m k : Nat) : n * m * k = n * (m * k) := by
  induction k
  rfl
  intro j ih
  rw [Nat.mul_succ, Nat.mul_succ, Nat.left_distrib, ih]

theorem Nat.mul_left_comm (n m k : Nat) : n * (m * k) = m * (n * k) := by
  rw [← Nat.mul_assoc, Nat.mul_comm n m, Nat.mul_assoc]

theorem Nat.mul_right_comm (n m k : Nat) : n * m * k = n * k * m := by
  rw [Nat.mul_assoc, Nat.mul_comm m k, ← Nat.mul_assoc]

theorem Nat.two_mul (n : Nat) : 2 * n = n + n := by
  rw [Nat.succ_mul, Nat.one_mul]

theorem Nat.mul_two (n : Nat) : n * 2 = n + n := by
  rw [Nat.mul_succ, Nat.mul_one]

theorem Nat.mul_mul_mul_comm (a b c d : Nat) : a * b * (c * d) = a * c * (b * d) := by
  rw [Nat.mul_assoc, Nat.mul_left_comm b c d, ← Nat.mul_assoc]

theorem Nat.eq_zero_of_mul_self (n : Nat) : n * n = 0 → n = 0 := by
  cases n
  intro _
  rfl
  intro k h
  exfalso
  apply Nat.succ_ne_zero (Nat.succ k * k + k)
  rw [← h]

-- Natural numbers: powers ------------------------------------------------------------------------

theorem Nat.pow_zero (n : Nat) : n ^ 0 = 1 := by
  rfl

theorem Nat.pow_succ (n m : Nat) : n ^ Nat.succ m = n ^ m * n := by
  rfl

theorem Nat.pow_one (n : Nat) : n ^ 1 = n := by
  rw [Nat.pow_succ, Nat.pow_zero, Nat.one_mul]

theorem Nat.pow_two (n : Nat) : n ^ 2 = n * n := by
  rw [Nat.pow_succ, Nat.pow_one]

theorem Nat.one_pow (n : Nat) : 1 ^ n = 1 := by
  induction n
  rfl
  intro k ih
  rw [Nat.pow_succ, ih]

theorem Nat.pow_add (a m n : Nat) : a ^ (m + n) = a ^ m * a ^ n := by
  induction n
  rw [Nat.pow_zero, Nat.mul_one]
  intro k ih
  rw [Nat.add_succ, Nat.pow_succ, Nat.pow_succ, ih, Nat.mul_assoc]

theorem Nat.mul_pow (a b n : Nat) : (a * b) ^ n = a ^ n * b ^ n := by
  induction n
  rfl
  intro k ih
  rw [Nat.pow_succ, Nat.pow_succ, Nat.pow_succ, ih, Nat.mul_mul_mul_comm]

theorem Nat.pow_mul (a m n : Nat) : a ^ (m * n) = (a ^ m) ^ n := by
  induction n
  rfl
  intro k ih
  rw [Nat.mul_succ, Nat.pow_add, ih, Nat.pow_succ]

-- Natural numbers: subtraction -------------------------------------------------------------------

theorem Nat.sub_zero (n : Nat) : n - 0 = n := by
  rfl

theorem Nat.sub_succ (n m : Nat) : n - Nat.succ m = Nat.pred (n - m) := by
  rfl

theorem Nat.pred_zero : Nat.pred 0 = 0 := by
  rfl

theorem Nat.zero_sub (n : Nat) : 0 - n = 0 := by
  induction n
  rfl
  intro k ih
  rw [Nat.sub_succ, ih]

theorem Nat.succ_sub_succ (n m : Nat) : Nat.succ n - Nat.succ m = n - m := by
  induction m
  rfl
  intro k ih
  rw [Nat.sub_succ, ih]

theorem Nat.sub_self (n : Nat) : n - n = 0 := by
  induction n
  rfl
  intro k ih
  rw [Nat.succ_sub_succ, ih]

theorem Nat.add_sub_cancel (n m : Nat) : n + m - m = n := by
  induction m
  rfl
  intro k ih
  rw [Nat.add_succ, Nat.succ_sub_succ, ih]

theorem Nat.add_sub_cancel_left (n m : Nat) : n + m - n = m := by
  rw [Nat.add_comm, Nat.add_sub_cancel]

theorem Nat.sub_sub (n m k : Nat) : n - m - k = n - (m + k) := by
  induction k
  rfl
  intro j ih
  rw [Nat.sub_succ, ih, Nat.add_succ, Nat.sub_succ]

theorem Nat.add_sub_add_right (n k m : Nat) : n + k - (m + k) = n - m := by
  induction k
  rfl
  intro j ih
  rw [Nat.add_succ, Nat.add_succ, Nat.succ_sub_succ, ih]

-- Natural numbers: order -------------------------------------------------------------------------

theorem Nat.le_of_eq : ∀ {n m : Nat}, n = m → n ≤ m := by
  refine fun {n m : Nat} => ?_
  intro h
  rw [h]
  exact Nat.le.refl

theorem Nat.le_step : ∀ {n m : Nat}, n ≤ m → n ≤ Nat.succ m := by
  refine fun {n m : Nat} => ?_
  intro h
  apply Nat.le.step
  exact h

theorem Nat.le_succ_of_le : ∀ {n m : Nat}, n ≤ m → n ≤ m + 1 := by
  refine fun {n m : Nat} => ?_
  intro h
  apply Nat.le_trans h
  exact Nat.le_succ m

theorem Nat.le_add_left (n m : Nat) : n ≤ m + n := by
  rw [Nat.add_comm]
  exact Nat.le_add_right n m

theorem Nat.zero_lt_succ (n : Nat) : 0 < Nat.succ n := by
  apply Nat.succ_le_succ
  exact Nat.zero_le n

theorem Nat.succ_pos (n : Nat) : 0 < Nat.succ n := by
  exact Nat.zero_lt_succ n

theorem Nat.lt_succ_of_le : ∀ {n m : Nat}, n ≤ m → n < Nat.succ m := by
  refine fun {n m : Nat} => ?_
  intro h
  exact Nat.succ_le_succ h

theorem Nat.succ_le_of_lt : ∀ {n m : Nat}, n < m → Nat.succ n ≤ m := by
  refine fun {n m : Nat} => ?_
  intro h
  exact h

theorem Nat.le_of_lt : ∀ {n m : Nat}, n < m → n ≤ m := by
  refine fun {n m : Nat} => ?_
  intro h
  exact Nat.le_trans (Nat.le_succ n) h

theorem Nat.lt_trans : ∀ {n m k : Nat}, n < m → m < k → n < k := by
  refine fun {n m k : Nat} => ?_
  intro h₁ h₂
  exact Nat.le_trans h₁ (Nat.le_of_lt h₂)

theorem Nat.lt_of_lt_of_le : ∀ {n m k : Nat}, n < m → m ≤ k → n < k := by
  refine fun {n m k : Nat} => ?_
  intro h₁ h₂
  exact Nat.le_trans h₁ h₂

theorem Nat.lt_of_le_of_lt : ∀ {n m k : Nat}, n ≤ m → m < k → n < k := by
  refine fun {n m k : Nat} => ?_
  intro h₁ h₂
  exact Nat.le_trans (Nat.succ_le_succ h₁) h₂

theorem Nat.le.intro : ∀ {n m k : Nat}, n + k = m → n ≤ m := by
  refine fun {n m k : Nat} => ?_
  intro h
  rw [← h]
  exact Nat.le_add_right n k

theorem Nat.le.dest : ∀ {n m : Nat}, n ≤ m → ∃ k, n + k = m := by
  refine fun {n m : Nat} => ?_
  intro h
  -- Lean: `induction h` - `induction` does not handle indexed families such as `Nat.le` yet
  refine Nat.le.rec ?_ ?_ h
  exists 0
  refine fun {j : Nat} (hj : _) (ih : _) => ?_
  cases ih
  intro k hk
  exists k + 1
  rw [← hk]

theorem Nat.exists_eq_add_of_le : ∀ {m n : Nat}, m ≤ n → ∃ k, n = m + k := by
  refine fun {m n : Nat} => ?_
  intro h
  refine Exists.elim (Nat.le.dest h) ?_
  intro k hk
  exists k
  rw [hk]

theorem Nat.add_le_add_right : ∀ {n m : Nat}, n ≤ m → ∀ (k : Nat), n + k ≤ m + k := by
  refine fun {n m : Nat} => ?_
  intro h k
  induction k
  exact h
  intro j ih
  exact Nat.succ_le_succ ih

theorem Nat.add_le_add_left : ∀ {n m : Nat}, n ≤ m → ∀ (k : Nat), k + n ≤ k + m := by
  refine fun {n m : Nat} => ?_
  intro h k
  rw [Nat.add_comm k n, Nat.add_comm k m]
  exact Nat.add_le_add_right h k

theorem Nat.add_le_add : ∀ {a b c d : Nat}, a ≤ b → c ≤ d → a + c ≤ b + d := by
  refine fun {a b c d : Nat} => ?_
  intro h₁ h₂
  apply Nat.le_trans (Nat.add_le_add_right h₁ c)
  exact Nat.add_le_add_left h₂ b

theorem Nat.pred_le (n : Nat) : Nat.pred n ≤ n := by
  cases n
  exact Nat.le.refl
  intro k
  exact Nat.le_succ k

theorem Nat.pred_le_pred : ∀ {n m : Nat}, n ≤ m → Nat.pred n ≤ Nat.pred m := by
  refine fun {n m : Nat} => ?_
  intro h
  refine Nat.le.rec ?_ ?_ h
  exact Nat.le.refl
  refine fun {j : Nat} (hj : _) (ih : _) => ?_
  exact Nat.le_trans ih (Nat.pred_le j)

theorem Nat.le_of_succ_le_succ : ∀ {n m : Nat}, Nat.succ n ≤ Nat.succ m → n ≤ m := by
  refine fun {n m : Nat} => ?_
  intro h
  exact Nat.pred_le_pred h

theorem Nat.succ_le_succ_iff (n m : Nat) : Nat.succ n ≤ Nat.succ m ↔ n ≤ m := by
  constructor
  exact Nat.le_of_succ_le_succ
  exact Nat.succ_le_succ

theorem Nat.lt_succ_iff (n m : Nat) : n < Nat.succ m ↔ n ≤ m := by
  constructor
  exact Nat.le_of_succ_le_succ
  exact Nat.lt_succ_of_le

theorem Nat.sub_le (n m : Nat) : n - m ≤ n := by
  induction m
  exact Nat.le.refl
  intro k ih
  rw [Nat.sub_succ]
  refine Nat.le_trans ?_ ih
  exact Nat.pred_le (n - k)

theorem Nat.not_succ_le_zero (n : Nat) : Nat.succ n ≤ 0 → False := by
  intro h
  refine Nat.le.rec (motive := fun m _ => m = 0 → False) ?_ ?_ h rfl
  exact Nat.succ_ne_zero n
  refine fun {j : Nat} (hj : _) (ih : _) => ?_
  exact Nat.succ_ne_zero j

theorem Nat.not_succ_le_self (n : Nat) : ¬Nat.succ n ≤ n := by
  induction n
  exact Nat.not_succ_le_zero 0
  intro k ih h
  apply ih
  exact Nat.le_of_succ_le_succ h

theorem Nat.lt_irrefl (n : Nat) : ¬n < n := by
  exact Nat.not_succ_le_self n

theorem Nat.eq_zero_of_le_zero : ∀ {n : Nat}, n ≤ 0 → n = 0 := by
  refine fun {n : Nat} => ?_
  -- `n ≤ 0` stays in the goal: `cases n` does not revert the hypotheses that mention `n`
  cases n
  intro _
  rfl
  intro k h
  exfalso
  exact Nat.not_succ_le_zero k h

theorem Nat.le_zero (n : Nat) : n ≤ 0 ↔ n = 0 := by
  constructor
  exact Nat.eq_zero_of_le_zero
  intro h
  rw [h]
  exact Nat.le.refl

theorem Nat.le_antisymm : ∀ {n m : Nat}, n ≤ m → m ≤ n → n = m := by
  refine fun {n m : Nat} => ?_
  intro h₁ h₂
  refine Exists.elim (Nat.le.dest h₁) ?_
  intro k hk
  refine Exists.elim (Nat.le.dest h₂) ?_
  intro j hj
  -- `have h : T` without a proof: `T` first, then the main goal with `h`
  have hkj : n + (k + j) = n + 0
  · rw [← Nat.add_assoc, hk, hj]
  have hk0 : k = 0 := Nat.eq_zero_of_add_eq_zero_right k j (Nat.add_left_cancel hkj)
  rw [← hk, hk0]

theorem Nat.eq_or_lt_of_le : ∀ {n m : Nat}, n ≤ m → n = m ∨ n < m := by
  refine fun {n m : Nat} => ?_
  intro h
  refine Nat.le.rec ?_ ?_ h
  left
  rfl
  refine fun {j : Nat} (hj : _) (ih : _) => ?_
  right
  cases ih
  intro e
  rw [e]
  exact Nat.le.refl
  intro l
  exact Nat.le.step l

theorem Nat.lt_or_ge (n m : Nat) : n < m ∨ n ≥ m := by
  induction m
  right
  exact Nat.zero_le n
  intro k ih
  cases ih
  intro h
  left
  exact Nat.le.step h
  intro h
  refine Or.elim (Nat.eq_or_lt_of_le h) ?_ ?_
  intro e
  left
  rw [e]
  exact Nat.le.refl
  intro l
  right
  exact l

theorem Nat.le_total (n m : Nat) : n ≤ m ∨ m ≤ n := by
  refine Or.elim (Nat.lt_or_ge n m) ?_ ?_
  intro h
  left
  exact Nat.le_of_lt h
  intro h
  right
  exact h

theorem Nat.lt_iff_le_and_ne (n m : Nat) : n < m ↔ n ≤ m ∧ n ≠ m := by
  constructor
  intro h
  constructor
  exact Nat.le_of_lt h
  intro e
  apply Nat.lt_irrefl m
  refine (?_ : n < m → m < m) h
  rw [e]
  intro h'
  exact h'
  intro h
  cases h
  intro hle hne
  refine Or.elim (Nat.eq_or_lt_of_le hle) ?_ ?_
  intro e
  exfalso
  exact hne e
  intro l
  exact l

theorem Nat.mul_le_mul_left : ∀ {m n : Nat} (k : Nat), m ≤ n → k * m ≤ k * n := by
  refine fun {m n : Nat} => ?_
  intro k h
  refine Nat.le.rec ?_ ?_ h
  exact Nat.le.refl
  refine fun {j : Nat} (hj : _) (ih : _) => ?_
  rw [Nat.mul_succ]
  exact Nat.le_trans ih (Nat.le_add_right (k * j) k)

theorem Nat.mul_le_mul_right : ∀ {m n : Nat} (k : Nat), m ≤ n → m * k ≤ n * k := by
  refine fun {m n : Nat} => ?_
  intro k h
  rw [Nat.mul_comm m k, Nat.mul_comm n k]
  exact Nat.mul_le_mul_left k h

theorem Nat.le_mul_of_pos_left (n m : Nat) (h : 0 < n) : m ≤ n * m := by
  refine Nat.le_trans ?_ (Nat.mul_le_mul_right m h)
  rw [Nat.one_mul]
  exact Nat.le.refl

-- Lists ------------------------------------------------------------------------------------------

theorem List.length_nil (α : Type u) : ([] : List α).length = 0 := by
  rfl

theorem List.length_cons (α : Type u) (a : α) (as : List α) : (List.cons a as).length = as.length + 1 := by
  rfl

theorem List.length_singleton (α : Type u) (a : α) : [a].length = 1 := by
  rfl

theorem List.map_nil (α : Type u) (β : Type v) (f : α → β) : List.map f [] = [] := by
  rfl

theorem List.map_cons (α : Type u) (β : Type v) (f : α → β) (a : α) (as : List α) :
    List.map f (List.cons a as) = List.cons (f a) (List.map f as) := by
  rfl

theorem List.singleton_append (α : Type u) (a : α) (as : List α) : [a] ++ as = List.cons a as := by
  rfl

theorem List.reverse_cons (α : Type u) (a : α) (as : List α) :
    (List.cons a as).reverse = as.reverse ++ [a] := by
  rfl

theorem List.reverse_singleton (α : Type u) (a : α) : [a].reverse = [a] := by
  rfl

-- Tactic re-proofs of the basic list laws (the term-mode originals are in basics.tm)

theorem List.append_nil' (α : Type u) (as : List α) : as ++ [] = as := by
  induction as
  rfl
  intro a t ih
  -- Lean accepts `rw [List.cons_append, ih]`. The explicit `a` fixes the lemma's universe.
  rw [List.cons_append a t, ih]

theorem List.append_assoc' (α : Type u) (as bs cs : List α) : as ++ bs ++ cs = as ++ (bs ++ cs) := by
  induction as
  rfl
  intro a t ih
  rw [List.cons_append a t, List.cons_append a (t ++ bs), List.cons_append a t, ih]

theorem List.length_append' (α : Type u) (as bs : List α) :
    (as ++ bs).length = as.length + bs.length := by
  induction as
  exact (Nat.zero_add bs.length).symm
  intro a t ih
  rw [List.cons_append a t, List.length_cons α a, List.length_cons α a, ih, Nat.add_right_comm]

theorem List.map_append' (α : Type u) (β : Type v) (f : α → β) (as bs : List α) :
    List.map f (as ++ bs) = List.map f as ++ List.map f bs := by
  induction as
  rfl
  intro a t ih
  rw [List.cons_append a t, List.map_cons α β f a, List.map_cons α β f a, ih]

theorem List.length_map' (α : Type u) (β : Type v) (f : α → β) (as : List α) :
    (List.map f as).length = as.length := by
  induction as
  rfl
  intro a t ih
  rw [List.map_cons α β f a, List.length_cons β (f a), ih]

theorem List.map_id' (α : Type u) (as : List α) : List.map (fun x => x) as = as := by
  induction as
  rfl
  intro a t ih
  rw [List.map_cons α α (fun x => x) a, ih]

theorem List.map_map' (α : Type u) (β : Type v) (γ : Type w) (g : β → γ) (f : α → β) (as : List α) :
    List.map g (List.map f as) = List.map (fun x => g (f x)) as := by
  induction as
  rfl
  intro a t ih
  rw [List.map_cons α β f a, List.map_cons β γ g (f a), ih]

theorem List.length_reverse' (α : Type u) (as : List α) : as.reverse.length = as.length := by
  induction as
  rfl
  intro a t ih
  rw [List.reverse_cons α a t, List.length_append' α t.reverse [a], ih]

theorem List.reverse_append' (α : Type u) (as bs : List α) :
    (as ++ bs).reverse = bs.reverse ++ as.reverse := by
  induction as
  exact (List.append_nil' α bs.reverse).symm
  intro a t ih
  rw [List.cons_append a t, List.reverse_cons α a (t ++ bs), List.reverse_cons α a t, ih]
  rw [List.append_assoc' α bs.reverse]

-- New list facts

theorem List.reverse_reverse (α : Type u) (as : List α) : as.reverse.reverse = as := by
  induction as
  rfl
  intro a t ih
  rw [List.reverse_cons α a t, List.reverse_append' α t.reverse [a], ih]

theorem List.reverse_map (α : Type u) (β : Type v) (f : α → β) (as : List α) :
    (List.map f as).reverse = List.map f as.reverse := by
  induction as
  rfl
  intro a t ih
  rw [List.map_cons α β f a, List.reverse_cons β (f a), List.reverse_cons α a t, ih]
  rw [List.map_append' α β f t.reverse [a]]

theorem List.cons_ne_nil (α : Type u) (a : α) (as : List α) : List.cons a as ≠ [] := by
  intro h
  apply Nat.succ_ne_zero as.length
  exact congrArg List.length h

theorem List.eq_nil_of_length_eq_zero (α : Type u) (as : List α) : as.length = 0 → as = [] := by
  cases as
  intro _
  rfl
  intro a t h
  exfalso
  exact Nat.succ_ne_zero t.length h

theorem List.length_eq_zero (α : Type u) (as : List α) : as.length = 0 ↔ as = [] := by
  constructor
  exact List.eq_nil_of_length_eq_zero α as
  intro h
  rw [h]

theorem List.append_eq_nil (α : Type u) (as bs : List α) : as ++ bs = [] ↔ as = [] ∧ bs = [] := by
  constructor
  cases as
  intro h
  exact ⟨rfl, h⟩
  intro a t h
  exfalso
  exact List.cons_ne_nil α a (t ++ bs) h
  intro h
  rw [h.1, h.2]

theorem List.reverse_eq_nil_iff (α : Type u) (as : List α) : as.reverse = [] ↔ as = [] := by
  constructor
  intro h
  rw [← List.reverse_reverse α as, h]
  intro h
  rw [h]

theorem List.length_append_comm (α : Type u) (as bs : List α) :
    (as ++ bs).length = (bs ++ as).length := by
  rw [List.length_append' α as bs, List.length_append' α bs as, Nat.add_comm]

theorem List.length_reverse_append (α : Type u) (as bs : List α) :
    (as.reverse ++ bs).length = as.length + bs.length := by
  rw [List.length_append' α as.reverse bs, List.length_reverse' α as]

theorem List.map_const_length (α : Type u) (β : Type v) (b : β) (as : List α) :
    (List.map (fun _ => b) as).length = as.length := by
  exact List.length_map' α β (fun _ => b) as

theorem List.cons_inj_right (α : Type u) (a : α) (as bs : List α) :
    List.cons a as = List.cons a bs ↔ as = bs := by
  constructor
  intro h
  exact congrArg (β := List α) (fun l => List.rec (motive := fun _ => List α) [] (fun _ t _ => t) l) h
  intro h
  rw [h]

theorem List.append_cancel_left (α : Type u) (as bs cs : List α) : as ++ bs = as ++ cs → bs = cs := by
  induction as
  intro h
  exact h
  intro a t ih h
  apply ih
  exact (List.cons_inj_right α a (t ++ bs) (t ++ cs)).mp h

-- Booleans ---------------------------------------------------------------------------------------

theorem Bool.not_true : Bool.not Bool.true = Bool.false := by
  rfl

theorem Bool.and_true (b : Bool) : Bool.and b Bool.true = b := by
  cases b
  rfl
  rfl

theorem Bool.true_and (b : Bool) : Bool.and Bool.true b = b := by
  rfl

theorem Bool.and_false (b : Bool) : Bool.and b Bool.false = Bool.false := by
  cases b
  all_goals rfl

theorem Bool.or_false (b : Bool) : Bool.or b Bool.false = b := by
  cases b
  all_goals rfl

theorem Bool.or_comm (a b : Bool) : Bool.or a b = Bool.or b a := by
  cases a
  all_goals cases b
  all_goals rfl

theorem Bool.and_assoc (a b c : Bool) : Bool.and (Bool.and a b) c = Bool.and a (Bool.and b c) := by
  cases a
  rfl
  rfl

theorem Bool.or_assoc (a b c : Bool) : Bool.or (Bool.or a b) c = Bool.or a (Bool.or b c) := by
  cases a
  rfl
  rfl

theorem Bool.not_and (a b : Bool) : Bool.not (Bool.and a b) = Bool.or (Bool.not a) (Bool.not b) := by
  cases a
  rfl
  rfl

theorem Bool.not_or (a b : Bool) : Bool.not (Bool.or a b) = Bool.and (Bool.not a) (Bool.not b) := by
  cases a
  rfl
  rfl

theorem Bool.and_or_distrib_left (a b c : Bool) :
    Bool.and a (Bool.or b c) = Bool.or (Bool.and a b) (Bool.and a c) := by
  cases a
  rfl
  rfl

theorem Bool.eq_false_or_eq_true (b : Bool) : b = Bool.true ∨ b = Bool.false := by
  cases b
  right
  rfl
  left
  rfl

theorem Bool.not_ne_self (b : Bool) : Bool.not b ≠ b := by
  cases b
  intro h
  exact Bool.false_ne_true (Eq.symm h)
  exact Bool.false_ne_true

-- Pairs ------------------------------------------------------------------------------------------

theorem Prod.ext_iff (α : Type u) (β : Type v) (p q : Prod α β) : p = q ↔ p.1 = q.1 ∧ p.2 = q.2 := by
  constructor
  intro h
  rw [h]
  constructor
  rfl
  rfl
  intro h
  exact Prod.ext h.1 h.2

theorem Prod.mk.inj_left (α : Type u) (β : Type v) (a : α) (b₁ b₂ : β) :
    Prod.mk a b₁ = Prod.mk a b₂ → b₁ = b₂ := by
  intro h
  exact congrArg Prod.snd h

-- Magmas -----------------------------------------------------------------------------------------

theorem Magma.comm_apply (α : Type u) [Magma α] (comm : ∀ x y : α, x ◇ y = y ◇ x) (a b c : α) :
    a ◇ (b ◇ c) = (c ◇ b) ◇ a := by
  rw [comm a, comm b]

theorem Magma.left_comm (α : Type u) [Magma α] (comm : ∀ x y : α, x ◇ y = y ◇ x)
    (assoc : ∀ x y z : α, (x ◇ y) ◇ z = x ◇ (y ◇ z)) (a b c : α) :
    a ◇ (b ◇ c) = b ◇ (a ◇ c) := by
  rw [← assoc, comm a b, assoc]

theorem Magma.right_comm (α : Type u) [Magma α] (comm : ∀ x y : α, x ◇ y = y ◇ x)
    (assoc : ∀ x y z : α, (x ◇ y) ◇ z = x ◇ (y ◇ z)) (a b c : α) :
    (a ◇ b) ◇ c = (a ◇ c) ◇ b := by
  rw [assoc, comm b c, ← assoc]

theorem Magma.op_op_op_comm (α : Type u) [Magma α] (comm : ∀ x y : α, x ◇ y = y ◇ x)
    (assoc : ∀ x y z : α, (x ◇ y) ◇ z = x ◇ (y ◇ z)) (a b c d : α) :
    (a ◇ b) ◇ (c ◇ d) = (a ◇ c) ◇ (b ◇ d) := by
  rw [assoc a b, ← assoc b c d, comm b c, assoc c b d, ← assoc a c]

theorem Magma.right_id_of_comm (α : Type u) [Magma α] (comm : ∀ x y : α, x ◇ y = y ◇ x) (e : α)
    (h : ∀ x : α, e ◇ x = x) (a : α) : a ◇ e = a := by
  rw [comm, h]

theorem Magma.identity_unique (α : Type u) [Magma α] (e f : α) (he : ∀ x : α, e ◇ x = x)
    (hf : ∀ x : α, x ◇ f = x) : e = f := by
  rw [← hf e, he f]

theorem Magma.idem_left (α : Type u) [Magma α] (idem : ∀ x : α, x ◇ x = x) (a : α) :
    a ◇ (a ◇ a) = a := by
  rw [idem, idem]

theorem Magma.left_proj_assoc (α : Type u) [Magma α] (h : ∀ x y : α, x ◇ y = x) (a b c : α) :
    a ◇ (b ◇ c) = (a ◇ b) ◇ c := by
  rw [h a, h (a ◇ b), h a]

theorem Magma.right_proj_assoc (α : Type u) [Magma α] (h : ∀ x y : α, x ◇ y = y) (a b c : α) :
    a ◇ (b ◇ c) = (a ◇ b) ◇ c := by
  rw [h a, h b, h (a ◇ b)]

theorem Magma.right_proj_absorb (α : Type u) [Magma α] (h : ∀ x y : α, x ◇ y = y) (a b : α) :
    (a ◇ b) ◇ a = a := by
  rw [h]

theorem Magma.trivial_of_projs (α : Type u) [Magma α] (h₁ : ∀ x y : α, x ◇ y = x)
    (h₂ : ∀ x y : α, x ◇ y = y) (a b : α) : a = b := by
  rw [← h₁ a b, h₂]

theorem Magma.comm_of_const (α : Type u) [Magma α] (h : ∀ x y z w : α, x ◇ y = z ◇ w) (a b : α) :
    a ◇ b = b ◇ a := by
  apply h

theorem Magma.op_eq_of_trivial (α : Type u) [Magma α] (h : ∀ x y : α, x = y) (a b c : α) :
    a ◇ b = c := by
  apply h

theorem Magma.left_absorb (α : Type u) [Magma α] (h : ∀ x y : α, x = x ◇ y) (a b c : α) :
    a ◇ b = a ◇ c := by
  rw [← h a b, ← h a c]

theorem Magma.exists_left_zero (α : Type u) [Magma α] (h : ∀ x y : α, x ◇ y = x) (a : α) :
    ∃ z : α, ∀ x : α, z ◇ x = z := by
  exists a
  intro x
  exact h a x

theorem Magma.comm_iff_swap (α : Type u) [Magma α] :
    (∀ x y : α, x ◇ y = y ◇ x) ↔ (∀ x y : α, y ◇ x = x ◇ y) := by
  constructor
  intro h x y
  exact h y x
  intro h x y
  exact h y x

theorem Magma.square_comm (α : Type u) [Magma α] (comm : ∀ x y : α, x ◇ y = y ◇ x) (a b : α) :
    (a ◇ b) ◇ (a ◇ b) = (b ◇ a) ◇ (b ◇ a) := by
  rw [comm a b]

-- Structured proofs: named cases, `case`/`next`, cases on equations and on `≤`, calc chains over
-- `≤`/`<`, and the tacticals `first | …`, `try`, `repeat`, `focus`, `once`, `orelse` ------------

theorem Nat.zero_add_with (n : Nat) : 0 + n = n := by
  induction n with
  | zero => rfl
  | succ m ih => rw [Nat.add_succ, ih]

theorem Nat.succ_add_with (n m : Nat) : Nat.succ n + m = Nat.succ (n + m) := by
  induction m with
  | zero => rfl
  | succ k ih => rw [Nat.add_succ, ih]

theorem Nat.add_comm_cases (a b : Nat) : a + b = b + a := by
  induction b
  case zero => rw [Nat.zero_add]
  case succ k ih => rw [Nat.add_succ, ih, Nat.succ_add]

theorem Nat.mul_one_next (n : Nat) : n * 1 = n := by
  induction n
  next => rfl
  next k ih => rw [Nat.mul_succ, Nat.mul_zero, Nat.zero_add]

theorem Eq.subst_cases {α : Type u} (P : α → Prop) (a b : α) (h : a = b) (ha : P a) : P b := by
  cases h
  exact ha

theorem Eq.congr_cases {α β : Type u} (f : α → β) (a b : α) (h : a = b) : f a = f b := by
  cases h
  rfl

theorem Nat.eq_cases_reverts (a b : Nat) (h : a = b) (hb : b = 0) : a + a = 0 := by
  cases h
  rw [hb]

theorem Nat.le_trans_induction {n m k : Nat} (h₁ : n ≤ m) (h₂ : m ≤ k) : n ≤ k := by
  induction h₂
  case refl => exact h₁
  case step j _ ih => exact Nat.le.step ih

theorem Nat.le_of_eq_le (a b c : Nat) (h₁ : a = b) (h₂ : b ≤ c) : a ≤ c := by
  calc a = b := h₁
    _ ≤ c := h₂

theorem Nat.lt_chain (a b c d : Nat) (h₁ : a ≤ b) (h₂ : b < c) (h₃ : c = d) : a < d := by
  calc a ≤ b := h₁
    _ < c := h₂
    _ = d := h₃

theorem Nat.le_chain4 (a b c d : Nat) (h₁ : a ≤ b) (h₂ : b ≤ c) (h₃ : c ≤ d) : a ≤ d := by
  calc a ≤ b := h₁
    _ ≤ c := h₂
    _ ≤ d := h₃

theorem Nat.lt_lt_chain (a b c : Nat) (h₁ : a < b) (h₂ : b < c) : a < c := by
  calc a < b := h₁
    _ < c := h₂

theorem And.intro_first (p q r : Prop) (hp : p) (hq : q) (hr : r) : p ∧ q ∧ r := by
  repeat (first | constructor | assumption)

theorem Or.swap_with (p q : Prop) (h : p ∨ q) : q ∨ p := by
  cases h with
  | inl hp => exact Or.inr hp
  | inr hq => exact Or.inl hq

theorem And.comm_focus (p q : Prop) (h : p ∧ q) : q ∧ p := by
  constructor
  focus
    exact h.2
  exact h.1

theorem And.comm_all_goals (p q : Prop) (h : p ∧ q) : q ∧ p := by
  constructor <;> first | exact h.1 | exact h.2

theorem Or.elim_try (p : Prop) (h : p ∨ p) : p := by
  cases h
  all_goals try (intro hp; exact hp)

theorem Nat.add_zero_orelse (n : Nat) : n + 0 = n := by
  exact Nat.zero_add n orelse rfl

theorem Nat.le_once (n : Nat) : n ≤ n + 1 := by
  once (first | exact Nat.le.refl | exact Nat.le_succ n)

theorem Nat.have_first (a b : Nat) (h : a = b) : b + 0 = a := by
  have hb : b = a
  · exact h.symm
  rw [hb]

-- Coupled goals: `constructor` on an existential leaves its witness as a goal that the other goal
-- mentions (the law checker draws its coupled states from these).
theorem exists_lt_five_eq_three : ∃ n, n < 5 ∧ n = 3 := by
  constructor
  · exact 3
  · constructor
    · repeat constructor
    · rfl

theorem exists_eq_two_of (P : Nat → Prop) (h : P 2) : ∃ m, m = 2 ∧ P m := by
  constructor
  · exact 2
  · constructor
    · rfl
    · exact h

theorem exists_sum_comm (a b : Nat) : ∃ m, a + b = m ∧ m = b + a := by
  constructor
  · exact a + b
  · constructor
    · rfl
    · exact Nat.add_comm a b

theorem progress_intro (p : Prop) : p → p := by
  progress intro hp
  progress try assumption
