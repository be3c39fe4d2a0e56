"""Cache keys: the canonical statement hash and the environment root."""

from __future__ import annotations

import pytest

from tactic_mesh.api import Session
from tactic_mesh.calculus.state import Provenance
from tactic_mesh.kernel.declarations import admit_theorem
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import BinderInfo, BVar, Const, Expr, FVar, MVar, Pi, Sort, alpha_equiv
from tactic_mesh.kernel.level import LParam
from tactic_mesh.net.keys import (
    CheckOptions,
    StatementError,
    cache_key,
    environment_root,
    erase_binder_names,
    goal_hash,
    key_of,
    provenance_of,
)


def stmt(session: Session, text: str) -> tuple[Expr, tuple[str, ...]]:
    return session.elaborate(text)


def test_alpha_renaming_keeps_the_key(session: Session, env: Environment) -> None:
    a, pa = stmt(session, "∀ n : Nat, n + 0 = n")
    b, pb = stmt(session, "∀ m : Nat, m + 0 = m")
    assert a is not b and alpha_equiv(a, b)  # different objects (binder names), alpha-equivalent
    assert goal_hash(a, pa) == goal_hash(b, pb)
    assert key_of(env, a, pa) == key_of(env, b, pb)


@pytest.mark.parametrize("other", ["∀ n : Nat, 0 + n = n", "∀ n : Nat, n + 1 = n", "∀ n : Nat, n * 1 = n"])
def test_another_statement_another_key(session: Session, env: Environment, other: str) -> None:
    a, pa = stmt(session, "∀ n : Nat, n + 0 = n")
    b, pb = stmt(session, other)
    assert goal_hash(a, pa) != goal_hash(b, pb)
    assert key_of(env, a, pa).key != key_of(env, b, pb).key
    assert key_of(env, a, pa).env_root == key_of(env, b, pb).env_root


def test_binder_info_and_universe_parameters_count() -> None:
    explicit = Pi("a", Sort(LParam("u")), BVar(0))
    implicit = Pi("a", Sort(LParam("u")), BVar(0), BinderInfo.IMPLICIT)
    assert goal_hash(explicit, ("u",)) != goal_hash(implicit, ("u",))
    assert goal_hash(explicit, ("u",)) != goal_hash(explicit, ("u", "v"))
    renamed = Pi("a", Sort(LParam("v")), BVar(0))
    assert goal_hash(explicit, ("u",)) != goal_hash(renamed, ("v",))  # universe names are not canonicalised


def test_erasure_is_alpha_equivalence(session: Session) -> None:
    a, _ = stmt(session, "∀ (p q : Prop), p → q → p")
    b, _ = stmt(session, "∀ (x y : Prop), x → y → x")
    c, _ = stmt(session, "∀ (p q : Prop), p → q → q")
    assert erase_binder_names(a) is erase_binder_names(b)
    assert erase_binder_names(a) is not erase_binder_names(c)
    assert alpha_equiv(erase_binder_names(a), a)


def test_environment_changes_the_root(session: Session, env: Environment) -> None:
    a, pa = stmt(session, "∀ n : Nat, n + 0 = n")
    proof = session.prove("∀ n : Nat, n + 0 = n").proof_term
    extended, _ = admit_theorem(env, "extra_fact", pa, a, proof)
    assert key_of(extended, a, pa).key != key_of(env, a, pa).key
    assert key_of(extended, a, pa).goal == key_of(env, a, pa).goal
    prelude = Session(library=None).environment
    assert key_of(prelude, a, pa).env_root != key_of(env, a, pa).env_root
    assert key_of(Session().environment, a, pa) == key_of(env, a, pa)  # the same library: the same root


def test_options_and_kernel_version_change_the_root(session: Session, env: Environment) -> None:
    a, pa = stmt(session, "∀ n : Nat, n + 0 = n")
    assert key_of(env, a, pa, CheckOptions(allow_axioms=False)).key != key_of(env, a, pa).key
    p = provenance_of(env)
    other_kernel = Provenance("tactic-mesh-kernel/9.9.9", p.environment_hash, p.options)
    assert environment_root(other_kernel) != environment_root(p)
    assert cache_key(goal_hash(a, pa), environment_root(p)) == key_of(env, a, pa).key


@pytest.mark.parametrize("bad, params", [
    (BVar(0), ()),  # a loose bound variable
    (Pi("x", Const("Nat"), FVar(10**12)), ()),  # a free variable
    (Pi("x", Const("Nat"), MVar(10**12)), ()),  # a metavariable
    (Sort(LParam("u")), ()),  # an undeclared universe parameter
    (Sort(LParam("u")), ("u", "u")),  # a repeated one
])
def test_not_a_closed_statement(bad: Expr, params: tuple[str, ...]) -> None:
    with pytest.raises(StatementError):
        goal_hash(bad, params)
