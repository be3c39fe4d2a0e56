"""Inductive types: generated recursors (types, universes, elimination restriction, K) and iota."""

from __future__ import annotations

import re

import pytest

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.environment import (
    ConstructorInfo,
    Environment,
    InductiveDecl,
    InductiveInfo,
    RecursorInfo,
)
from tactic_mesh.kernel.errors import KernelError
from tactic_mesh.kernel.expr import (
    PROP,
    App,
    BVar,
    Const,
    Expr,
    Lam,
    NatLit,
    Pi,
    Sort,
    alpha_equiv,
    mk_app,
)
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.printer import print_expr
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.kernel.typechecker import TypeChecker

ENV = prelude()
NAT = Const("Nat")
L1 = lv.ONE




def elab(text: str, env: Environment = ENV) -> Expr:
    return elaborate_closed(env, parse_term(text))[0]


def check_file(src: str, env: Environment = ENV) -> tuple[Environment, dict[str, tuple[bool, str]]]:
    fc = FileChecker(env)
    results = fc.check_text(src, "<test>")
    return fc.env, {r.name: (r.ok, r.message) for r in results}


def recursor(name: str, env: Environment = ENV) -> RecursorInfo:
    info = env.find(name + ".rec")
    assert isinstance(info, RecursorInfo)
    return info


# ---------------------------------------------------------------------------------------------
# recursor types (Lean 4's, written in our surface syntax)
# ---------------------------------------------------------------------------------------------

EXPECTED_RECURSORS = {
    "Nat": (
        ("u",),
        "∀ {motive : Nat → Sort u} (zero : motive Nat.zero) "
        "(succ : ∀ (n : Nat), motive n → motive (Nat.succ n)) (t : Nat), motive t",
    ),
    "List": (
        ("u_1", "u"),
        "∀ {α : Type u} {motive : List α → Sort u_1} (nil : motive (@List.nil α)) "
        "(cons : ∀ (head : α) (tail : List α), motive tail → motive (List.cons head tail)) "
        "(t : List α), motive t",
    ),
    "Eq": (
        ("u_1", "u"),
        "∀ {α : Sort u} {a : α} {motive : ∀ (b : α), a = b → Sort u_1} (refl : motive a (Eq.refl a)) "
        "{b : α} (t : a = b), motive b t",
    ),
    "And": (
        ("u",),
        "∀ {a b : Prop} {motive : a ∧ b → Sort u} "
        "(intro : ∀ (left : a) (right : b), motive (And.intro left right)) (t : a ∧ b), motive t",
    ),
    "Or": (
        (),
        "∀ {a b : Prop} {motive : a ∨ b → Prop} (inl : ∀ (h : a), motive (Or.inl h)) "
        "(inr : ∀ (h : b), motive (Or.inr h)) (t : a ∨ b), motive t",
    ),
    "Exists": (
        ("u",),
        "∀ {α : Sort u} {p : α → Prop} {motive : Exists p → Prop} "
        "(intro : ∀ (w : α) (h : p w), motive (Exists.intro w h)) (t : Exists p), motive t",
    ),
    "True": (("u",), "∀ {motive : True → Sort u} (intro : motive True.intro) (t : True), motive t"),
    "False": (("u",), "∀ {motive : False → Sort u} (t : False), motive t"),
    "Iff": (
        ("u",),
        "∀ {a b : Prop} {motive : (a ↔ b) → Sort u} "
        "(intro : ∀ (mp : a → b) (mpr : b → a), motive (Iff.intro mp mpr)) (t : a ↔ b), motive t",
    ),
    "Prod": (
        ("u_1", "u", "v"),
        "∀ {α : Type u} {β : Type v} {motive : Prod α β → Sort u_1} "
        "(mk : ∀ (fst : α) (snd : β), motive (Prod.mk fst snd)) (t : Prod α β), motive t",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_RECURSORS))
def test_recursor_type_matches_lean(name: str) -> None:
    levels, text = EXPECTED_RECURSORS[name]
    info = recursor(name)
    assert info.level_params == levels
    expected = elab(text)
    assert alpha_equiv(info.type, expected), f"\n got:      {print_expr(info.type, ENV)}\n expected: {text}"
    # outermost binder names follow Lean: params, motive, minors named after constructors, t
    binders = []
    t = info.type
    while isinstance(t, Pi):
        binders.append(t.name)
        t = t.body
    assert "motive" in binders and binders[-1] == "t"
    ind = ENV.find(name)
    assert isinstance(ind, InductiveInfo)
    minors = binders[info.num_params + 1 : info.num_params + 1 + info.num_minors]
    assert minors == [c.rsplit(".", 1)[-1] for c in ind.constructors]
    # the recursor's counts are consistent with its type
    assert info.major_index == len(binders) - 1
    assert info.num_motives == 1 and info.num_minors == len(ind.constructors)


