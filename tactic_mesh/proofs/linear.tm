/- Affine magmas over the integers, `x ◇ y = p·x + q·y + k`, and a reflective proof that such a
   magma satisfies a law.  Checked on top of the prelude alone, so that a counter-model
   certificate (`symbolic/linear_models.py`) is this file followed by a few declarations and
   re-checks with `tactic-mesh check FILE` anywhere.

   * `Int` has Lean's constructors (`ofNat n`, `negSucc n` = -(n+1)).  An integer is handled
     through two naturals: `Int.posPart x - Int.negPart x = x` and `Int.ofPair a b = a - b`.
   * The coefficients are given as naturals `p = pp - pn`, `q = qp - qn`, `k = kp - kn`; the
     operation `Lin.op` computes `p·x + q·y + k` as `ofPair` of two natural combinations.
   * A law's sides are syntax trees `Lin.Tm` (variables are indices into an environment).  `Lin.nf`
     maps a tree to two coefficient vectors over the atoms `1, pos x₀, neg x₀, pos x₁, …` whose
     difference is the tree's value (`Lin.sound`).  `Lin.law` turns one equality of vectors — a
     closed computation the kernel evaluates with its literal arithmetic — into the law for every
     environment.  Nothing here is trusted beyond the kernel: every lemma is checked. -/

-- Natural numbers: the few laws the proofs below use -----------------------------------------------

theorem Lin.zero_add (n : Nat) : 0 + n = n :=
  Nat.rec (motive := fun n => 0 + n = n) rfl (fun _ ih => congrArg Nat.succ ih) n

theorem Lin.succ_add (n m : Nat) : Nat.succ n + m = Nat.succ (n + m) :=
  Nat.rec (motive := fun m => Nat.succ n + m = Nat.succ (n + m)) rfl (fun _ ih => congrArg Nat.succ ih) m

theorem Lin.add_comm (n m : Nat) : n + m = m + n :=
  Nat.rec (motive := fun m => n + m = m + n)
    (Eq.symm (Lin.zero_add n))
    (fun k ih => Eq.trans (congrArg Nat.succ ih : Nat.succ (n + k) = Nat.succ (k + n))
      (Eq.symm (Lin.succ_add k n))) m

theorem Lin.add_assoc (n m k : Nat) : n + m + k = n + (m + k) :=
  Nat.rec (motive := fun k => n + m + k = n + (m + k)) rfl (fun _ ih => congrArg Nat.succ ih) k

theorem Lin.add_add_add_comm (a b c d : Nat) : a + b + (c + d) = a + c + (b + d) := by
  rw [Lin.add_assoc a b (c + d), ← Lin.add_assoc b c d, Lin.add_comm b c, Lin.add_assoc c b d,
    ← Lin.add_assoc a c (b + d)]

theorem Lin.zero_mul (n : Nat) : 0 * n = 0 :=
  Nat.rec (motive := fun n => 0 * n = 0) rfl (fun _ ih => ih) n

theorem Lin.one_mul (n : Nat) : 1 * n = n :=
  Nat.rec (motive := fun n => 1 * n = n) rfl (fun _ ih => congrArg Nat.succ ih) n

theorem Lin.mul_one (n : Nat) : n * 1 = n := Lin.zero_add n

theorem Lin.left_distrib (n m k : Nat) : n * (m + k) = n * m + n * k :=
  Nat.rec (motive := fun k => n * (m + k) = n * m + n * k)
    rfl
    (fun k ih => Eq.trans (congrArg (fun x => x + n) ih : n * (m + k) + n = n * m + n * k + n)
      (Lin.add_assoc (n * m) (n * k) n)) k

theorem Lin.right_distrib (n m k : Nat) : (n + m) * k = n * k + m * k :=
  Nat.rec (motive := fun k => (n + m) * k = n * k + m * k)
    rfl
    (fun k ih => Eq.trans (congrArg (fun x => x + (n + m)) ih : (n + m) * k + (n + m) = n * k + m * k + (n + m))
      (Lin.add_add_add_comm (n * k) (m * k) n m)) k

theorem Lin.mul_assoc (n m k : Nat) : n * m * k = n * (m * k) :=
  Nat.rec (motive := fun k => n * m * k = n * (m * k))
    rfl
    (fun k ih => Eq.trans (congrArg (fun x => x + n * m) ih : n * m * k + n * m = n * (m * k) + n * m)
      (Eq.symm (Lin.left_distrib n (m * k) m))) k

-- Integers -------------------------------------------------------------------------------------

inductive Int : Type where
  | ofNat (n : Nat) : Int
  | negSucc (n : Nat) : Int

