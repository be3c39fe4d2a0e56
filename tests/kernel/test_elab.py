"""The elaborator: implicit arguments, instances, anonymous constructors, dot notation, projections,
named arguments, eliminator motives, and located errors.  Every elaborated term is re-checked by
the kernel."""

from __future__ import annotations

import pytest

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.elab import Elaborator, elaborate_closed
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import ElabError, ParseError, TacticMeshError
from tactic_mesh.kernel.expr import (
    PROP,
    App,
    BinderInfo,
    BVar,
    Const,
    Expr,
    Lam,
    NatLit,
    Pi,
    Sort,
    get_app_fn_args,
    mk_app,
    subterms,
)
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.printer import print_expr
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.kernel.typechecker import TypeChecker, check_expr

ENV = prelude()
Z = lv.ZERO
L1 = lv.ONE
NAT = Const("Nat")
BOOL = Const("Bool")
LIST_NAT = App(Const("List", (Z,)), NAT)


def elab(text: str, env: Environment = ENV, expected: str | None = None) -> Expr:
    exp = None if expected is None else elaborate_closed(env, parse_term(expected))[0]
    e, ty = elaborate_closed(env, parse_term(text), exp)
    # the kernel accepts every elaborated term, at the type the elaborator computed
    assert TypeChecker(env).is_def_eq(check_expr(env, e), ty)
    return e


def elab_error(text: str, env: Environment = ENV) -> TacticMeshError:
    with pytest.raises(TacticMeshError) as info:
        elaborate_closed(env, parse_term(text))
    return info.value


def lits(*ns: int) -> Expr:
    out: Expr = App(Const("List.nil", (Z,)), NAT)
    for n in reversed(ns):
        out = mk_app(Const("List.cons", (Z,)), NAT, NatLit(n), out)
    return out


def check_file(src: str, env: Environment = ENV) -> tuple[Environment, dict[str, tuple[bool, str, str]]]:
    fc = FileChecker(env)
    results = fc.check_text(src, "test.tm")
    return fc.env, {r.name: (r.ok, r.message, str(r.loc)) for r in results}


# ---------------------------------------------------------------------------------------------
# implicit arguments
# ---------------------------------------------------------------------------------------------


def test_implicit_arguments_are_inserted() -> None:
    assert elab("List.length [1, 2]") is mk_app(Const("List.length", (Z,)), NAT, lits(1, 2))
    assert elab("Eq.refl 3") is mk_app(Const("Eq.refl", (L1,)), NAT, NatLit(3))
    assert elab("@Eq.refl Nat 3") is elab("Eq.refl 3")
    assert elab("@List.length Nat []") is mk_app(Const("List.length", (Z,)), NAT, lits())
    # an implicit argument determined by the expected type only
    assert elab("List.nil", expected="List Bool") is App(Const("List.nil", (Z,)), BOOL)
    assert elab("rfl", expected="2 + 2 = 4") is mk_app(
        Const("rfl", (L1,)), NAT, mk_app(Const("Add.add", (Z,)), NAT, Const("instAddNat"), NatLit(2), NatLit(2))
    )
    # universe levels are solved as well
    e = elab("fun (α : Type) (xs : List α) => List.length xs")
    assert Const("List.length", (Z,)) in set(subterms(e))


def test_implicit_lambda_binders() -> None:
    e = elab("fun {α : Type} (x : α) => x")
    assert e is Lam("α", Sort(L1), Lam("x", BVar(0), BVar(0)), BinderInfo.IMPLICIT)
    ty = check_expr(ENV, e)
    assert isinstance(ty, Pi) and ty.bi is BinderInfo.IMPLICIT


def test_unsolved_implicit_is_an_error() -> None:
    err = elab_error("Eq.refl")
    assert isinstance(err, ElabError) and "unsolved metavariables" in err.message


# ---------------------------------------------------------------------------------------------
# instances
# ---------------------------------------------------------------------------------------------