def test_recursor_types_print_in_lean_notation() -> None:
    # like Lean's expression printer: non-dependent explicit binders print as arrows
    assert print_expr(recursor("Nat").type, ENV) == (
        "∀ {motive : Nat → Sort u}, motive Nat.zero → (∀ (n : Nat), motive n → motive (Nat.succ n)) → "
        "∀ (t : Nat), motive t"
    )
    assert print_expr(recursor("False").type, ENV) == "∀ {motive : False → Sort u} (t : False), motive t"


def test_eq_indices() -> None:
    eq = ENV.find("Eq")
    assert isinstance(eq, InductiveInfo)
    assert (eq.num_params, eq.num_indices, eq.is_prop, eq.is_recursive) == (2, 1, True, False)
    nat = ENV.find("Nat")
    assert isinstance(nat, InductiveInfo)
    assert (nat.num_params, nat.num_indices, nat.is_prop, nat.is_recursive) == (0, 0, False, True)
    succ = ENV.find("Nat.succ")
    assert isinstance(succ, ConstructorInfo)
    assert (succ.induct, succ.index, succ.num_fields) == ("Nat", 1, 1)


# ---------------------------------------------------------------------------------------------
# large elimination and K
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "large", "k"),
    [
        ("Eq", True, True),
        ("And", True, False),
        ("True", True, True),
        ("False", True, False),
        ("Iff", True, False),
        ("Or", False, False),
        ("Exists", False, False),
        ("Nat.le", False, False),
        ("Nat", True, False),
        ("List", True, False),
        ("Bool", True, False),
        ("Decidable", True, False),
    ],
)
def test_large_elimination_and_k_flags(name: str, large: bool, k: bool) -> None:
    info = recursor(name)
    assert info.large_elim is large
    assert info.k is k
    # the motive's codomain: a universe parameter, or Prop only
    t = info.type
    for _ in range(info.num_params):
        assert isinstance(t, Pi)
        t = t.body
    assert isinstance(t, Pi) and t.name == "motive"
    codomain = t.type
    while isinstance(codomain, Pi):
        codomain = codomain.body
    if large:
        assert isinstance(codomain, Sort) and isinstance(codomain.level, lv.LParam)
        assert len(info.level_params) == len(ENV.find(name).level_params) + 1  # type: ignore[union-attr]
    else:
        assert codomain is PROP
        assert info.level_params == ENV.find(name).level_params  # type: ignore[union-attr]


ELIM_SRC = """
def andNat (p q : Prop) (h : p ∧ q) : Nat := And.rec (motive := fun _ => Nat) (fun _ _ => 5) h
def eqNat (h : 1 = 1) : Nat := Eq.rec (motive := fun _ _ => Nat) 3 h
def fromFalse (h : False) : Nat := False.rec (motive := fun _ => Nat) h
def trueNat (h : True) : Nat := True.rec (motive := fun _ => Nat) 8 h
def iffNat (p q : Prop) (h : p ↔ q) : Nat := Iff.rec (motive := fun _ => Nat) (fun _ _ => 2) h
def orNat (p q : Prop) (h : p ∨ q) : Nat := Or.rec (motive := fun _ => Nat) (fun _ => 0) (fun _ => 1) h
def witness (p : Nat → Prop) (h : ∃ x, p x) : Nat := Exists.rec (motive := fun _ => Nat) (fun w _ => w) h
theorem orComm (p q : Prop) (h : p ∨ q) : q ∨ p :=
  Or.rec (motive := fun _ => q ∨ p) (fun hp => Or.inr hp) (fun hq => Or.inl hq) h
theorem exElim (p : Nat → Prop) (h : ∃ x, p x) : ∃ y, p y :=
  Exists.rec (motive := fun _ => ∃ y, p y) (fun w hw => ⟨w, hw⟩) h
"""


@pytest.fixture(scope="module")
def elim_env() -> tuple[Environment, dict[str, tuple[bool, str]]]:
    return check_file(ELIM_SRC)


@pytest.mark.parametrize("name", ["andNat", "eqNat", "fromFalse", "trueNat", "iffNat", "orComm", "exElim"])
def test_large_elimination_allowed(elim_env: tuple[Environment, dict[str, tuple[bool, str]]], name: str) -> None:
    _, results = elim_env
    assert results[name] == (True, "ok")


@pytest.mark.parametrize("name", ["orNat", "witness"])
def test_large_elimination_refused(elim_env: tuple[Environment, dict[str, tuple[bool, str]]], name: str) -> None:
    env, results = elim_env
    ok, _ = results[name]
    assert not ok
    assert name not in env


