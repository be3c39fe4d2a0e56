"""The trusted type checker: infer/check, whnf, is_def_eq, Nat literals, K-like reduction, add_decl."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.environment import (
    AxiomDecl,
    DefinitionDecl,
    DefinitionInfo,
    Environment,
    TheoremDecl,
    TheoremInfo,
)
from tactic_mesh.kernel.errors import KernelError
from tactic_mesh.kernel.expr import (
    PROP,
    TYPE,
    App,
    BVar,
    Const,
    Expr,
    FVar,
    Lam,
    Let,
    MVar,
    NatLit,
    Pi,
    Sort,
    get_app_fn_args,
    mk_app,
)
from tactic_mesh.kernel.prelude import prelude, prelude_text
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.kernel.typechecker import TypeChecker, check_expr

SETTINGS = settings(
    derandomize=True, database=None, max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

ENV = prelude()
NAT = Const("Nat")
BOOL = Const("Bool")
ZERO_C = Const("Nat.zero")
SUCC = Const("Nat.succ")
TRUE_B, FALSE_B = Const("Bool.true"), Const("Bool.false")
U = lv.LParam("u")
L1 = lv.ONE


def succ(e: Expr) -> Expr:
    return App(SUCC, e)


def unary(n: int) -> Expr:
    out: Expr = ZERO_C
    for _ in range(n):
        out = succ(out)
    return out


def eq(ty: Expr, a: Expr, b: Expr, level: lv.Level = L1) -> Expr:
    return mk_app(Const("Eq", (level,)), ty, a, b)


def elab(text: str, env: Environment = ENV) -> Expr:
    return elaborate_closed(env, parse_term(text))[0]


def check_file(src: str, env: Environment = ENV) -> tuple[Environment, dict[str, tuple[bool, str]]]:
    fc = FileChecker(env)
    results = run_deep(fc.check_text, src, "<test>")
    return fc.env, {r.name: (r.ok, r.message) for r in results}


# ---------------------------------------------------------------------------------------------
# infer / check
# ---------------------------------------------------------------------------------------------


def test_every_prelude_declaration_rechecks() -> None:
    """Re-run the checker on each stored declaration: types are types, values have their types."""
    checked = 0
    for name in ENV.names():
        info = ENV.find(name)
        assert info is not None
        tc = TypeChecker(ENV, level_params=info.level_params)
        assert isinstance(tc.whnf(tc.infer(info.type)), Sort), name
        if isinstance(info, (DefinitionInfo, TheoremInfo)):
            assert tc.is_def_eq(tc.infer(info.value), info.type), name
            checked += 1
    assert checked > 40


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (SUCC, Pi("n", NAT, NAT)),
        (succ(NatLit(4)), NAT),
        (NatLit(10**30), NAT),
        (
            mk_app(Const("List.cons", (lv.ZERO,)), NAT, NatLit(1), App(Const("List.nil", (lv.ZERO,)), NAT)),
            App(Const("List", (lv.ZERO,)), NAT),
        ),
        (Sort(U), Sort(lv.LSucc(U))),
        (PROP, TYPE),
        (Pi("p", PROP, BVar(0)), PROP),  # impredicativity: ∀ p : Prop, p is a Prop
        (Pi("a", NAT, PROP), TYPE),
        (Pi("α", TYPE, Pi("a", BVar(0), BVar(1))), Sort(lv.level_of_int(2))),
        (mk_app(Const("Eq.refl", (L1,)), NAT, NatLit(3)), eq(NAT, NatLit(3), NatLit(3))),
        (Lam("x", NAT, succ(BVar(0))), Pi("x", NAT, NAT)),
        (Let("x", NAT, NatLit(2), succ(BVar(0))), NAT),
        (Const("True.intro"), Const("True")),
    ],
)
def test_infer(term: Expr, expected: Expr) -> None:
    tc = TypeChecker(ENV)
    assert tc.infer(term) is expected
    tc.check(term, expected)


def test_infer_universe_of_polymorphic_pi() -> None:
    # ∀ (α : Sort u), α → α  :  Sort (imax (u+1) u)
    t = Pi("α", Sort(U), Pi("a", BVar(0), BVar(1)))
    sort = TypeChecker(ENV).infer(t)
    assert isinstance(sort, Sort)
    assert lv.is_equiv(sort.level, lv.LIMax(lv.LSucc(U), U))
    assert not lv.is_equiv(sort.level, lv.LSucc(U))


def test_infer_elaborated_terms() -> None:
    for text, ty in [
        ("fun (n : Nat) => n + 1", "Nat → Nat"),
        ("∀ n : Nat, n + 0 = n", "Prop"),
        ("List.length [1, 2, 3]", "Nat"),
        ("@Eq.refl Nat 3", "3 = 3"),
        ("fun (p q : Prop) (hp : p) (hq : q) => And.intro hp hq", "∀ (p q : Prop), p → q → p ∧ q"),
    ]:
        e = elab(text)
        inferred = check_expr(ENV, e)
        assert TypeChecker(ENV).is_def_eq(inferred, elab(ty)), text


@pytest.mark.parametrize(
    ("term", "message"),
    [
        (succ(TRUE_B), "application type mismatch"),
        (App(NatLit(1), NatLit(2)), "function expected"),
        (BVar(0), "loose bound variable"),
        (Const("NoSuchThing"), "unknown constant"),
        (Const("List", ()), "expects 1 universe levels"),
        (FVar(987_654), "unknown free variable"),
        (MVar(987_655), "metavariable"),
        (Lam("x", NatLit(3), BVar(0)), "type expected"),
        (Let("x", BOOL, NatLit(2), BVar(0)), "let-value"),
    ],
)
def test_ill_typed_terms_are_rejected(term: Expr, message: str) -> None:
    with pytest.raises(KernelError, match=message):
        TypeChecker(ENV).infer(term)


def test_check_reports_mismatch_and_undeclared_universes() -> None:
    tc = TypeChecker(ENV)
    with pytest.raises(KernelError, match="type mismatch"):
        tc.check(NatLit(1), BOOL)
    strict = TypeChecker(ENV, level_params=["v"])
    with pytest.raises(KernelError, match="undeclared universe parameter 'u'"):
        strict.infer(Sort(U))
    strict.infer(Sort(lv.LParam("v")))


# ---------------------------------------------------------------------------------------------
# whnf
# ---------------------------------------------------------------------------------------------


def test_whnf_beta() -> None:
    tc = TypeChecker(ENV)
    ident = Lam("x", NAT, BVar(0))
    assert tc.whnf(App(ident, NatLit(3))) is NatLit(3)
    # over-application: (fun x => fun y => y) 1 2
    k2 = Lam("x", NAT, Lam("y", NAT, BVar(0)))
    assert tc.whnf(mk_app(k2, NatLit(1), NatLit(2))) is NatLit(2)
    # under-application stops at a lambda
    assert tc.whnf(App(k2, NatLit(1))) is Lam("y", NAT, BVar(0))
    # the head of an application reduces, arguments are not touched
    f = tc.push_local("f", Pi("a", NAT, Pi("b", NAT, NAT)))
    redex = App(ident, NatLit(0))
    assert tc.whnf(mk_app(Lam("g", Pi("a", NAT, Pi("b", NAT, NAT)), BVar(0)), f, redex, redex)) is mk_app(
        f, redex, redex
    )


def test_whnf_delta_and_iota_on_bool() -> None:
    tc = TypeChecker(ENV)
    assert tc.whnf(App(Const("Bool.not"), TRUE_B)) is FALSE_B
    assert tc.whnf(mk_app(Const("Bool.and"), TRUE_B, FALSE_B)) is FALSE_B
    assert tc.whnf(mk_app(Const("Bool.or"), FALSE_B, TRUE_B)) is TRUE_B
    # a stuck definition: unfolded to the stuck recursor application
    b = tc.push_local("b", BOOL)
    stuck = tc.whnf(App(Const("Bool.not"), b))
    head, args = get_app_fn_args(stuck)
    assert head is Const("Bool.rec", (L1,)) and args[-1] is b


def test_whnf_iota_nat_rec() -> None:
    tc = TypeChecker(ENV)
    z = tc.push_local("z", NAT)
    s = tc.push_local("s", Pi("n", NAT, Pi("ih", NAT, NAT)))
    n = tc.push_local("n", NAT)
    motive = Lam("_", NAT, NAT)

    def rec(major: Expr) -> Expr:
        return mk_app(Const("Nat.rec", (L1,)), motive, z, s, major)

    assert tc.whnf(rec(ZERO_C)) is z
    assert tc.whnf(rec(NatLit(0))) is z
    # Nat.rec m z s (succ n)  ⟶  s n (Nat.rec m z s n)
    assert tc.whnf(rec(succ(n))) is mk_app(s, n, rec(n))
    # a literal major premise is read as succ of its predecessor
    assert tc.whnf(rec(NatLit(5))) is mk_app(s, NatLit(4), rec(NatLit(4)))
    # stuck on a variable
    assert tc.whnf(rec(n)) is rec(n)


def test_whnf_iota_list_rec() -> None:
    tc = TypeChecker(ENV)
    list_nat = App(Const("List", (lv.ZERO,)), NAT)
    nil = App(Const("List.nil", (lv.ZERO,)), NAT)
    cons = Const("List.cons", (lv.ZERO,))
    x = tc.push_local("x", NAT)
    xs = tc.push_local("xs", list_nat)
    c = tc.push_local("c", Pi("h", NAT, Pi("t", list_nat, Pi("ih", NAT, NAT))))
    motive = Lam("_", list_nat, NAT)

    def rec(major: Expr) -> Expr:
        return mk_app(Const("List.rec", (L1, lv.ZERO)), NAT, motive, NatLit(0), c, major)

    assert tc.whnf(rec(nil)) is NatLit(0)
    assert tc.whnf(rec(mk_app(cons, NAT, x, xs))) is mk_app(c, x, xs, rec(xs))
    # List.length computes through List.rec and literal addition
    three = mk_app(cons, NAT, NatLit(7), mk_app(cons, NAT, NatLit(8), mk_app(cons, NAT, NatLit(9), nil)))
    assert tc.whnf(mk_app(Const("List.length", (lv.ZERO,)), NAT, three)) is NatLit(3)


def test_whnf_zeta() -> None:
    tc = TypeChecker(ENV)
    assert tc.whnf(Let("x", NAT, NatLit(2), BVar(0))) is NatLit(2)
    e = Let("x", NAT, NatLit(2), Let("y", NAT, succ(BVar(0)), mk_app(Const("Nat.mul"), BVar(0), BVar(1))))
    assert tc.whnf(e) is NatLit(6)
    # a let-bound local variable unfolds to its value
    x = tc.push_local("x", NAT, value=NatLit(9))
    assert tc.whnf(x) is NatLit(9)


# ---------------------------------------------------------------------------------------------
# definitional equality
# ---------------------------------------------------------------------------------------------


def test_def_eq_eta() -> None:
    tc = TypeChecker(ENV)
    f = tc.push_local("f", Pi("a", NAT, NAT))
    g = tc.push_local("g", Pi("a", NAT, NAT))
    eta_f = Lam("x", NAT, App(f, BVar(0)))
    assert tc.is_def_eq(eta_f, f)
    assert tc.is_def_eq(f, eta_f)
    assert not tc.is_def_eq(eta_f, g)
    # two-argument eta
    h = tc.push_local("h", Pi("a", NAT, Pi("b", NAT, NAT)))
    assert tc.is_def_eq(Lam("x", NAT, Lam("y", NAT, mk_app(h, BVar(1), BVar(0)))), h)
    assert not tc.is_def_eq(Lam("x", NAT, Lam("y", NAT, mk_app(h, BVar(0), BVar(1)))), h)


def test_def_eq_proof_irrelevance() -> None:
    tc = TypeChecker(ENV)
    p = tc.push_local("p", PROP)
    q = tc.push_local("q", PROP)
    h1, h2 = tc.push_local("h1", p), tc.push_local("h2", p)
    hq = tc.push_local("hq", q)
    assert tc.is_def_eq(h1, h2)
    assert not tc.is_def_eq(h1, hq)  # proofs of different propositions
    n1, n2 = tc.push_local("n1", NAT), tc.push_local("n2", NAT)
    assert not tc.is_def_eq(n1, n2)  # not for data
    # two different closed proofs of the same equation
    refl = mk_app(Const("Eq.refl", (L1,)), NAT, NatLit(4))
    via_rfl = mk_app(Const("rfl", (L1,)), NAT, mk_app(Const("Nat.add"), NatLit(2), NatLit(2)))
    assert tc.is_def_eq(refl, via_rfl)
    # the propositions themselves are not irrelevant
    assert not tc.is_def_eq(p, q)


def test_def_eq_nat_literals_and_succ() -> None:
    tc = TypeChecker(ENV)
    n = tc.push_local("n", NAT)
    assert tc.is_def_eq(NatLit(0), ZERO_C)
    assert tc.is_def_eq(NatLit(3), unary(3))
    assert tc.is_def_eq(unary(3), NatLit(3))
    assert not tc.is_def_eq(NatLit(3), unary(4))
    assert tc.is_def_eq(succ(NatLit(2)), NatLit(3))
    assert tc.is_def_eq(succ(succ(n)), succ(succ(n)))
    assert not tc.is_def_eq(succ(n), NatLit(3))
    assert tc.is_def_eq(mk_app(Const("Nat.add"), n, NatLit(2)), succ(succ(n)))
    assert not tc.is_def_eq(mk_app(Const("Nat.add"), n, NatLit(2)), mk_app(Const("Nat.add"), n, NatLit(3)))
    assert tc.is_def_eq(NatLit(2**100), mk_app(Const("Nat.pow"), NatLit(2), NatLit(100)))


class CountingChecker(TypeChecker):
    """Counts definition unfoldings per constant (to observe the lazy delta strategy)."""

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.unfolded: dict[str, int] = {}

    def unfold_definition(self, e: Expr) -> Expr | None:
        out = super().unfold_definition(e)
        if out is not None:
            head = get_app_fn_args(e)[0]
            assert isinstance(head, Const)
            self.unfolded[head.name] = self.unfolded.get(head.name, 0) + 1
        return out


@pytest.fixture(scope="module")
def tower_env() -> Environment:
    src = "def f0 (n : Nat) : Nat := n + 1\n" + "\n".join(f"def f{i + 1} (n : Nat) : Nat := f{i} n" for i in range(60))
    src += "\ndef slowId (n : Nat) : Nat := Nat.rec (motive := fun _ => Nat) 0 (fun _ ih => Nat.succ ih) n\n"
    env, results = check_file(src)
    assert all(ok for ok, _ in results.values()), results
    return env


def test_lazy_delta_unfolds_the_higher_definition_first(tower_env: Environment) -> None:
    tc = CountingChecker(tower_env)
    n = tc.push_local("n", NAT)
    assert tc.is_def_eq(App(Const("f60"), n), App(Const("f59"), n))
    # only f60 had to be unfolded (once): f60 n ⟶ f59 n, identical to the other side
    assert tc.unfolded == {"f60": 1}
    tc2 = CountingChecker(tower_env)
    m = tc2.push_local("m", NAT)
    assert tc2.is_def_eq(App(Const("f60"), m), succ(m))
    assert not tc2.is_def_eq(App(Const("f60"), m), succ(succ(m)))


def test_lazy_delta_compares_arguments_before_unfolding(tower_env: Environment) -> None:
    tc = CountingChecker(tower_env)
    n = tc.push_local("n", NAT)
    lhs = App(Const("f30"), mk_app(Const("Nat.add"), n, NatLit(0)))
    rhs = App(Const("f30"), n)
    assert tc.is_def_eq(lhs, rhs)
    assert "f30" not in tc.unfolded and "f29" not in tc.unfolded
    # when arguments differ the definitions are unfolded and still compared correctly
    assert not CountingChecker(tower_env).is_def_eq(App(Const("f30"), n), App(Const("f30"), succ(n)))
    tc3 = CountingChecker(tower_env)
    assert tc3.is_def_eq(App(Const("slowId"), NatLit(40)), NatLit(40))


def test_big_multiplication_by_rfl() -> None:
    src = (
        "theorem bigmul : 123456789 * 987654321 = 121932631112635269 := rfl\n"
        "theorem bigmul_wrong : 123456789 * 987654321 = 121932631112635268 := rfl\n"
    )
    env, results = check_file(src)
    assert results["bigmul"] == (True, "ok")
    assert results["bigmul_wrong"][0] is False
    assert "bigmul" in env and "bigmul_wrong" not in env
    # the same through the kernel API directly
    prod = mk_app(Const("Nat.mul"), NatLit(123456789), NatLit(987654321))
    assert TypeChecker(ENV).whnf(prod) is NatLit(121932631112635269)


# ---------------------------------------------------------------------------------------------
# literal arithmetic agrees with the recursor definitions of the prelude
# ---------------------------------------------------------------------------------------------

NAT_OPS = ["add", "sub", "mul", "div", "mod", "pow", "beq", "ble"]
PRELUDE_ORDER = ["pred", "add", "sub", "mul", "pow", "beq", "ble", "div", "mod"]  # dependency order


@pytest.fixture(scope="module")
def slow_env() -> Environment:
    """Copies of the prelude's Nat definitions under the names ``Slow.*``.

    The kernel's literal fast path is keyed on the names ``Nat.add`` …, so it never fires for the
    copies: evaluating them goes through delta and ``Nat.rec`` iota only."""
    text = prelude_text()
    blocks = []
    for op in PRELUDE_ORDER:
        m = re.search(rf"^def Nat\.{op} .*?(?=\n\n)", text, re.M | re.S)
        assert m is not None, op
        blocks.append(m.group(0))
    src = re.sub(r"\bNat\.(pred|add|sub|mul|pow|beq|ble|div|mod)\b", r"Slow.\1", "\n\n".join(blocks))
    env, results = check_file(src)
    assert set(results) == {f"Slow.{op}" for op in PRELUDE_ORDER}
    assert all(ok for ok, _ in results.values()), results
    return env


def decode(tc: TypeChecker, e: Expr) -> int | bool:
    """Read a closed Nat or Bool value off repeated whnf (Nat.succ chains or literals)."""
    n = 0
    while True:
        w = tc.whnf(e)
        if isinstance(w, NatLit):
            return n + w.value
        if w is ZERO_C:
            return n
        if w is TRUE_B or w is FALSE_B:
            assert n == 0
            return w is TRUE_B
        head, args = get_app_fn_args(w)
        assert head is SUCC and len(args) == 1, f"stuck: {w!r}"
        n += 1
        e = args[0]


def reference(op: str, a: int, b: int) -> int | bool:
    return {
        "add": a + b,
        "sub": max(a - b, 0),
        "mul": a * b,
        "div": a // b if b else 0,
        "mod": a % b if b else a,
        "pow": a**b,
        "beq": a == b,
        "ble": a <= b,
    }[op]


small_args = {
    "add": st.integers(0, 12),
    "sub": st.integers(0, 12),
    "mul": st.integers(0, 7),
    "div": st.integers(0, 14),
    "mod": st.integers(0, 14),
    "pow": st.integers(0, 3),
    "beq": st.integers(0, 10),
    "ble": st.integers(0, 10),
}


@pytest.mark.parametrize("op", NAT_OPS)
@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_literal_fast_path_agrees_with_definition(slow_env: Environment, op: str, data: st.DataObject) -> None:
    a = data.draw(small_args[op], label="a")
    b = data.draw(small_args[op], label="b")
    fast = TypeChecker(slow_env).whnf(mk_app(Const(f"Nat.{op}"), NatLit(a), NatLit(b)))
    # the fast path answers in one step with a literal (or a Bool constructor)
    expected = reference(op, a, b)
    if isinstance(expected, bool):
        assert fast is (TRUE_B if expected else FALSE_B)
    else:
        assert fast is NatLit(expected)
    # the definition, run by unfolding on unary numerals, computes the same value
    slow_tc = TypeChecker(slow_env)
    slow = run_deep(decode, slow_tc, mk_app(Const(f"Slow.{op}"), unary(a), unary(b)))
    assert slow == expected
    # and the kernel agrees that both sides are definitionally equal
    assert TypeChecker(slow_env).is_def_eq(
        mk_app(Const(f"Nat.{op}"), NatLit(a), NatLit(b)), mk_app(Const(f"Slow.{op}"), unary(a), unary(b))
    )


BOGUS_ADD = """
inductive Eq {α : Sort u} : α → α → Prop where
  | refl (a : α) : Eq a a
