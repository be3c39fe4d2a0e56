/- The tactic-mesh prelude.

   Every declaration here is elaborated and then admitted by the kernel type checker, exactly like
   a user file.  Names and signatures follow Lean 4's core library so that proofs export to Lean.
   Recursive functions are written with the generated recursors (`T.rec`); the kernel computes
   `Nat.add sub mul div mod pow beq ble` on literals with Python integers, and each of those
   definitions agrees with that computation on every input. -/

-- `sorry` elaborates to this axiom; `tactic-mesh check` rejects it unless --allow-sorry is given.
axiom sorryAx (α : Sort u) : α

-- Logic ---------------------------------------------------------------------------------------

inductive True : Prop where
  | intro : True

inductive False : Prop

def Not (a : Prop) : Prop := a → False

def False.elim {C : Sort u} (h : False) : C := False.rec (motive := fun _ => C) h

def absurd {a : Prop} {b : Sort v} (h₁ : a) (h₂ : ¬a) : b := False.elim (h₂ h₁)

-- `have h : T` in tactic mode: the proof of `T` first, then the rest with `h`
def letFun {α : Sort u} {β : Sort v} (a : α) (f : α → β) : β := f a

inductive Eq {α : Sort u} : α → α → Prop where
  | refl (a : α) : Eq a a

theorem rfl {α : Sort u} {a : α} : a = a := Eq.refl a

theorem Eq.symm {α : Sort u} {a b : α} (h : a = b) : b = a :=
  Eq.rec (motive := fun x _ => x = a) rfl h

theorem Eq.trans {α : Sort u} {a b c : α} (h₁ : a = b) (h₂ : b = c) : a = c :=
  Eq.rec (motive := fun x _ => a = x) h₁ h₂

theorem Eq.subst {α : Sort u} {motive : α → Prop} {a b : α} (h₁ : a = b) (h₂ : motive a) : motive b :=
  Eq.rec (motive := fun x _ => motive x) h₂ h₁

theorem congrArg {α : Sort u} {β : Sort v} {a₁ a₂ : α} (f : α → β) (h : a₁ = a₂) : f a₁ = f a₂ :=
  Eq.rec (motive := fun x _ => f a₁ = f x) rfl h

theorem congrFun {α : Sort u} {β : α → Sort v} {f g : ∀ x : α, β x} (h : f = g) (a : α) : f a = g a :=
  Eq.rec (motive := fun k _ => f a = k a) rfl h

theorem congr {α : Sort u} {β : Sort v} {f₁ f₂ : α → β} {a₁ a₂ : α} (h₁ : f₁ = f₂) (h₂ : a₁ = a₂) :
    f₁ a₁ = f₂ a₂ :=
  Eq.trans (congrFun (β := fun _ => β) h₁ a₁) (congrArg f₂ h₂)

def cast {α β : Sort u} (h : α = β) (a : α) : β := Eq.rec (motive := fun x _ => x) a h

def Eq.mp {α β : Sort u} (h : α = β) (a : α) : β := Eq.rec (motive := fun x _ => x) a h

def Eq.mpr {α β : Sort u} (h : α = β) (b : β) : α := Eq.rec (motive := fun x _ => x) b (Eq.symm h)

def Ne {α : Sort u} (a b : α) : Prop := ¬(a = b)

theorem Ne.symm {α : Sort u} {a b : α} (h : a ≠ b) : b ≠ a := fun h' => h (Eq.symm h')

structure And (a b : Prop) : Prop where
  intro ::
  left : a
  right : b

inductive Or (a b : Prop) : Prop where
  | inl (h : a) : Or a b
  | inr (h : b) : Or a b

theorem Or.elim {a b c : Prop} (h : a ∨ b) (left : a → c) (right : b → c) : c :=
  Or.rec (motive := fun _ => c) left right h

structure Iff (a b : Prop) : Prop where
  intro ::
  mp : a → b
  mpr : b → a

theorem Iff.refl (a : Prop) : a ↔ a := ⟨fun h => h, fun h => h⟩

inductive Exists {α : Sort u} (p : α → Prop) : Prop where
  | intro (w : α) (h : p w) : Exists p

theorem Exists.elim {α : Sort u} {p : α → Prop} {b : Prop} (h₁ : ∃ x, p x) (h₂ : ∀ a : α, p a → b) : b :=
  Exists.rec (motive := fun _ => b) h₂ h₁

-- Notation classes --------------------------------------------------------------------------------

class Add (α : Type u) where
  add : α → α → α

class Sub (α : Type u) where
  sub : α → α → α

class Mul (α : Type u) where
  mul : α → α → α

class Div (α : Type u) where
  div : α → α → α

class Mod (α : Type u) where
  mod : α → α → α

class LE (α : Type u) where
  le : α → α → Prop

class LT (α : Type u) where
  lt : α → α → Prop

class Pow (α : Type u) where
  pow : α → α → α

class Append (α : Type u) where
  append : α → α → α

class Magma (α : Type u) where
  op : α → α → α

-- Booleans and decisions ------------------------------------------------------------------------------

inductive Bool : Type where
  | false : Bool
  | true : Bool

def Bool.and (a b : Bool) : Bool := Bool.rec (motive := fun _ => Bool) Bool.false b a

def Bool.or (a b : Bool) : Bool := Bool.rec (motive := fun _ => Bool) b Bool.true a

def Bool.not (a : Bool) : Bool := Bool.rec (motive := fun _ => Bool) Bool.true Bool.false a

theorem Bool.false_ne_true : Bool.false ≠ Bool.true :=
  fun h => Eq.rec (motive := fun b _ => Bool.rec (motive := fun _ => Prop) True False b) True.intro h