def test_kernel_refuses_or_rec_into_type() -> None:
    # the elaborator is not trusted: build the term by hand and hand it to the kernel
    tc = TypeChecker(ENV)
    p = tc.push_local("p", PROP)
    h = tc.push_local("h", mk_app(Const("Or"), p, p))
    motive = Pi("_", mk_app(Const("Or"), p, p), NAT)
    term = mk_app(Const("Or.rec"), p, p, motive)
    with pytest.raises(KernelError):
        tc.infer(mk_app(term, h))
    with pytest.raises(KernelError, match="universe levels"):
        tc.infer(Const("Or.rec", (L1,)))


# ---------------------------------------------------------------------------------------------
# iota rules
# ---------------------------------------------------------------------------------------------


def test_iota_rules_compute(elim_env: tuple[Environment, dict[str, tuple[bool, str]]]) -> None:
    env, _ = elim_env
    tc = TypeChecker(env)
    p = tc.push_local("p", PROP)
    q = tc.push_local("q", PROP)
    hp = tc.push_local("hp", p)
    hq = tc.push_local("hq", q)
    assert tc.whnf(mk_app(Const("andNat"), p, q, mk_app(Const("And.intro"), p, q, hp, hq))) is NatLit(5)
    assert tc.whnf(App(Const("eqNat"), mk_app(Const("Eq.refl", (L1,)), NAT, NatLit(1)))) is NatLit(3)
    assert tc.whnf(App(Const("trueNat"), Const("True.intro"))) is NatLit(8)
    iff = mk_app(Const("Iff.intro"), p, q, tc.push_local("mp", Pi("a", p, q)), tc.push_local("mpr", Pi("a", q, p)))
    assert tc.whnf(mk_app(Const("iffNat"), p, q, iff)) is NatLit(2)
    # theorems are not unfolded, so the Prop eliminators are applied directly
    pred = tc.push_local("P", Pi("a", NAT, PROP))
    hw = tc.push_local("hw", App(pred, NatLit(4)))
    ex = mk_app(Const("Exists", (L1,)), NAT, pred)
    k = tc.push_local("k", Pi("w", NAT, Pi("h", App(pred, BVar(0)), q)))
    intro = mk_app(Const("Exists.intro", (L1,)), NAT, pred, NatLit(4), hw)
    ex_rec = mk_app(Const("Exists.rec", (L1,)), NAT, pred, Lam("_", ex, q), k, intro)
    assert tc.whnf(ex_rec) is mk_app(k, NatLit(4), hw)
    # Or.rec into Prop on a constructor
    f = tc.push_local("f", Pi("h", p, q))
    g = tc.push_local("g", Pi("h", q, q))
    or_rec = mk_app(
        Const("Or.rec"), p, q, Lam("_", mk_app(Const("Or"), p, q), q), f, g, mk_app(Const("Or.inr"), p, q, hq)
    )
    assert tc.whnf(or_rec) is App(g, hq)
    # List.rec through List.length and List.append / List.reverse
    assert tc.whnf(elab("List.length ([1, 2] ++ [3, 4, 5])", env)) is NatLit(5)
    rev = elab("List.reverse [1, 2, 3]", env)
    assert tc.is_def_eq(rev, elab("[3, 2, 1]", env))
    assert not tc.is_def_eq(rev, elab("[1, 2, 3]", env))


def test_iota_rule_shape_for_nat_succ() -> None:
    rule = recursor("Nat").rule_for("Nat.succ")
    assert rule is not None and rule.num_fields == 1
    # rhs = fun motive zero succ n => succ n (Nat.rec motive zero succ n)
    rhs = rule.rhs
    depth = 0
    while isinstance(rhs, Lam):
        rhs = rhs.body
        depth += 1
    assert depth == 4
    rec = mk_app(Const("Nat.rec", (lv.LParam("u"),)), BVar(3), BVar(2), BVar(1), BVar(0))
    assert rhs is mk_app(BVar(1), BVar(0), rec)


# ---------------------------------------------------------------------------------------------
# user inductive types
# ---------------------------------------------------------------------------------------------

USER_SRC = """
inductive Vec (α : Type u) : Nat → Type u where
  | nil : Vec α 0
  | cons {n : Nat} (a : α) (v : Vec α n) : Vec α (n + 1)

def Vec.len {α : Type u} {n : Nat} (v : Vec α n) : Nat :=
  Vec.rec (motive := fun _ _ => Nat) 0 (fun _ _ ih => ih + 1) v

inductive Tree where
  | leaf : Tree
  | node (children : Nat → Tree) : Tree

inductive Sing : Nat → Nat → Prop where
  | mk (n : Nat) : Sing 0 n

inductive Sing3 : Nat → Prop where
  | mk (n : Nat) : Sing3 (n + 1)

inductive Promoted : Nat → Prop where
  | mk (n : Nat) : Promoted n

inductive Two : Prop where
  | a : Two
  | b : Two
"""