inductive False : Prop
inductive Nat : Type where
  | zero : Nat
  | succ (n : Nat) : Nat
def Nat.add (n m : Nat) : Nat := n
theorem fast : Eq (Nat.add 2 3) 5 := Eq.refl 5
theorem slow : Eq Nat.add (fun (n m : Nat) => n) := Eq.refl Nat.add
theorem two_eq_five : Eq 2 5 := Eq.rec (motive := fun f _ => Eq (f 2 3) 5) fast slow
def isTwo (n : Nat) : Prop :=
  Nat.rec (motive := fun _ => Prop) False (fun k _ => Nat.rec (motive := fun _ => Prop) False
    (fun j _ => Nat.rec (motive := fun _ => Prop) (Eq 0 0) (fun _ _ => False) j) k) n
theorem boom : False := Eq.rec (motive := fun k _ => isTwo k) (Eq.refl 0) two_eq_five
"""


def test_literal_fast_path_only_for_the_standard_definitions() -> None:
    env, results = check_file(BOGUS_ADD, Environment())
    assert results["slow"][0]  # Nat.add really is fun n m => n
    tc = TypeChecker(env)
    assert tc.whnf(mk_app(Const("Nat.add"), NatLit(2), NatLit(3))) is NatLit(2)
    assert not results["boom"][0] and "boom" not in env


def test_literal_fast_path_on_large_numbers() -> None:
    tc = TypeChecker(ENV)
    big = 2**200 + 12345
    assert tc.whnf(mk_app(Const("Nat.div"), NatLit(big), NatLit(0))) is NatLit(0)
    assert tc.whnf(mk_app(Const("Nat.mod"), NatLit(big), NatLit(0))) is NatLit(big)
    assert tc.whnf(mk_app(Const("Nat.sub"), NatLit(3), NatLit(big))) is NatLit(0)
    assert tc.whnf(mk_app(Const("Nat.mod"), NatLit(big), NatLit(1000))) is NatLit(big % 1000)
    assert tc.whnf(mk_app(Const("Nat.beq"), NatLit(big), NatLit(big))) is TRUE_B
    assert tc.whnf(mk_app(Const("Nat.ble"), NatLit(big), NatLit(big - 1))) is FALSE_B
    # through the notation classes as well
    assert tc.whnf(elab("2 * 3 + 4")) is NatLit(10)
    # operands that reduce to literals
    assert tc.whnf(mk_app(Const("Nat.add"), unary(3), mk_app(Const("Nat.mul"), NatLit(2), NatLit(5)))) is NatLit(13)


# ---------------------------------------------------------------------------------------------
# K-like reduction
# ---------------------------------------------------------------------------------------------


def test_k_like_reduction_for_eq() -> None:
    tc = TypeChecker(ENV)
    h = tc.push_local("h", eq(NAT, NatLit(3), NatLit(3)))  # a proof that is not syntactically refl
    motive = Lam("x", NAT, Lam("t", eq(NAT, NatLit(3), BVar(0)), NAT))

    def rec(index: Expr, major: Expr) -> Expr:
        return mk_app(Const("Eq.rec", (L1, L1)), NAT, NatLit(3), motive, NatLit(7), index, major)

    assert tc.whnf(rec(NatLit(3), h)) is NatLit(7)
    # indices that are only definitionally equal are fine too
    h2 = tc.push_local("h2", eq(NAT, NatLit(3), mk_app(Const("Nat.add"), NatLit(1), NatLit(2))))
    assert tc.whnf(rec(mk_app(Const("Nat.add"), NatLit(1), NatLit(2)), h2)) is NatLit(7)
    # no reduction when the equation is not reflexive (a hypothetical h : 3 = 4)
    bad = tc.push_local("bad", eq(NAT, NatLit(3), NatLit(4)))
    assert tc.whnf(rec(NatLit(4), bad)) is rec(NatLit(4), bad)
    # True is K-like as well
    t = tc.push_local("t", Const("True"))
    true_rec = mk_app(Const("True.rec", (L1,)), Lam("_", Const("True"), NAT), NatLit(5), t)
    assert tc.whnf(true_rec) is NatLit(5)
    # And is not: a variable proof of a ∧ b does not reduce And.rec
    p = tc.push_local("p", PROP)
    hand = tc.push_local("hand", mk_app(Const("And"), p, p))
    and_rec = mk_app(
        Const("And.rec", (L1,)),
        p,
        p,
        Lam("_", mk_app(Const("And"), p, p), NAT),
        Lam("l", p, Lam("r", p, NatLit(1))),
        hand,
    )
    assert tc.whnf(and_rec) is and_rec


def test_k_like_reduction_through_elaborated_cast() -> None:
    # cast along a variable proof of Nat = Nat computes
    env, results = check_file("def castNat (h : Nat = Nat) (n : Nat) : Nat := cast h n\n")
    assert results["castNat"][0], results
    tc = TypeChecker(env)
    h = tc.push_local("h", eq(Sort(L1), NAT, NAT, lv.level_of_int(2)))
    assert tc.whnf(mk_app(Const("castNat"), h, NatLit(11))) is NatLit(11)


# ---------------------------------------------------------------------------------------------
# add_decl: the only way into an environment
# ---------------------------------------------------------------------------------------------


def test_add_decl_admits_and_rejects() -> None:
    env = add_decl(ENV, DefinitionDecl("two", (), NAT, NatLit(2)))
    assert isinstance(env.find("two"), DefinitionInfo)
    assert "two" not in ENV  # environments are persistent
    assert TypeChecker(env).whnf(mk_app(Const("Nat.add"), Const("two"), Const("two"))) is NatLit(4)
    cases = [
        (DefinitionDecl("two", (), NAT, NatLit(2)), "already been declared"),
        (DefinitionDecl("bad", (), NAT, TRUE_B), "declared to have type"),
        (DefinitionDecl("loop", (), NAT, succ(Const("loop"))), "unknown constant|refers to itself"),
        (TheoremDecl("thm", (), NAT, NatLit(1)), "not a proposition"),
        (AxiomDecl("ax", (), App(Const("P"), NatLit(0))), "unknown constant"),
        (AxiomDecl("ax", (), MVar(555_001)), "metavariable"),
        (AxiomDecl("ax", (), FVar(555_002)), "free variable"),
        (AxiomDecl("ax", (), BVar(0)), "loose bound variable"),
        (AxiomDecl("ax", ("u", "u"), Sort(U)), "duplicate universe parameter"),
        (AxiomDecl("ax", (), Sort(U)), "undeclared universe parameter"),
        (AxiomDecl("ax", (), NatLit(3)), "type expected"),
    ]
    for decl, message in cases:
        with pytest.raises(KernelError, match=message):
            add_decl(env, decl)
    # a theorem whose proof has the wrong type
    with pytest.raises(KernelError):
        add_decl(
            env, TheoremDecl("t", (), eq(NAT, NatLit(1), NatLit(2)), mk_app(Const("Eq.refl", (L1,)), NAT, NatLit(1)))
        )
    ok = add_decl(
        env, TheoremDecl("t", (), eq(NAT, Const("two"), NatLit(2)), mk_app(Const("Eq.refl", (L1,)), NAT, NatLit(2)))
    )
    assert isinstance(ok.find("t"), TheoremInfo)


def test_structure_eta() -> None:
    src = """