def test_instance_search_for_notation() -> None:
    assert elab("1 + 2") is mk_app(Const("Add.add", (Z,)), NAT, Const("instAddNat"), NatLit(1), NatLit(2))
    assert elab("2 * 3 ≤ 7") is mk_app(
        Const("LE.le", (Z,)),
        NAT,
        Const("instLENat"),
        mk_app(Const("Mul.mul", (Z,)), NAT, Const("instMulNat"), NatLit(2), NatLit(3)),
        NatLit(7),
    )
    assert elab("[1] ++ [2]") is mk_app(
        Const("Append.append", (Z,)), LIST_NAT, App(Const("instAppendList", (Z,)), NAT), lits(1), lits(2)
    )
    # Append (List α) for a variable α
    e = elab("fun (α : Type) (xs : List α) => xs ++ xs")
    inst = App(Const("instAppendList", (Z,)), BVar(1))
    assert inst in set(subterms(e))
    assert TypeChecker(ENV).whnf(elab("List.length ([1, 2] ++ [3])")) is NatLit(3)


def test_local_instance() -> None:
    e = elab("fun {α : Type} [inst : Magma α] (x y : α) => x ◇ y")
    body = Lam("x", BVar(1), Lam("y", BVar(2), mk_app(Const("Magma.op", (Z,)), BVar(3), BVar(2), BVar(1), BVar(0))))
    assert e is Lam(
        "α",
        Sort(L1),
        Lam("inst", App(Const("Magma", (Z,)), BVar(0)), body, BinderInfo.INST_IMPLICIT),
        BinderInfo.IMPLICIT,
    )
    # a local instance wins over the global one
    e2 = elab("fun [inst : Add Nat] (x : Nat) => x + x")
    assert mk_app(Const("Add.add", (Z,)), NAT, BVar(1), BVar(0), BVar(0)) in set(subterms(e2))


def test_instance_search_with_instance_arguments() -> None:
    env, results = check_file(
        "instance instMagmaNat : Magma Nat := ⟨Nat.add⟩\n"
        "instance instMagmaProd {α β : Type} [Magma α] [Magma β] : Magma (Prod α β) :=\n"
        "  ⟨fun x y => ⟨x.1 ◇ y.1, x.2 ◇ y.2⟩⟩\n"
        "def pm (x y : Prod Nat Nat) : Prod Nat Nat := x ◇ y\n"
    )
    assert all(ok for ok, _, _ in results.values()), results
    nested = mk_app(Const("instMagmaProd"), NAT, NAT, Const("instMagmaNat"), Const("instMagmaNat"))
    assert nested in set(subterms(env.find("pm").value))  # type: ignore[union-attr]
    # and it computes: (1, 2) ◇ (10, 20) = (11, 22)
    tc = TypeChecker(env)
    fst = elab("Prod.snd (pm (Prod.mk 1 2) (Prod.mk 10 20))", env)
    assert tc.whnf(fst) is NatLit(22)


def test_failed_instance_is_a_located_error() -> None:
    err = elab_error("fun (x : Bool) => x + x")
    assert isinstance(err, ElabError)
    assert "failed to synthesize instance Add Bool" in err.message
    assert err.loc is not None and (err.loc.line, err.loc.col) == (1, 21)


# ---------------------------------------------------------------------------------------------
# anonymous constructors
# ---------------------------------------------------------------------------------------------


def test_anonymous_constructor_and_flattening() -> None:
    e = elab("(⟨2, rfl, rfl⟩ : ∃ x : Nat, x = 2 ∧ 2 = x)")
    head, args = get_app_fn_args(e)
    assert head is Const("Exists.intro", (L1,))
    assert args[0] is NAT and args[2] is NatLit(2)
    inner_head, inner_args = get_app_fn_args(args[3])
    assert inner_head is Const("And.intro")
    refl2 = mk_app(Const("rfl", (L1,)), NAT, NatLit(2))
    assert inner_args[2:] == [refl2, refl2]
    # ⟨a, b⟩ for a conjunction and nested structures
    e2 = elab("fun (p q : Prop) (hp : p) (hq : q) => (⟨hp, hq⟩ : p ∧ q)")
    assert mk_app(Const("And.intro"), BVar(3), BVar(2), BVar(1), BVar(0)) in set(subterms(e2))
    e3 = elab("(⟨1, True.intro, Nat.le_refl 2⟩ : ∃ x : Nat, True ∧ x + 1 ≤ 2)")
    assert get_app_fn_args(e3)[0] is Const("Exists.intro", (L1,))
    # a proposition with no explicit fields
    assert elab("(⟨⟩ : True)") is Const("True.intro")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("⟨1, 2⟩", "expected type is not known"),
        ("(⟨1, 2⟩ : Nat)", "'Nat' has 2 constructors"),
        ("(⟨rfl⟩ : 1 = 1 ∧ 2 = 2)", "needs 2 components, got 1"),
    ],
)
def test_anonymous_constructor_errors(text: str, message: str) -> None:
    err = elab_error(text)
    assert message in err.message
    assert err.loc is not None and err.loc.line == 1