def Int.posPart (x : Int) : Nat := Int.rec (motive := fun _ => Nat) (fun n => n) (fun _ => 0) x

def Int.negPart (x : Int) : Nat := Int.rec (motive := fun _ => Nat) (fun _ => 0) (fun n => n + 1) x

-- `ofPair a b` is `a - b`
def Int.ofPair (a b : Nat) : Int :=
  Nat.rec (motive := fun _ => Nat → Int)
    (fun b => Nat.rec (motive := fun _ => Int) (Int.ofNat 0) (fun k _ => Int.negSucc k) b)
    (fun a' ih b => Nat.rec (motive := fun _ => Int) (Int.ofNat (a' + 1)) (fun k _ => ih k) b) a b

theorem Int.ofPair_pos_neg (x : Int) : Int.ofPair (Int.posPart x) (Int.negPart x) = x := by
  cases x
  intro n
  cases n
  rfl
  intro k
  rfl
  intro n
  rfl

theorem Int.ofPair_add_add (a b k : Nat) : Int.ofPair (a + k) (b + k) = Int.ofPair a b := by
  induction k
  rfl
  intro k ih
  exact ih

theorem Int.ofPair_eq (a b c d : Nat) (h : a + d = b + c) : Int.ofPair a b = Int.ofPair c d :=
  Eq.trans (Eq.symm (Int.ofPair_add_add a b d))
    (Eq.trans (congrArg (fun s => Int.ofPair s (b + d)) h)
      (Eq.trans (congrArg (fun s => Int.ofPair s (b + d)) (Lin.add_comm b c))
        (Eq.trans (congrArg (fun s => Int.ofPair (c + b) s) (Lin.add_comm b d))
          (Int.ofPair_add_add c d b))))

theorem Int.ofPair_diff (a : Nat) : ∀ b : Nat, Int.posPart (Int.ofPair a b) + b = Int.negPart (Int.ofPair a b) + a := by
  induction a
  intro b
  cases b
  rfl
  intro k
  exact Lin.zero_add (k + 1)
  intro m ih b
  cases b
  exact Eq.symm (Lin.zero_add (m + 1))
  intro k
  exact congrArg Nat.succ (ih k)

-- `x` is the integer `a - b` (in the form `ofPair` gives): two integers differ when one is and
-- the other is not; the kernel decides both by evaluation
def Int.code (x : Int) (a b : Nat) : Bool := Bool.and (Nat.beq (Int.posPart x) a) (Nat.beq (Int.negPart x) b)

theorem Int.ne_of_code (x y : Int) (a b : Nat) (hx : Int.code x a b = Bool.false) (hy : Int.code y a b = Bool.true) :
    x ≠ y :=
  fun h => Bool.false_ne_true (Eq.trans (Eq.symm hx) (Eq.trans (congrArg (fun z => Int.code z a b) h) hy))

-- Vectors of naturals -------------------------------------------------------------------------------

def Lin.dot (u e : List Nat) : Nat :=
  List.rec (motive := fun _ => List Nat → Nat)
    (fun _ => 0)
    (fun a _ ih e => List.rec (motive := fun _ => Nat) 0 (fun x r _ => a * x + ih r) e) u e

def Lin.vadd (u v : List Nat) : List Nat :=
  List.rec (motive := fun _ => List Nat → List Nat)
    (fun v => v)
    (fun a w ih v => List.rec (motive := fun _ => List Nat) (List.cons a w)
      (fun b v' _ => List.cons (a + b) (ih v')) v) u v

def Lin.scale (p : Nat) (u : List Nat) : List Nat := List.map (fun a => p * a) u

def Lin.zeros (n : Nat) : List Nat := Nat.rec (motive := fun _ => List Nat) List.nil (fun _ ih => List.cons 0 ih) n

