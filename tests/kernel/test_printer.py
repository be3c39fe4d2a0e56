"""The printer is faithful: elaborating its output gives back the very same ``Expr``.

The property test generates well-typed kernel expressions over the prelude directly with kernel
constructors (propositions and terms over Nat, Bool, List Nat and Prop with ∀/∃/fun binders,
∧ ∨ ¬ → ↔ = ≠ + * ≤ <, numerals, list literals, ``++``, prelude functions, proofs built from
constructors with implicit arguments), prints them with ``print_expr`` and elaborates the text
back with ``elaborate_closed``; the result must be identical (``is``) to the original.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.environment import TheoremInfo
from tactic_mesh.kernel.expr import (
    PROP,
    App,
    BinderInfo,
    Binding,
    BVar,
    Const,
    Expr,
    Lam,
    Let,
    NatLit,
    Pi,
    Sort,
    alpha_equiv,
    get_app_fn_args,
    has_loose_bvar,
    lift_loose_bvars,
    mk_app,
)
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.printer import ARROW_BINDER, print_expr
from tactic_mesh.kernel.roundtrip import print_roundtrip, reparse
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.kernel.typechecker import TypeChecker, check_expr

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

ENV = prelude()
Z = lv.ZERO
L1 = lv.ONE
NAT = Const("Nat")
BOOL = Const("Bool")
LIST_NAT = App(Const("List", (Z,)), NAT)
NAT_FN = Pi(ARROW_BINDER, NAT, NAT)
TYPES: dict[str, Expr] = {"nat": NAT, "bool": BOOL, "list": LIST_NAT, "prop": PROP, "fn": NAT_FN}


def add(a: Expr, b: Expr) -> Expr:
    return mk_app(Const("Add.add", (Z,)), NAT, Const("instAddNat"), a, b)


def mul(a: Expr, b: Expr) -> Expr:
    return mk_app(Const("Mul.mul", (Z,)), NAT, Const("instMulNat"), a, b)


def sub(a: Expr, b: Expr) -> Expr:
    return mk_app(Const("Sub.sub", (Z,)), NAT, Const("instSubNat"), a, b)


def le(a: Expr, b: Expr) -> Expr:
    return mk_app(Const("LE.le", (Z,)), NAT, Const("instLENat"), a, b)


def lt(a: Expr, b: Expr) -> Expr:
    return mk_app(Const("LT.lt", (Z,)), NAT, Const("instLTNat"), a, b)


def append(a: Expr, b: Expr) -> Expr:
    return mk_app(Const("Append.append", (Z,)), LIST_NAT, App(Const("instAppendList", (Z,)), NAT), a, b)


def cons(x: Expr, xs: Expr) -> Expr:
    return mk_app(Const("List.cons", (Z,)), NAT, x, xs)


NIL = App(Const("List.nil", (Z,)), NAT)


def eq(ty: Expr, a: Expr, b: Expr) -> Expr:
    return mk_app(Const("Eq", (L1,)), ty, a, b)


def ne(ty: Expr, a: Expr, b: Expr) -> Expr:
    return mk_app(Const("Ne", (L1,)), ty, a, b)


# ---------------------------------------------------------------------------------------------
# a generator of well-typed expressions
# ---------------------------------------------------------------------------------------------

NAMES = ["x", "y", "n", "m", "l", "p", "q", "h", "b", "k", "a"]
Scope = tuple[tuple[str, str], ...]  # (binder name, type tag), innermost last


class Gen:
    """Draws typed expressions; ``fuel`` bounds the size of each term."""

    def __init__(self, draw: Callable[..., object], fuel: int, shadow: bool = False, with_exists: bool = False) -> None:
        self.draw = draw
        self.fuel = fuel
        self.shadow = shadow  # prefer re-using names already in scope (to provoke renaming)
        self.with_exists = with_exists  # also build proofs of existentials (Exists.intro)

    def pick(self, options: list[Callable[[], Expr]]) -> Expr:
        return options[self.draw(st.integers(0, len(options) - 1))]()  # type: ignore[no-any-return]

    def small(self) -> bool:
        self.fuel -= 1
        return self.fuel <= 0

    def var(self, scope: Scope, tag: str) -> list[Callable[[], Expr]]:
        idxs = [len(scope) - 1 - i for i, (_, t) in enumerate(scope) if t == tag]
        if not idxs:
            return []
        return [lambda: BVar(self.draw(st.sampled_from(idxs)))]  # type: ignore[arg-type]

    def name(self, scope: Scope) -> str:
        used = [n for n, _ in scope if n != "_"]
        if self.shadow and used and self.draw(st.integers(0, 3)) > 0:
            return self.draw(st.sampled_from(used))  # type: ignore[return-value]
        return self.draw(st.sampled_from(NAMES))  # type: ignore[return-value]

    def binder_type(self) -> str:
        return self.draw(st.sampled_from(["nat", "nat", "bool", "list", "prop", "fn"]))  # type: ignore[return-value]

    # -- data --------------------------------------------------------------------------------

    def nat(self, scope: Scope) -> Expr:
        leaves = [lambda: NatLit(self.draw(st.sampled_from([0, 1, 2, 3, 7, 10, 42, 10**20])))]
        leaves += self.var(scope, "nat")
        if self.small():
            return self.pick(leaves)
        fn_vars = self.var(scope, "fn")
        apply_fn = [lambda: App(fn_vars[0](), self.nat(scope))] if fn_vars else []
        return self.pick(
            [
                *leaves,
                *apply_fn,
                lambda: add(self.nat(scope), self.nat(scope)),
                lambda: mul(self.nat(scope), self.nat(scope)),
                lambda: sub(self.nat(scope), self.nat(scope)),
                lambda: App(Const("Nat.succ"), self.nat(scope)),
                lambda: mk_app(Const("List.length", (Z,)), NAT, self.list(scope)),
                lambda: self.beta_redex(scope),
                lambda: self.let(scope),
            ]
        )

    def beta_redex(self, scope: Scope) -> Expr:
        name = self.name(scope)
        return App(Lam(name, NAT, self.nat((*scope, (name, "nat")))), self.nat(scope))

    def let(self, scope: Scope) -> Expr:
        name = self.name(scope)
        value = self.nat(scope)
        return Let(name, NAT, value, self.nat((*scope, (name, "nat"))))

    def bool(self, scope: Scope) -> Expr:
        leaves = [lambda: Const("Bool.true"), lambda: Const("Bool.false"), *self.var(scope, "bool")]
        if self.small():
            return self.pick(leaves)
        return self.pick(
            [
                *leaves,
                lambda: App(Const("Bool.not"), self.bool(scope)),
                lambda: mk_app(Const("Bool.and"), self.bool(scope), self.bool(scope)),
                lambda: mk_app(Const("Nat.beq"), self.nat(scope), self.nat(scope)),
            ]
        )

    def list(self, scope: Scope) -> Expr:
        leaves = [lambda: NIL, lambda: self.literal(scope), *self.var(scope, "list")]
        if self.small():
            return self.pick(leaves)
        return self.pick(
            [
                *leaves,
                lambda: append(self.list(scope), self.list(scope)),
                lambda: cons(self.nat(scope), self.list(scope)),
                lambda: mk_app(Const("List.reverse", (Z,)), NAT, self.list(scope)),
            ]
        )

    def literal(self, scope: Scope) -> Expr:
        n = self.draw(st.integers(1, 3))
        out = NIL
        for _ in range(n):  # type: ignore[call-overload]
            out = cons(self.nat(scope), out)
        return out

    def fn(self, scope: Scope) -> Expr:
        name = self.name(scope)
        return self.pick([*self.var(scope, "fn"), lambda: Lam(name, NAT, self.nat((*scope, (name, "nat"))))])

    def of(self, tag: str, scope: Scope) -> Expr:
        return {"nat": self.nat, "bool": self.bool, "list": self.list, "prop": self.prop, "fn": self.fn}[tag](scope)

    # -- propositions --------------------------------------------------------------------------

    def prop(self, scope: Scope) -> Expr:
        leaves = [lambda: Const("True"), lambda: Const("False"), *self.var(scope, "prop")]
        if self.small():
            return self.pick([*leaves, lambda: eq(NAT, self.nat(scope), self.nat(scope))])
        return self.pick(
            [
                *leaves,
                lambda: eq(NAT, self.nat(scope), self.nat(scope)),
                lambda: eq(BOOL, self.bool(scope), self.bool(scope)),
                lambda: eq(LIST_NAT, self.list(scope), self.list(scope)),
                lambda: ne(NAT, self.nat(scope), self.nat(scope)),
                lambda: le(self.nat(scope), self.nat(scope)),
                lambda: lt(self.nat(scope), self.nat(scope)),
                lambda: mk_app(Const("And"), self.prop(scope), self.prop(scope)),
                lambda: mk_app(Const("Or"), self.prop(scope), self.prop(scope)),
                lambda: mk_app(Const("Iff"), self.prop(scope), self.prop(scope)),
                lambda: App(Const("Not"), self.prop(scope)),
                lambda: Pi(ARROW_BINDER, self.prop(scope), lift_loose_bvars(self.prop(scope), 1)),
                lambda: self.forall(scope),
                lambda: self.exists(scope),
            ]
        )

    def forall(self, scope: Scope) -> Expr:
        tag = self.binder_type()
        name = self.name(scope)
        bi = self.draw(st.sampled_from([BinderInfo.DEFAULT, BinderInfo.DEFAULT, BinderInfo.IMPLICIT]))
        return Pi(name, TYPES[tag], self.prop((*scope, (name, tag))), bi)  # type: ignore[arg-type]

    def exists(self, scope: Scope) -> Expr:
        tag = self.draw(st.sampled_from(["nat", "bool", "list"]))
        name = self.name(scope)
        body = self.prop((*scope, (name, tag)))  # type: ignore[arg-type]
        return mk_app(Const("Exists", (L1,)), TYPES[tag], Lam(name, TYPES[tag], body))  # type: ignore[index]

    # -- proofs: (proof, the proposition it proves, exactly as inference computes it) ----------

    def proof(self, scope: Scope) -> tuple[Expr, Expr]:
        def refl() -> tuple[Expr, Expr]:
            tag = self.draw(st.sampled_from(["nat", "bool", "list"]))
            a = self.of(tag, scope)  # type: ignore[arg-type]
            head = self.draw(st.sampled_from(["Eq.refl", "rfl"]))
            return mk_app(Const(head, (L1,)), TYPES[tag], a), eq(TYPES[tag], a, a)  # type: ignore[index, arg-type]

        def trivial() -> tuple[Expr, Expr]:
            return Const("True.intro"), Const("True")

        def le_refl() -> tuple[Expr, Expr]:
            n = self.nat(scope)
            return App(Const("Nat.le_refl"), n), le(n, n)

        def iff_refl() -> tuple[Expr, Expr]:
            p = self.prop(scope)
            return App(Const("Iff.refl"), p), mk_app(Const("Iff"), p, p)

        def succ_ne_zero() -> tuple[Expr, Expr]:
            n = self.nat(scope)
            return App(Const("Nat.succ_ne_zero"), n), ne(NAT, add(n, NatLit(1)), NatLit(0))

        leaves = [refl, trivial, le_refl, succ_ne_zero]
        if self.small():
            return leaves[self.draw(st.integers(0, len(leaves) - 1))]()  # type: ignore[call-overload, no-any-return]

        def and_intro() -> tuple[Expr, Expr]:
            hp, p = self.proof(scope)
            hq, q = self.proof(scope)
            return mk_app(Const("And.intro"), p, q, hp, hq), mk_app(Const("And"), p, q)

        def or_intro() -> tuple[Expr, Expr]:
            hp, p = self.proof(scope)
            q = self.prop(scope)
            if self.draw(st.booleans()):
                return mk_app(Const("Or.inl"), p, q, hp), mk_app(Const("Or"), p, q)
            return mk_app(Const("Or.inr"), q, p, hp), mk_app(Const("Or"), q, p)

        def identity() -> tuple[Expr, Expr]:
            p = self.prop(scope)
            name = self.name(scope)
            return Lam(name, p, BVar(0)), Pi(name, p, lift_loose_bvars(p, 1))

        def generalize() -> tuple[Expr, Expr]:
            tag = self.binder_type()
            name = self.name(scope)
            h, p = self.proof((*scope, (name, tag)))  # type: ignore[arg-type]
            return Lam(name, TYPES[tag], h), Pi(name, TYPES[tag], p)

        def exists_intro() -> tuple[Expr, Expr]:
            # ⟨w, rfl, h⟩ : ∃ x, x = x ∧ q
            tag = self.draw(st.sampled_from(["nat", "bool", "list"]))
            ty = TYPES[tag]  # type: ignore[index]
            name = self.name(scope)
            w = self.of(tag, scope)  # type: ignore[arg-type]
            h, q = self.proof(scope)
            pred = Lam(name, ty, mk_app(Const("And"), eq(ty, BVar(0), BVar(0)), lift_loose_bvars(q, 1)))
            inner = mk_app(Const("And.intro"), eq(ty, w, w), q, mk_app(Const("Eq.refl", (L1,)), ty, w), h)
            return (mk_app(Const("Exists.intro", (L1,)), ty, pred, w, inner), mk_app(Const("Exists", (L1,)), ty, pred))

        options = [*leaves, iff_refl, and_intro, or_intro, identity, generalize]
        if self.with_exists:
            options += [exists_intro, exists_intro]
        return options[self.draw(st.integers(0, len(options) - 1))]()  # type: ignore[call-overload, no-any-return]

    # -- any closed expression -------------------------------------------------------------------

    def top(self) -> Expr:
        kind = self.draw(st.sampled_from(["prop", "prop", "prop", "nat", "bool", "list", "proof", "fun"]))
        if kind == "proof":
            return self.proof(())[0]
        if kind == "fun":
            tag = self.binder_type()
            name = self.name(())
            body_tag = self.draw(st.sampled_from(["nat", "bool", "list", "prop"]))
            return Lam(name, TYPES[tag], self.of(body_tag, ((name, tag),)))  # type: ignore[arg-type]
        return self.of(kind, ())  # type: ignore[arg-type]


@st.composite
def typed_exprs(draw: Callable[..., object], fuel: int = 12, shadow: bool = False) -> Expr:
    return Gen(draw, fuel, shadow).top()


@st.composite
def existential_proofs(draw: Callable[..., object]) -> Expr:
    gen = Gen(draw, 8, with_exists=True)
    return gen.proof(())[0]


def captures(e: Expr, names: tuple[str, ...] = ()) -> bool:
    """Would printing ``e`` have to rename a binder (a bound name hides an outer one still used)?"""

    def shadows(name: str, body: Expr) -> bool:
        return any(names[-1 - d] == name and has_loose_bvar(body, d + 1) for d in range(len(names)))

    if isinstance(e, Binding):
        arrow = (
            isinstance(e, Pi)
            and e.bi is BinderInfo.DEFAULT
            and e.name == ARROW_BINDER
            and not has_loose_bvar(e.body, 0)
        )
        if not arrow and shadows(e.name, e.body):
            return True
        return captures(e.type, names) or captures(e.body, (*names, "_" if arrow else e.name))
    if isinstance(e, Let):
        return (
            shadows(e.name, e.body)
            or captures(e.type, names)
            or captures(e.value, names)
            or captures(e.body, (*names, e.name))
        )
    if isinstance(e, App):
        return captures(e.fn, names) or captures(e.arg, names)
    return False


def round_trip(e: Expr) -> tuple[str, Expr]:
    text = print_expr(e, ENV)
    back, _ = elaborate_closed(ENV, parse_term(text))
    return text, back


# ---------------------------------------------------------------------------------------------
# the round-trip property
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(typed_exprs())
def test_generated_expressions_are_well_typed(e: Expr) -> None:
    # the generator itself must be right for the round-trip property to mean anything
    ty = check_expr(ENV, e)
    assert isinstance(TypeChecker(ENV).whnf(TypeChecker(ENV).infer(ty)), Sort)


@SETTINGS
@given(typed_exprs())
def test_print_then_elaborate_is_identity(e: Expr) -> None:
    assume(not captures(e))
    head = get_app_fn_args(e)[0]
    event(f"head={type(head).__name__ if not isinstance(head, Const) else head.name}")
    text, back = round_trip(e)
    # the readable form prints non-dependent ∀ as an arrow (like Lean), forgetting that binder's name
    assert alpha_equiv(back, e), f"\n printed: {text}\n back:    {print_expr(back, ENV)}"
    # and printing is stable
    assert print_expr(back, ENV) == text
    # the round-trip printer is exact
    assert reparse(ENV, print_roundtrip(e, ENV)) is e


@settings(SETTINGS, max_examples=60)
@given(existential_proofs())
def test_existential_proofs_are_well_typed(e: Expr) -> None:
    check_expr(ENV, e)


@settings(SETTINGS, max_examples=60, phases=[Phase.generate], report_multiple_bugs=False)
@given(existential_proofs())
def test_print_then_elaborate_is_identity_for_existential_proofs(e: Expr) -> None:
    assume(not captures(e))
    text, back = round_trip(e)
    assert back is e, f"\n printed: {text}\n back:    {print_expr(back, ENV)}"


@settings(SETTINGS, max_examples=120)
@given(st.one_of(typed_exprs(), existential_proofs()))
def test_explicit_printing_is_identity(e: Expr) -> None:
    """The explicit form (every argument, level and variable shown) always elaborates back."""
    assume(not captures(e))
    text = print_expr(e, ENV, explicit=True)
    assert reparse(ENV, text) is e, text
    assert reparse(ENV, print_roundtrip(e, ENV)) is e




@settings(SETTINGS, max_examples=100)
@given(typed_exprs(shadow=True))
def test_print_then_elaborate_with_renamed_binders(e: Expr) -> None:
    """Where a binder must be renamed to avoid capture, the result is the same term up to names."""
    assume(captures(e))
    text, back = round_trip(e)
    assert alpha_equiv(back, e), f"\n printed: {text}\n back:    {print_expr(back, ENV)}"
    assert print_expr(back, ENV) == text


# ---------------------------------------------------------------------------------------------
# specific forms
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("e", "text"),
    [
        (add(NatLit(1), mul(NatLit(2), NatLit(3))), "1 + 2 * 3"),
        (mul(add(NatLit(1), NatLit(2)), NatLit(3)), "(1 + 2) * 3"),
        (add(add(NatLit(1), NatLit(2)), NatLit(3)), "1 + 2 + 3"),
        (add(NatLit(1), add(NatLit(2), NatLit(3))), "1 + (2 + 3)"),
        (
            mk_app(Const("And"), Const("True"), mk_app(Const("And"), Const("True"), Const("False"))),
            "True ∧ True ∧ False",
        ),
        (
            mk_app(Const("And"), mk_app(Const("And"), Const("True"), Const("True")), Const("False")),
            "(True ∧ True) ∧ False",
        ),
        (Pi(ARROW_BINDER, Pi(ARROW_BINDER, Const("True"), Const("False")), Const("True")), "(True → False) → True"),
        (App(Const("Not"), eq(NAT, NatLit(1), NatLit(2))), "¬1 = 2"),
        (cons(NatLit(1), cons(NatLit(2), NIL)), "[1, 2]"),
        (NIL, "([] : List Nat)"),
        (append(cons(NatLit(1), NIL), NIL), "[1] ++ ([] : List Nat)"),
        (mk_app(Const("Exists", (L1,)), NAT, Lam("x", NAT, lt(BVar(0), NatLit(3)))), "∃ (x : Nat), x < 3"),
        (mk_app(Const("Or.inl"), Const("True"), Const("False"), Const("True.intro")), "@Or.inl True False True.intro"),
        (mk_app(Const("Eq.refl", (L1,)), NAT, NatLit(3)), "Eq.refl 3"),
        (Lam("x", NAT, Lam("x", NAT, BVar(1))), "fun (x : Nat) (x_1 : Nat) => x"),
    ],
)
def test_printed_forms(e: Expr, text: str) -> None:
    assert print_expr(e, ENV) == text
    back, _ = elaborate_closed(ENV, parse_term(text))
    assert alpha_equiv(back, e)
    if not captures(e):
        assert back is e


@pytest.mark.parametrize(
    "level",
    [
        lv.ZERO,
        L1,
        lv.level_of_int(2),
        lv.LParam("u"),
        lv.LSucc(lv.LParam("u")),
        lv.level_of_int(2, lv.LParam("u")),
        lv.LMax(lv.LParam("u"), lv.LParam("v")),
        lv.LSucc(lv.LMax(lv.LParam("u"), lv.LParam("v"))),
        lv.LIMax(lv.LParam("u"), lv.LParam("v")),
        lv.LMax(lv.LSucc(lv.LParam("u")), lv.LParam("v")),
    ],
    ids=str,
)
def test_sorts_round_trip(level: lv.Level) -> None:
    e = Lam("α", Sort(level), Lam("x", BVar(0), BVar(0)))
    text, back = round_trip(e)
    assert back is e, text


def test_implicit_arguments_equal_only_up_to_conversion() -> None:
    e = mk_app(
        Const("And.intro"),
        eq(NAT, NatLit(2), NatLit(2)),
        Const("True"),
        mk_app(Const("Eq.refl", (L1,)), NAT, add(NatLit(1), NatLit(1))),
        Const("True.intro"),
    )
    check_expr(ENV, e)  # well-typed: Eq Nat (1+1) (1+1) ≡ Eq Nat 2 2
    # the readable form drops the implicit `2 = 2`, which elaboration recovers as `1 + 1 = 1 + 1`
    text, back = round_trip(e)
    assert back is not e and "@" not in text
    # print_roundtrip notices and falls back to the explicit form, which comes back identical
    faithful = print_roundtrip(e, ENV)
    assert faithful.startswith("@And.intro")
    assert reparse(ENV, faithful) is e


def test_round_trip_known_terms() -> None:
    for text in [
        "∀ (n : Nat), n + 0 = n",
        "fun (l : List Nat) => List.length (l ++ [1, 2]) ≤ 5",
        "∃ (x : Nat), x < 3 ∧ x ≠ 2",
        "@Or.inl (1 = 1) (2 = 3) (@rfl Nat 1)",
        "And.intro (Eq.refl 3) True.intro",
        "fun (p q : Prop) => p ↔ ¬q",
        "∀ {x : Nat}, x = x",
        "let y : Nat := 3; y * y",
        "(fun (x : Nat) => x + 1) 2",
        "fun (f : Nat → Nat) => f (f 1) = 3",
    ]:
        e, _ = elaborate_closed(ENV, parse_term(text))
        printed, back = round_trip(e)
        assert back is e, (text, printed)


# ---------------------------------------------------------------------------------------------
# declaration types of the prelude
# ---------------------------------------------------------------------------------------------


def test_print_parse_identity_on_prelude_declaration_types() -> None:
    checked = 0
    for name in ENV.names():
        info = ENV.find(name)
        assert info is not None
        text = print_expr(info.type, ENV)
        back, _ = elaborate_closed(ENV, parse_term(text), filename=name)
        assert print_expr(back, ENV) == text, name
        assert alpha_equiv(back, info.type), name
        checked += 1
    assert checked == len(ENV)


def test_binder_names_with_subscripts_survive_printing() -> None:
    e = Lam("h₁", NAT, BVar(0))
    assert print_expr(e, ENV) == "fun (h₁ : Nat) => h₁"
    info = ENV.find("Eq.trans")
    assert isinstance(info, TheoremInfo)
    text, back = round_trip(info.value)
    assert "h₁" in text
    assert back is info.value


def test_print_parse_identity_on_prelude_types_without_renaming() -> None:
    """Declarations whose binder names print unchanged come back identical (``is``)."""
    same = 0
    for name in ENV.names():
        info = ENV.find(name)
        assert info is not None
        if captures(info.type) or any(
            isinstance(s, Binding) and not s.name.isidentifier() for s in _subterms(info.type)
        ):
            continue
        _, back = round_trip(info.type)
        assert alpha_equiv(back, info.type), name
        assert reparse(ENV, print_roundtrip(info.type, ENV)) is info.type, name
        same += 1
    assert same > 100


def _subterms(e: Expr) -> list[Expr]:
    from tactic_mesh.kernel.expr import subterms

    return list(subterms(e))