# ---------------------------------------------------------------------------------------------
# dot notation and projections
# ---------------------------------------------------------------------------------------------


def test_dot_notation() -> None:
    length_of = Lam("l", LIST_NAT, mk_app(Const("List.length", (Z,)), NAT, BVar(0)))
    assert elab("fun (l : List Nat) => l.length") is length_of
    e = elab("fun (l : List Nat) => (l ++ l).length")
    assert get_app_fn_args(e.body)[0] is Const("List.length", (Z,))  # type: ignore[attr-defined]
    # chained: l.reverse.length
    e2 = elab("fun (l : List Nat) => l.reverse.length")
    assert e2 is Lam(
        "l", LIST_NAT, mk_app(Const("List.length", (Z,)), NAT, mk_app(Const("List.reverse", (Z,)), NAT, BVar(0)))
    )
    assert TypeChecker(ENV).whnf(elab("[1, 2, 3].length")) is NatLit(3)
    assert TypeChecker(ENV).whnf(elab("(fun (l : List Nat) => l.length) [4, 5, 6]")) is NatLit(3)


def test_projections() -> None:
    e = elab("fun (p q : Prop) (h : p ∧ q) => (⟨h.2, h.1⟩ : q ∧ p)")
    h = BVar(0)
    assert mk_app(Const("And.right"), BVar(2), BVar(1), h) in set(subterms(e))
    assert mk_app(Const("And.left"), BVar(2), BVar(1), h) in set(subterms(e))
    prod = mk_app(Const("Prod", (Z, Z)), NAT, BOOL)
    assert elab("fun (x : Prod Nat Bool) => x.1") is Lam(
        "x", prod, mk_app(Const("Prod.fst", (Z, Z)), NAT, BOOL, BVar(0))
    )
    assert elab("fun (x : Prod Nat Bool) => x.2") is elab("fun (x : Prod Nat Bool) => x.snd")
    assert TypeChecker(ENV).whnf(elab("(Prod.mk 3 Bool.true).1")) is NatLit(3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fun (p : Prop) (h : p) => h.1", "not an inductive type"),
        ("fun (x : Prod Nat Nat) => x.3", "has 2 fields"),
        ("fun (n : Nat) => n.1", "not a structure"),
        ("fun (l : List Nat) => l.size", "unknown constant 'List.size'"),
    ],
)
def test_projection_errors(text: str, message: str) -> None:
    err = elab_error(text)
    assert message in err.message
    assert err.loc is not None


# ---------------------------------------------------------------------------------------------
# named arguments and eliminators
# ---------------------------------------------------------------------------------------------


def test_named_arguments() -> None:
    e = elab("Nat.rec (motive := fun _ => Nat) 0 (fun _ ih => ih + 2) 3")
    head, args = get_app_fn_args(e)
    assert head is Const("Nat.rec", (L1,))
    assert args[0] is Lam("_", NAT, NAT)
    assert TypeChecker(ENV).whnf(e) is NatLit(6)
    # named implicit and explicit arguments
    assert elab("List.length (α := Nat) []") is elab("@List.length Nat []")
    assert elab("Nat.le_refl (n := 3)") is App(Const("Nat.le_refl"), NatLit(3))
    assert elab("Eq.refl (a := 3)") is elab("Eq.refl 3")
    err = elab_error("Nat.succ (foo := 1)")
    assert "named argument 'foo'" in err.message


def test_eliminator_motive_inference() -> None:
    env, results = check_file(
        "theorem zero_add' (n : Nat) : 0 + n = n := Nat.rec rfl (fun k ih => congrArg Nat.succ ih) n\n"
        "theorem symm' {a b : Nat} (h : a = b) : b = a := Eq.rec rfl h\n"
        "theorem len_append (xs : List Nat) : List.length (xs ++ []) = List.length xs :=\n"
        "  List.rec rfl (fun x t ih => congrArg (fun n => n + 1) ih) xs\n"
    )
    assert {name: ok for name, (ok, _, _) in results.items()} == {
        "zero_add'": True,
        "symm'": True,
        "len_append": True,
    }, results
    value = env.find("zero_add'").value  # type: ignore[union-attr]
    motive = get_app_fn_args(value.body)[1][0]
    add0 = mk_app(Const("Add.add", (Z,)), NAT, Const("instAddNat"), NatLit(0), BVar(0))
    assert motive is Lam("t", NAT, mk_app(Const("Eq", (L1,)), NAT, add0, BVar(0)))
    symm = env.find("symm'").value  # type: ignore[union-attr]
    assert "fun (a_1 : Nat) (t : a = a_1) => a_1 = a" in print_expr(symm, env)