theorem eta1 (p : Prod Nat Bool) : Prod.mk p.1 p.2 = p := rfl
theorem eta2 (p : Prod Nat Bool) : p = Prod.mk p.1 p.2 := rfl
theorem eta3 (p q : Prop) (h : p ∧ q) : And.intro h.1 h.2 = h := rfl
theorem swapped (p : Prod Nat Nat) : Prod.mk p.2 p.1 = p := rfl
"""
    _, results = check_file(src, ENV)
    assert results["eta1"][0] and results["eta2"][0] and results["eta3"][0]
    assert not results["swapped"][0]


# ---------------------------------------------------------------------------------------------
# regressions found by the soundness review
# ---------------------------------------------------------------------------------------------


def test_literals_must_be_python_ints() -> None:
    # a float literal would let `Nat.ble 0.5 0` and `Nat.ble 1 0.5` both be false: False follows
    for bad in (0.5, 2.0**60, True):
        with pytest.raises(TypeError):
            NatLit(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        NatLit(-1)


def test_environment_constants_are_read_only() -> None:
    with pytest.raises(TypeError):
        ENV.constants()["cheat"] = ENV.find("True.intro")  # type: ignore[index]


def test_prop_recognised_up_to_level_equivalence() -> None:
    src = """
inductive PP.{u, v} : Sort (max u v) where
  | mk : PP