theorem Lin.dot_vadd (u : List Nat) : ∀ v e : List Nat, Lin.dot (Lin.vadd u v) e = Lin.dot u e + Lin.dot v e := by
  induction u
  intro v e
  exact Eq.symm (Lin.zero_add (Lin.dot v e))
  intro a w ih v
  cases v
  intro e
  rfl
  intro b v'
  intro e
  cases e
  rfl
  intro x r
  show (a + b) * x + Lin.dot (Lin.vadd w v') r = a * x + Lin.dot w r + (b * x + Lin.dot v' r)
  rw [ih v' r, Lin.right_distrib a b x]
  exact Lin.add_add_add_comm (a * x) (b * x) (Lin.dot w r) (Lin.dot v' r)

theorem Lin.dot_scale (p : Nat) (u : List Nat) : ∀ e : List Nat, Lin.dot (Lin.scale p u) e = p * Lin.dot u e := by
  induction u
  intro e
  rfl
  intro a w ih e
  cases e
  rfl
  intro x r
  show p * a * x + Lin.dot (Lin.scale p w) r = p * (a * x + Lin.dot w r)
  rw [ih r, Lin.left_distrib p (a * x) (Lin.dot w r), Lin.mul_assoc p a x]

theorem Lin.dot_zeros (n : Nat) : ∀ e : List Nat, Lin.dot (Lin.zeros n) e = 0 := by
  induction n
  intro e
  rfl
  intro k ih e
  cases e
  rfl
  intro x r
  show 0 * x + Lin.dot (Lin.zeros k) r = 0
  rw [ih r, Lin.zero_mul x]

theorem Lin.dot_pad (u v : List Nat) (n : Nat) (e : List Nat) :
    Lin.dot (Lin.vadd (Lin.vadd u v) (Lin.zeros n)) e = Lin.dot u e + Lin.dot v e := by
  rw [Lin.dot_vadd (Lin.vadd u v) (Lin.zeros n) e, Lin.dot_zeros n e, Lin.dot_vadd u v e]

-- The atoms of an environment, and the unit vectors that pick them --------------------------------

def Lin.nth (env : List Int) (i : Nat) : Int :=
  List.rec (motive := fun _ => Nat → Int) (fun _ => Int.ofNat 0)
    (fun x _ ih i => Nat.rec (motive := fun _ => Int) x (fun k _ => ih k) i) env i

def Lin.atoms (env : List Int) : List Nat :=
  List.rec (motive := fun _ => List Nat) List.nil
    (fun x _ ih => List.cons (Int.posPart x) (List.cons (Int.negPart x) ih)) env

def Lin.ePos (i : Nat) : List Nat :=
  Nat.rec (motive := fun _ => List Nat) (List.cons 1 List.nil) (fun _ ih => List.cons 0 (List.cons 0 ih)) i

def Lin.eNeg (i : Nat) : List Nat :=
  Nat.rec (motive := fun _ => List Nat) (List.cons 0 (List.cons 1 List.nil))
    (fun _ ih => List.cons 0 (List.cons 0 ih)) i

theorem Lin.dot_ePos (i : Nat) : ∀ env : List Int, Lin.dot (Lin.ePos i) (Lin.atoms env) = Int.posPart (Lin.nth env i) := by
  induction i
  intro env
  cases env
  rfl
  intro x r
  exact Lin.one_mul (Int.posPart x)
  intro k ih env
  cases env
  rfl
  intro x r
  show 0 * Int.posPart x + (0 * Int.negPart x + Lin.dot (Lin.ePos k) (Lin.atoms r)) = Int.posPart (Lin.nth r k)
  rw [Lin.zero_mul (Int.posPart x), Lin.zero_mul (Int.negPart x), Lin.zero_add (Lin.dot (Lin.ePos k) (Lin.atoms r)),
    Lin.zero_add (Lin.dot (Lin.ePos k) (Lin.atoms r))]
  exact ih r

theorem Lin.dot_eNeg (i : Nat) : ∀ env : List Int, Lin.dot (Lin.eNeg i) (Lin.atoms env) = Int.negPart (Lin.nth env i) := by
  induction i
  intro env
  cases env
  rfl
  intro x r
  show 0 * Int.posPart x + 1 * Int.negPart x = Int.negPart x
  rw [Lin.zero_mul (Int.posPart x), Lin.zero_add (1 * Int.negPart x)]
  exact Lin.one_mul (Int.negPart x)
  intro k ih env
  cases env
  rfl
  intro x r
  show 0 * Int.posPart x + (0 * Int.negPart x + Lin.dot (Lin.eNeg k) (Lin.atoms r)) = Int.negPart (Lin.nth r k)
  rw [Lin.zero_mul (Int.posPart x), Lin.zero_mul (Int.negPart x), Lin.zero_add (Lin.dot (Lin.eNeg k) (Lin.atoms r)),
    Lin.zero_add (Lin.dot (Lin.eNeg k) (Lin.atoms r))]
  exact ih r

-- The affine operation --------------------------------------------------------------------------

-- `p = pp - pn`, `q = qp - qn`, `k = kp - kn`
structure Lin.Affine where
  mk ::
  pp : Nat
  pn : Nat
  qp : Nat
  qn : Nat
  kp : Nat
  kn : Nat

-- `lin p n a b = p·a + n·b`: with `p = pp - pn` and `x = a - b`, `p·x = lin pp pn a b - lin pp pn b a`
def Lin.lin (p n a b : Nat) : Nat := p * a + n * b

-- `x ◇ y = p·x + q·y + k`
def Lin.op (c : Lin.Affine) (x y : Int) : Int :=
  Int.ofPair (Lin.lin c.pp c.pn (Int.posPart x) (Int.negPart x) + Lin.lin c.qp c.qn (Int.posPart y) (Int.negPart y) + c.kp)
    (Lin.lin c.pp c.pn (Int.negPart x) (Int.posPart x) + Lin.lin c.qp c.qn (Int.negPart y) (Int.posPart y) + c.kn)

theorem Lin.lin_add (p n a b c d : Nat) : Lin.lin p n a b + Lin.lin p n c d = Lin.lin p n (a + c) (b + d) := by
  show p * a + n * b + (p * c + n * d) = p * (a + c) + n * (b + d)
  rw [Lin.left_distrib p a c, Lin.left_distrib n b d]
  exact Lin.add_add_add_comm (p * a) (n * b) (p * c) (n * d)

theorem Lin.lin_step (p n a b a' b' : Nat) (h : a' + b = b' + a) :
    Lin.lin p n a' b' + Lin.lin p n b a = Lin.lin p n b' a' + Lin.lin p n a b := by
  rw [Lin.lin_add p n a' b' b a, Lin.lin_add p n b' a' a b, h]

theorem Lin.add3 (x₁ y₁ z₁ x₂ y₂ z₂ : Nat) : x₁ + y₁ + z₁ + (x₂ + y₂ + z₂) = x₁ + x₂ + (y₁ + y₂) + (z₁ + z₂) := by
  rw [Lin.add_add_add_comm (x₁ + y₁) z₁ (x₂ + y₂) z₂, Lin.add_add_add_comm x₁ y₁ x₂ y₂]

theorem Lin.op_ofPair (c : Lin.Affine) (a b d e : Nat) :
    Lin.op c (Int.ofPair a b) (Int.ofPair d e) =
      Int.ofPair (Lin.lin c.pp c.pn a b + Lin.lin c.qp c.qn d e + c.kp)
        (Lin.lin c.pp c.pn b a + Lin.lin c.qp c.qn e d + c.kn) := by
  apply Int.ofPair_eq
  rw [Lin.add3, Lin.add3]
  rw [Lin.lin_step c.pp c.pn a b (Int.posPart (Int.ofPair a b)) (Int.negPart (Int.ofPair a b)) (Int.ofPair_diff a b)]
  rw [Lin.lin_step c.qp c.qn d e (Int.posPart (Int.ofPair d e)) (Int.negPart (Int.ofPair d e)) (Int.ofPair_diff d e)]
  rw [Lin.add_comm c.kp c.kn]

-- Terms, their values and their normal forms ------------------------------------------------------

inductive Lin.Tm : Type where
  | var (i : Nat) : Lin.Tm
  | op (a b : Lin.Tm) : Lin.Tm

def Lin.den (c : Lin.Affine) (env : List Int) (t : Lin.Tm) : Int :=
  Lin.Tm.rec (motive := fun _ => Int) (fun i => Lin.nth env i) (fun _ _ x y => Lin.op c x y) t

def Lin.nfOp (c : Lin.Affine) (a b : Prod (List Nat) (List Nat)) : Prod (List Nat) (List Nat) :=
  Prod.mk
    (Lin.vadd (Lin.vadd (Lin.vadd (Lin.scale c.pp a.fst) (Lin.scale c.pn a.snd))
      (Lin.vadd (Lin.scale c.qp b.fst) (Lin.scale c.qn b.snd))) (List.cons c.kp List.nil))
    (Lin.vadd (Lin.vadd (Lin.vadd (Lin.scale c.pp a.snd) (Lin.scale c.pn a.fst))
      (Lin.vadd (Lin.scale c.qp b.snd) (Lin.scale c.qn b.fst))) (List.cons c.kn List.nil))

def Lin.nf (c : Lin.Affine) (t : Lin.Tm) : Prod (List Nat) (List Nat) :=
  Lin.Tm.rec (motive := fun _ => Prod (List Nat) (List Nat))
    (fun i => Prod.mk (List.cons 0 (Lin.ePos i)) (List.cons 0 (Lin.eNeg i)))
    (fun _ _ a b => Lin.nfOp c a b) t

theorem Lin.dot_const (k : Nat) (r : List Nat) : Lin.dot (List.cons k List.nil) (List.cons 1 r) = k :=
  Lin.mul_one k

theorem Lin.dot_combo (p n q m : Nat) (a b d e : List Nat) (k : Nat) (r : List Nat) :
    Lin.dot (Lin.vadd (Lin.vadd (Lin.vadd (Lin.scale p a) (Lin.scale n b)) (Lin.vadd (Lin.scale q d) (Lin.scale m e)))
      (List.cons k List.nil)) (List.cons 1 r) =
      Lin.lin p n (Lin.dot a (List.cons 1 r)) (Lin.dot b (List.cons 1 r)) +
        Lin.lin q m (Lin.dot d (List.cons 1 r)) (Lin.dot e (List.cons 1 r)) + k := by
  rw [Lin.dot_vadd, Lin.dot_vadd, Lin.dot_vadd, Lin.dot_vadd, Lin.dot_scale, Lin.dot_scale, Lin.dot_scale,
    Lin.dot_scale, Lin.dot_const k r]

theorem Lin.dot_nfOp_fst (c : Lin.Affine) (a b : Prod (List Nat) (List Nat)) (r : List Nat) :
    Lin.dot (Lin.nfOp c a b).fst (List.cons 1 r) =
      Lin.lin c.pp c.pn (Lin.dot a.fst (List.cons 1 r)) (Lin.dot a.snd (List.cons 1 r)) +
        Lin.lin c.qp c.qn (Lin.dot b.fst (List.cons 1 r)) (Lin.dot b.snd (List.cons 1 r)) + c.kp :=
  Lin.dot_combo c.pp c.pn c.qp c.qn a.fst a.snd b.fst b.snd c.kp r

theorem Lin.dot_nfOp_snd (c : Lin.Affine) (a b : Prod (List Nat) (List Nat)) (r : List Nat) :
    Lin.dot (Lin.nfOp c a b).snd (List.cons 1 r) =
      Lin.lin c.pp c.pn (Lin.dot a.snd (List.cons 1 r)) (Lin.dot a.fst (List.cons 1 r)) +
        Lin.lin c.qp c.qn (Lin.dot b.snd (List.cons 1 r)) (Lin.dot b.fst (List.cons 1 r)) + c.kn :=
  Lin.dot_combo c.pp c.pn c.qp c.qn a.snd a.fst b.snd b.fst c.kn r

theorem Lin.sound (c : Lin.Affine) (env : List Int) (t : Lin.Tm) :
    Lin.den c env t = Int.ofPair (Lin.dot (Lin.nf c t).fst (List.cons 1 (Lin.atoms env)))
      (Lin.dot (Lin.nf c t).snd (List.cons 1 (Lin.atoms env))) := by
  induction t
  intro i
  show Lin.nth env i = Int.ofPair (0 + Lin.dot (Lin.ePos i) (Lin.atoms env)) (0 + Lin.dot (Lin.eNeg i) (Lin.atoms env))
  rw [Lin.zero_add (Lin.dot (Lin.ePos i) (Lin.atoms env)), Lin.zero_add (Lin.dot (Lin.eNeg i) (Lin.atoms env))]
  rw [Lin.dot_ePos i env, Lin.dot_eNeg i env, Int.ofPair_pos_neg (Lin.nth env i)]
  intro a b iha ihb
  show (Lin.op c (Lin.den c env a) (Lin.den c env b) =
    Int.ofPair (Lin.dot (Lin.nfOp c (Lin.nf c a) (Lin.nf c b)).fst (List.cons 1 (Lin.atoms env)))
      (Lin.dot (Lin.nfOp c (Lin.nf c a) (Lin.nf c b)).snd (List.cons 1 (Lin.atoms env))))
  rw [iha, ihb, Lin.op_ofPair, Lin.dot_nfOp_fst, Lin.dot_nfOp_snd]

-- A law holds when its two normal forms agree: `h` is closed, the kernel decides it by evaluation.
theorem Lin.law (c : Lin.Affine) (l r : Lin.Tm) (n : Nat)
    (h : Lin.vadd (Lin.vadd (Lin.nf c l).fst (Lin.nf c r).snd) (Lin.zeros n) =
      Lin.vadd (Lin.vadd (Lin.nf c l).snd (Lin.nf c r).fst) (Lin.zeros n))
    (env : List Int) : Lin.den c env l = Lin.den c env r := by
  rw [Lin.sound c env l, Lin.sound c env r]
  apply Int.ofPair_eq
  exact (Eq.trans (Eq.symm (Lin.dot_pad (Lin.nf c l).fst (Lin.nf c r).snd n (List.cons 1 (Lin.atoms env))))
    (Eq.trans (congrArg (fun u => Lin.dot u (List.cons 1 (Lin.atoms env))) h)
      (Lin.dot_pad (Lin.nf c l).snd (Lin.nf c r).fst n (List.cons 1 (Lin.atoms env)))))