@pytest.fixture(scope="module")
def user_env() -> Environment:
    env, results = check_file(USER_SRC)
    assert all(ok for ok, _ in results.values()), results
    return env


def test_indexed_family_recursor(user_env: Environment) -> None:
    info = recursor("Vec", user_env)
    assert (info.num_params, info.num_indices, info.large_elim) == (1, 1, True)
    expected = elab(
        "∀ {α : Type u} {motive : ∀ (n : Nat), Vec α n → Sort u_1} (nil : motive 0 (@Vec.nil α)) "
        "(cons : ∀ {n : Nat} (a : α) (v : Vec α n), motive n v → motive (n + 1) (Vec.cons a v)) "
        "{n : Nat} (t : Vec α n), motive n t",
        user_env,
    )
    assert alpha_equiv(info.type, expected), print_expr(info.type, user_env)
    tc = TypeChecker(user_env)
    v = elab("@Vec.cons Nat 1 7 (@Vec.cons Nat 0 8 (@Vec.nil Nat))", user_env)
    assert tc.whnf(mk_app(Const("Vec.len", (lv.ZERO,)), NAT, NatLit(2), v)) is NatLit(2)


def test_reflexive_inductive_recursor(user_env: Environment) -> None:
    info = recursor("Tree", user_env)
    expected = elab(
        "∀ {motive : Tree → Sort u} (leaf : motive Tree.leaf) "
        "(node : ∀ (children : Nat → Tree), (∀ (a : Nat), motive (children a)) → motive (Tree.node children)) "
        "(t : Tree), motive t",
        user_env,
    )
    assert alpha_equiv(info.type, expected), print_expr(info.type, user_env)
    # iota: the induction hypothesis is a function over the branching
    tc = TypeChecker(user_env)
    leaf_case = tc.push_local("l", NAT)
    node_case = tc.push_local("nd", elab("(Nat → Tree) → (Nat → Nat) → Nat", user_env))
    ch = tc.push_local("ch", elab("Nat → Tree", user_env))
    motive = Lam("_", Const("Tree"), NAT)
    rec = Const("Tree.rec", (L1,))
    out = tc.whnf(mk_app(rec, motive, leaf_case, node_case, App(Const("Tree.node"), ch)))
    assert out is mk_app(node_case, ch, Lam("a", NAT, mk_app(rec, motive, leaf_case, node_case, App(ch, BVar(0)))))


def test_subsingleton_elimination_for_fields_in_indices(user_env: Environment) -> None:
    # a Prop with one constructor whose only field appears in the result indices eliminates into Type
    assert recursor("Sing", user_env).large_elim
    assert not recursor("Sing", user_env).k  # it has a field
    # … but not when the field only occurs inside an index expression
    assert not recursor("Sing3", user_env).large_elim
    assert not recursor("Two", user_env).large_elim
    # a fixed leading index is promoted to a parameter (as in Lean 4), leaving no fields: K applies
    promoted = user_env.find("Promoted")
    assert isinstance(promoted, InductiveInfo) and (promoted.num_params, promoted.num_indices) == (1, 0)
    assert recursor("Promoted", user_env).large_elim and recursor("Promoted", user_env).k


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("inductive Bad where\n  | mk (f : Bad → Nat) : Bad", "non-positive"),
        ("inductive Big : Type where\n  | mk (α : Type) : Big", "universe level"),
        ("inductive Nest : Type where\n  | mk (xs : List Nest) : Nest", "nested"),
        ("inductive Wrong where\n  | mk : Nat", "must return"),
        ("inductive Nat where\n  | z : Nat", "already been declared"),
    ],
)
def test_bad_inductives_are_rejected(src: str, message: str) -> None:
    env, results = check_file(src)
    ((ok, msg),) = results.values()
    assert not ok
    assert re.search(message, msg), msg
    assert len(env) == len(ENV)


def test_inductive_decl_checked_by_kernel_directly() -> None:
    # parameters must be passed unchanged to the result type
    t = Pi("α", Sort(L1), Sort(L1))
    bad_ctor = Pi("α", Sort(L1), App(Const("Box"), NAT))
    with pytest.raises(KernelError, match="parameter"):
        add_decl(ENV, InductiveDecl("Box", (), t, 1, (("Box.mk", bad_ctor),)))
    good_ctor = Pi("α", Sort(L1), Pi("x", BVar(0), App(Const("Box"), BVar(1))))
    env = add_decl(ENV, InductiveDecl("Box", (), t, 1, (("Box.mk", good_ctor),)))
    rec = recursor("Box", env)
    assert rec.level_params == ("u",) and rec.large_elim and not rec.k
    with pytest.raises(KernelError, match="already been declared"):
        add_decl(env, InductiveDecl("Box2", (), t, 1, (("Box.mk", good_ctor),)))