class inductive Decidable (p : Prop) where
  | isFalse (h : ¬p) : Decidable p
  | isTrue (h : p) : Decidable p

def decide (p : Prop) [h : Decidable p] : Bool :=
  Decidable.rec (motive := fun _ => Bool) (fun _ => Bool.false) (fun _ => Bool.true) h

instance instDecidableEqBoolTrue (b : Bool) : Decidable (b = Bool.true) :=
  Bool.rec (motive := fun b => Decidable (b = Bool.true))
    (Decidable.isFalse Bool.false_ne_true) (Decidable.isTrue rfl) b

theorem of_decide_eq_true {p : Prop} [inst : Decidable p] (h : decide p = Bool.true) : p :=
  Decidable.rec (motive := fun d => @decide p d = Bool.true → p)
    (fun hn he => absurd he Bool.false_ne_true) (fun hp _ => hp) inst h

instance instDecidableTrue : Decidable True := Decidable.isTrue True.intro

instance instDecidableFalse : Decidable False := Decidable.isFalse (fun h => h)

-- Natural numbers ----------------------------------------------------------------------------

inductive Nat : Type where
  | zero : Nat
  | succ (n : Nat) : Nat

def Nat.pred (n : Nat) : Nat := Nat.rec (motive := fun _ => Nat) 0 (fun k _ => k) n

def Nat.add (n m : Nat) : Nat := Nat.rec (motive := fun _ => Nat) n (fun _ ih => Nat.succ ih) m

def Nat.sub (n m : Nat) : Nat := Nat.rec (motive := fun _ => Nat) n (fun _ ih => Nat.pred ih) m

def Nat.mul (n m : Nat) : Nat := Nat.rec (motive := fun _ => Nat) 0 (fun _ ih => Nat.add ih n) m

def Nat.pow (n m : Nat) : Nat := Nat.rec (motive := fun _ => Nat) 1 (fun _ ih => Nat.mul ih n) m

def Nat.beq (n m : Nat) : Bool :=
  Nat.rec (motive := fun _ => Nat → Bool)
    (fun m => Nat.rec (motive := fun _ => Bool) Bool.true (fun _ _ => Bool.false) m)
    (fun _ ih m => Nat.rec (motive := fun _ => Bool) Bool.false (fun k _ => ih k) m) n m

def Nat.ble (n m : Nat) : Bool :=
  Nat.rec (motive := fun _ => Nat → Bool)
    (fun _ => Bool.true)
    (fun _ ih m => Nat.rec (motive := fun _ => Bool) Bool.false (fun k _ => ih k) m) n m

-- `x / y` by repeated subtraction; `x` itself is enough fuel.  `x / 0 = 0`.
def Nat.div (x y : Nat) : Nat :=
  Nat.rec (motive := fun _ => Nat → Nat) (fun _ => 0)
    (fun _ ih z => Bool.rec (motive := fun _ => Nat) 0 (Nat.succ (ih (Nat.sub z y)))
      (Bool.and (Nat.ble y z) (Nat.ble 1 y))) x x

def Nat.mod (x y : Nat) : Nat := Nat.sub x (Nat.mul (Nat.div x y) y)

instance instAddNat : Add Nat := ⟨Nat.add⟩

instance instSubNat : Sub Nat := ⟨Nat.sub⟩

instance instMulNat : Mul Nat := ⟨Nat.mul⟩

instance instDivNat : Div Nat := ⟨Nat.div⟩

instance instModNat : Mod Nat := ⟨Nat.mod⟩

instance instPowNat : Pow Nat := ⟨Nat.pow⟩

inductive Nat.le (n : Nat) : Nat → Prop where
  | refl : Nat.le n n
  | step {m : Nat} (h : Nat.le n m) : Nat.le n (Nat.succ m)

def Nat.lt (n m : Nat) : Prop := Nat.le (n + 1) m

instance instLENat : LE Nat := ⟨Nat.le⟩

instance instLTNat : LT Nat := ⟨Nat.lt⟩

theorem Nat.le_refl (n : Nat) : n ≤ n := Nat.le.refl

theorem Nat.le_succ (n : Nat) : n ≤ n + 1 := Nat.le.step Nat.le.refl

theorem Nat.succ_ne_zero (n : Nat) : n + 1 ≠ 0 :=
  fun h => Eq.rec (motive := fun k _ => Nat.rec (motive := fun _ => Prop) False (fun _ _ => True) k)
    True.intro h

theorem Nat.succ.inj {n m : Nat} (h : n + 1 = m + 1) : n = m := congrArg Nat.pred h

-- Lists and pairs ----------------------------------------------------------------------------

inductive List (α : Type u) where
  | nil : List α
  | cons (head : α) (tail : List α) : List α

def List.append {α : Type u} (xs ys : List α) : List α :=
  List.rec (motive := fun _ => List α) ys (fun x _ ih => List.cons x ih) xs

instance instAppendList {α : Type u} : Append (List α) := ⟨List.append⟩

def List.length {α : Type u} (xs : List α) : Nat :=
  List.rec (motive := fun _ => Nat) 0 (fun _ _ ih => ih + 1) xs

def List.map {α : Type u} {β : Type v} (f : α → β) (xs : List α) : List β :=
  List.rec (motive := fun _ => List β) List.nil (fun x _ ih => List.cons (f x) ih) xs

def List.reverse {α : Type u} (xs : List α) : List α :=
  List.rec (motive := fun _ => List α) List.nil (fun x _ ih => ih ++ [x]) xs

structure Prod (α : Type u) (β : Type v) where
  mk ::
  fst : α
  snd : β