theorem t : PP.{0, 0} := PP.mk
theorem irrelevant (a b : PP.{0, 0}) : a = b := rfl
"""
    _, results = check_file(src, ENV)
    assert results["t"][0], results["t"]
    assert results["irrelevant"][0], results["irrelevant"]


def test_structure_eta_with_a_field_type_that_reduces() -> None:
    src = """
inductive S : Type where
  | mk (h : True) (n : True.rec (motive := fun _ => Type) Nat h) : S
theorem eta (x : S) :
    S.mk (S.rec (motive := fun _ => True) (fun h _ => h) x) (S.rec (motive := fun _ => Nat) (fun _ n => n) x) = x :=
  rfl
"""
    _, results = check_file(src, ENV)
    assert results["eta"][0], results["eta"]


def test_literal_arithmetic_refuses_gigantic_results() -> None:
    src = "theorem big : Nat.pow (Nat.pow 2 16777216) 16777216 = 0 := rfl\n"
    _, results = check_file(src, ENV)
    assert not results["big"][0] and "literal arithmetic limit" in results["big"][1]


def test_level_comparison_with_many_imax_atoms_is_fast() -> None:
    n = 24
    a = [lv.LParam(f"a{i}") for i in range(n)]
    b = [lv.LParam(f"b{i}") for i in range(n)]
    r = lv.LMax(lv.ONE, lv.LParam("r"))
    lhs: lv.Level = r
    rhs: lv.Level = r
    for i in reversed(range(n)):
        lhs = lv.LIMax(lv.LIMax(a[i], b[i]), lhs)
        rhs = lv.LMax(rhs, lv.LMax(a[i], b[i]))
    assert lv.is_leq(lhs, rhs)


def test_add_decl_handles_deep_terms_without_recursion_error() -> None:
    term: Expr = Const("Nat.zero")
    for _ in range(20_000):
        term = App(Const("Nat.succ"), term)
    env = add_decl(ENV, DefinitionDecl("deep_succ", (), Const("Nat"), term))
    assert "deep_succ" in env