# ---------------------------------------------------------------------------------------------
# errors carry positions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "message", "pos"),
    [
        ("foo + 1", ElabError, "unknown identifier 'foo'", (1, 1)),
        ("fun (x : Nat) =>\n  x + y", ElabError, "unknown identifier 'y'", (2, 7)),
        ("(1 : Bool)", ElabError, "type mismatch", (1, 2)),
        ("Nat.succ 1 2", ElabError, "function expected", (1, 12)),
        ("(fun x => x", ParseError, "unexpected end of input", (1, 12)),  # just after the last character
        ("fun (x : Nat) => x +", ParseError, "", (1, 21)),  # just after the last character
        ("List.length (List.cons 1 2)", ElabError, "", (1, 26)),
    ],
)
def test_errors_have_positions(text: str, kind: type[TacticMeshError], message: str, pos: tuple[int, int]) -> None:
    err = elab_error(text)
    assert isinstance(err, kind)
    assert message in err.message
    assert err.loc is not None
    assert (err.loc.line, err.loc.col) == pos, str(err)
    assert str(err).startswith(f"<term>:{pos[0]}:{pos[1]}:")


def test_file_errors_have_positions() -> None:
    src = (
        "theorem ok1 : 1 + 1 = 2 := rfl\n"
        "theorem bad1 : 1 = 2 := rfl\n"
        "def bad2 : Nat := foo\n"
        "theorem bad3 : True := by trivial\n"
        "def ok2 (n : Nat) : Nat := n * n\n"
    )
    env, results = check_file(src)
    assert results["ok1"][0] and results["ok2"][0]
    assert results["bad1"][0] is False and results["bad1"][2] == "test.tm:2:25"
    assert results["bad2"] == (False, "unknown identifier 'foo'", "test.tm:3:19")
    assert results["bad3"][0] is False and "by" in results["bad3"][1] and results["bad3"][2].startswith("test.tm:4:")
    # a failed declaration does not stop the next one, and is not added
    assert "ok2" in env and "bad1" not in env


@pytest.mark.parametrize(
    ("text", "pos"),
    [
        ("(⟨⟩ : Nat)", (1, 2)),
        ("fun (x : Nat) => ⟨⟩", (1, 18)),
        ("([] : Nat)", (1, 2)),
        ("(⟨\n  1, 2⟩ : Nat)", (1, 2)),
    ],
)
def test_bracket_errors_are_located_at_the_bracket(text: str, pos: tuple[int, int]) -> None:
    err = elab_error(text)
    assert err.loc is not None
    assert (err.loc.line, err.loc.col) == pos


def test_explicit_exists_intro_with_predicate() -> None:
    e = elab("@Exists.intro Nat (fun (x : Nat) => x = 2) 2 rfl")
    assert get_app_fn_args(e)[0] is Const("Exists.intro", (L1,))
    e2 = elab("@Exists.intro Nat (fun (x : Nat) => True) 3 True.intro")
    assert get_app_fn_args(e2)[1][1] is Lam("x", NAT, Const("True"))


def test_universe_constraints_are_postponed() -> None:
    e = elab("fun (f : Nat → Nat) (h : f = f) => congrFun h 0")
    assert get_app_fn_args(e.body.body)[0] is Const("congrFun", (L1, L1))  # type: ignore[attr-defined]
    elab("fun (f g : Nat → Nat) (h : f = g) => congrFun (β := fun _ => Nat) h 0")


def test_elaborator_api_with_local_context() -> None:
    el = Elaborator(ENV)
    x = el.push_local("x", NAT)
    e = el.elab(parse_term("x + 1"), NAT)
    el.synthesize_pending()
    assert el.instantiate(e) is mk_app(Const("Add.add", (Z,)), NAT, Const("instAddNat"), x, NatLit(1))
    # a sort is a type
    assert el.elab_type(parse_term("Nat → Prop")) is Pi("a", NAT, PROP)
