"""``cases h`` / ``induction h`` on inductive families (``elim.py``): goals, tags, reverted
hypotheses, rejections — and every finished proof re-checked by the kernel."""

from __future__ import annotations

import re

import pytest

from tactic_mesh.calculus.combinators import exact, intro, refine
from tactic_mesh.calculus.elim import ElimError, elim_program, plan_elim
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Term
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.kernel.commands import CommandResult, FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.environment import Environment, TheoremInfo
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import BinderInfo, Expr, Pi, collect_consts, has_loose_bvar
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.printer import Printer
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.kernel.typechecker import TypeChecker

ENV = prelude()


# -- helpers ------------------------------------------------------------------------------------


def start(statement: str) -> tuple[ProofState, Expr]:
    stmt, _ = elaborate_closed(ENV, parse_term(statement))
    return ProofState.initial(ENV, stmt), stmt


def run(state: ProofState, program: Term) -> ProofState:
    result = Machine({"kernel": KernelHandler()}).first(program, state, ["kernel"])
    assert isinstance(result, Success), result
    return result.state


def elim(state: ProofState, tactic: str, var: str) -> ProofState:
    return run(state, elim_program(tactic, var, state))


def goals(state: ProofState) -> list[tuple[str, list[tuple[str, str]], str]]:
    """(tag, hypotheses, target) of each goal in focus, displayed."""
    out = []
    for g in state.focus_goals():
        decl = state.metavar_graph.decl(g)
        printer = Printer(state.environment, {d.fvar: d.user_name for d in decl.lctx}, display=True)
        hyps = [(d.user_name, printer.print(state.metavar_graph.instantiate(d.type))) for d in decl.lctx]
        out.append((decl.user_name, hyps, printer.print(state.metavar_graph.instantiate(decl.type))))
    return out


def main_target(state: ProofState) -> Expr:
    decl = state.metavar_graph.decl(state.focus_goals()[0])
    return state.metavar_graph.instantiate(decl.type)


def kernel_checks(state: ProofState, statement: Expr) -> Expr:
    assert state.is_complete
    term = state.proof_term()
    assert not term.has_mvar
    TypeChecker(ENV).check(term, statement)
    return term


def pi_binders(t: Expr) -> list[tuple[str, BinderInfo, bool]]:
    """(name, binder info, dependent?) of the leading Π binders."""
    out = []
    while isinstance(t, Pi):
        out.append((t.name, t.bi, has_loose_bvar(t.body, 0)))
        t = t.body
    return out


# -- Eq -----------------------------------------------------------------------------------------


def test_cases_on_an_equation_substitutes_the_index() -> None:
    state, stmt = start("∀ a b : Nat, a = b → b = a")
    state = run(state, intro("a", "b", "h"))
    plan = plan_elim("cases", "h", state)
    assert (plan.recursor, plan.indices, plan.reverted, plan.tags, plan.symmetric) == (
        "Eq.rec", ("b",), (), ("refl",), False)
    state = elim(state, "cases", "h")
    [(tag, _, target)] = goals(state)
    assert (tag, target) == ("refl", "a = a")
    state = run(state, exact("rfl"))
    term = kernel_checks(state, stmt)
    assert "Eq.rec" in collect_consts(term)


def test_cases_on_an_equation_under_a_function() -> None:
    state, stmt = start("∀ (a b : Nat) (f : Nat → Nat), a = b → f a = f b")
    state = elim(run(state, intro("a", "b", "f", "h")), "cases", "h")
    [(tag, hyps, target)] = goals(state)
    assert (tag, target) == ("refl", "f a = f a")
    assert [n for n, _ in hyps] == ["a", "b", "f", "h"]  # f does not mention b: not reverted
    kernel_checks(run(state, exact("rfl")), stmt)


def test_cases_on_a_symmetric_equation_substitutes_the_variable_side() -> None:
    state, stmt = start("∀ x : Nat, x = 2 + 3 → x + 1 = 6")
    state = run(state, intro("x", "h"))
    plan = plan_elim("cases", "h", state)
    assert plan.symmetric and plan.indices == ("x",) and "Eq.symm" in plan.text
    state = elim(state, "cases", "h")
    [(tag, _, target)] = goals(state)
    assert (tag, target) == ("refl", "2 + 3 + 1 = 6")
    term = kernel_checks(run(state, exact("rfl")), stmt)
    assert {"Eq.rec", "Eq.symm"} <= collect_consts(term)


def test_symmetric_case_reverts_the_hypotheses_about_the_variable() -> None:
    state, stmt = start("∀ x : Nat, x = 3 → x + 1 = 4 → x = 3")
    state = run(state, intro("x", "h", "hx"))
    assert plan_elim("cases", "h", state).reverted == ("hx",)  # not h: nothing mentions it
    state = elim(state, "cases", "h")
    [(tag, hyps, target)] = goals(state)
    assert (tag, target, hyps[-1]) == ("refl", "3 = 3", ("hx", "3 + 1 = 4"))
    kernel_checks(run(state, exact("rfl")), stmt)


def test_a_dependent_hypothesis_is_reverted_and_reintroduced_by_name() -> None:
    state, stmt = start("∀ a b : Nat, a = b → b = 0 → a = 0")
    state = run(state, intro("a", "b", "h", "hb"))
    assert plan_elim("cases", "h", state).reverted == ("hb",)
    state = elim(state, "cases", "h")
    [(tag, hyps, target)] = goals(state)
    assert tag == "refl" and target == "a = 0"
    # the new `hb` (b replaced by a) shadows the old one, which stays (there is no `clear`)
    assert hyps[-2:] == [("hb", "b = 0"), ("hb", "a = 0")]
    state = run(state, exact("hb"))  # the name reaches the new hypothesis
    kernel_checks(state, stmt)


def test_a_hypothesis_about_the_proof_itself_is_reverted() -> None:
    state, stmt = start("∀ (a b : Nat) (h : a = b), h = h → b = a")
    state = elim(run(state, intro("a", "b", "h", "hh")), "cases", "h")
    [(tag, hyps, target)] = goals(state)
    assert (tag, target, hyps[-1]) == ("refl", "a = a", ("hh", "Eq.refl a = Eq.refl a"))
    kernel_checks(run(state, exact("rfl")), stmt)


def test_cases_on_an_equation_between_elements_of_a_type_variable() -> None:
    state, stmt = start("∀ (α : Type) (a b : α), a = b → b = a")
    state = elim(run(state, intro("α", "a", "b", "h")), "cases", "h")
    assert [(t, g) for t, _, g in goals(state)] == [("refl", "a = a")]
    kernel_checks(run(state, exact("rfl")), stmt)


# -- Nat.le -------------------------------------------------------------------------------------


def test_induction_on_nat_le() -> None:
    state, stmt = start("∀ n m : Nat, n ≤ m → n ≤ m + 1")
    state = run(state, intro("n", "m", "h"))
    assert plan_elim("induction", "h", state).recursor == "Nat.le.rec"
    state = elim(state, "induction", "h")
    (refl_tag, _, refl_target), (step_tag, _, _) = goals(state)
    assert (refl_tag, refl_target, step_tag) == ("refl", "n ≤ n + 1", "step")
    step = state.metavar_graph.decl(state.focus_goals()[1])
    # ∀ {m} (h : Nat.le n m), (ih : n ≤ m + 1) → n ≤ Nat.succ m + 1
    assert pi_binders(state.metavar_graph.instantiate(step.type)) == [
        ("m", BinderInfo.IMPLICIT, True), ("h", BinderInfo.DEFAULT, False), ("h_ih", BinderInfo.DEFAULT, False)]
    state = run(state, exact("Nat.le_succ n"))
    state = run(state, refine("fun {k : _} (hk : _) (ih : _) => ?_"))
    [(_, hyps, target)] = goals(state)
    assert hyps[-1] == ("ih", "n ≤ k + 1") and target == "n ≤ Nat.succ k + 1"
    state = run(state, exact("Nat.le.step ih"))
    assert "Nat.le.rec" in collect_consts(kernel_checks(state, stmt))


def test_induction_on_nat_le_with_a_reverted_hypothesis() -> None:
    state, stmt = start("∀ n m : Nat, n ≤ m → m = 5 → n ≤ 5")
    state = run(state, intro("n", "m", "h", "hm"))
    state = elim(state, "induction", "h")
    (refl_tag, refl_hyps, refl_target), (step_tag, _, step_target) = goals(state)
    # no fields: `hm` is introduced again; with fields: ∀ fields ihs, ∀ reverted, goal
    assert (refl_tag, refl_hyps[-1], refl_target) == ("refl", ("hm", "n = 5"), "n ≤ 5")
    assert step_tag == "step"
    assert step_target.endswith("Nat.le n m_1 → (m_1 = 5 → n ≤ 5) → Nat.succ m_1 = 5 → n ≤ 5")
    step = state.metavar_graph.decl(state.focus_goals()[1])
    assert [b[0] for b in pi_binders(state.metavar_graph.instantiate(step.type))] == ["m", "h", "h_ih", "hm"]
    state = run(state, exact("Eq.subst (motive := fun k => n ≤ k) hm Nat.le.refl"))
    state = run(state, refine("fun {k : _} (hk : _) (ih : _) (hk5 : _) => ?_"))
    state = run(state, exact("Eq.subst (motive := fun j => n ≤ j) hk5 (Nat.le.step hk)"))
    kernel_checks(state, stmt)


def test_cases_on_nat_le_drops_the_induction_hypothesis() -> None:
    state, stmt = start("∀ m : Nat, 1 ≤ m → ∃ k, m = k + 1")
    state = elim(run(state, intro("m", "h")), "cases", "h")
    (refl_tag, _, refl_target), (step_tag, _, _) = goals(state)
    assert (refl_tag, refl_target, step_tag) == ("refl", "∃ (k : Nat), 1 = k + 1", "step")
    step_type = main_target(run(state, exact("⟨0, rfl⟩")))
    # ∀ {m} (h : Nat.le 1 m), ∃ k, Nat.succ m = k + 1 — no induction hypothesis
    assert [(n, bi) for n, bi, _ in pi_binders(step_type)] == [("m", BinderInfo.IMPLICIT), ("h", BinderInfo.DEFAULT)]
    state = run(state, exact("⟨0, rfl⟩"))
    state = run(state, refine("fun {k : _} (hk : _) => ?_"))
    [(_, hyps, target)] = goals(state)
    assert hyps[-1] == ("hk", "Nat.le 1 k") and target == "∃ (k_1 : Nat), Nat.succ k = k_1 + 1"
    state = run(state, exact("⟨k, rfl⟩"))
    assert "Nat.le.rec" in collect_consts(kernel_checks(state, stmt))


def test_induction_keeps_what_cases_drops() -> None:
    state, _ = start("∀ m : Nat, 1 ≤ m → ∃ k, m = k + 1")
    state = run(state, intro("m", "h"))
    induction = run(run(state, elim_program("induction", "h", state)), exact("⟨0, rfl⟩"))
    assert len(pi_binders(main_target(induction))) == 3  # m, h and the ih


# -- families without indices -----------------------------------------------------------------


def test_non_indexed_families_work_too_and_tags_follow_constructors() -> None:
    state, stmt = start("∀ p q : Prop, p ∨ q → q ∨ p")
    state = elim(run(state, intro("p", "q", "h")), "cases", "h")
    assert [(t, g) for t, _, g in goals(state)] == [("inl", "p → q ∨ p"), ("inr", "q → q ∨ p")]
    state = run(state, exact("fun hp => Or.inr hp"))
    kernel_checks(run(state, exact("fun hq => Or.inl hq")), stmt)


def test_cases_on_a_nat_reverts_what_mentions_it() -> None:
    state, stmt = start("∀ n : Nat, n = 0 → n + 0 = 0")
    state = run(state, intro("n", "hn"))
    assert plan_elim("cases", "n", state).reverted == ("hn",)
    state = elim(state, "cases", "n")
    (zero_tag, zero_hyps, _), (succ_tag, _, succ_target) = goals(state)
    assert (zero_tag, zero_hyps[-1], succ_tag) == ("zero", ("hn", "Nat.zero = 0"), "succ")
    assert succ_target == "∀ (n_1 : Nat), Nat.succ n_1 = 0 → Nat.succ n_1 + 0 = 0"
    state = run(state, exact("rfl"))
    state = run(state, exact("fun k hk => absurd hk (Nat.succ_ne_zero k)"))
    kernel_checks(state, stmt)


# -- in a file, through a `by` block --------------------------------------------------------------

FILE = """
theorem eq_comm' {α : Sort u} (a b : α) (h : a = b) : b = a := by
  cases h
  rfl

theorem le_succ' (n m : Nat) (h : n ≤ m) : n ≤ m + 1 := by
  induction h
  exact Nat.le_succ n
  refine fun {k : _} (hk : _) (ih : _) => ?_
  exact Nat.le.step ih

theorem subst' (a b : Nat) (h : a = b) (hb : b = 0) : a = 0 := by
  cases h; exact hb

theorem symm' (x : Nat) (h : x = 2 + 3) : x + 1 = 6 := by
  cases h; rfl
"""


def mini_block(
    env: Environment, statement: Expr, level_params: tuple[str, ...], binder_names: list[str], text: str,
    line: int, col: int, filename: str,
) -> Expr:
    """A small `by` runner over ``elim_program`` (the real one is ``tactic_block``)."""
    state = ProofState.initial(env, statement, level_params=level_params)
    for name in binder_names:
        target = main_target(state)
        assert isinstance(target, Pi)
        state = run(state, intro(name) if target.bi is BinderInfo.DEFAULT else refine(f"fun {{{name} : _}} => ?_"))
    for chunk in re.split(r"[;\n]", text.split("by", 1)[1]):
        name, _, arg = chunk.strip().partition(" ")
        if name in ("cases", "induction"):
            state = elim(state, name, arg)
        elif name == "rfl":
            state = run(state, exact("rfl"))
        elif name in ("exact", "refine"):
            state = run(state, refine(arg))
        else:
            assert not name, name
    return state.proof_term()


def test_theorems_in_a_file_are_admitted_by_the_kernel() -> None:
    checker = FileChecker(ENV, tactic_runner=mini_block)
    results: dict[str, CommandResult] = {r.name: r for r in run_deep(checker.check_text, FILE, "elim.tm")}
    assert all(r.ok for r in results.values()), {n: r.message for n, r in results.items() if not r.ok}
    assert set(results) == {"eq_comm'", "le_succ'", "subst'", "symm'"}
    for name in results:
        info = checker.env.find(name)
        assert isinstance(info, TheoremInfo)
        TypeChecker(checker.env, level_params=info.level_params).check(info.value, info.type)
    eq_comm = checker.env.find("eq_comm'")
    assert isinstance(eq_comm, TheoremInfo) and eq_comm.level_params == ("u",)


# -- rejections ---------------------------------------------------------------------------------


def rejection(statement: str, names: list[str], tactic: str, var: str) -> str:
    state, _ = start(statement)
    state = run(state, intro(*names))
    with pytest.raises(ElimError) as info:
        elim_program(tactic, var, state)
    assert isinstance(info.value, TacticMeshError) and info.value.loc is None  # the caller locates it
    return info.value.message


def test_an_index_that_is_not_a_variable_is_rejected() -> None:
    message = rejection("∀ a b : Nat, a + 0 = b + 1 → False", ["a", "b", "h"], "cases", "h")
    assert message.startswith("cases: in h : a + 0 = b + 1, the index b + 1 is not a local variable")
    assert "one side must be such a variable" in message
    # the variable side occurs on the other side: no symmetric case either
    message = rejection("∀ a : Nat, a = a + 1 → False", ["a", "h"], "cases", "h")
    assert "the index a + 1 is not a local variable" in message


def test_an_index_occurring_in_the_parameters_is_rejected() -> None:
    message = rejection("∀ a : Nat, a ≤ a → False", ["a", "h"], "induction", "h")
    assert message.startswith("induction: in h : a ≤ a, the index a occurs in the parameters")


def test_unknown_and_non_inductive_hypotheses_are_rejected() -> None:
    assert rejection("∀ a : Nat, a ≤ a → False", ["a", "h"], "cases", "z") == "cases: unknown hypothesis 'z'"
    message = rejection("∀ f : Nat → Nat, f = f", ["f"], "cases", "f")
    assert message == "cases: 'f' is not of an inductive type: f : Nat → Nat"


def test_large_elimination_of_a_prop_family_is_rejected() -> None:
    message = rejection("∀ n m : Nat, n ≤ m → Nat", ["n", "m", "h"], "cases", "h")
    assert message == "cases: 'Nat.le' eliminates only into Prop, but the goal Nat is not a proposition"


def test_a_needed_shadowed_hypothesis_is_rejected() -> None:
    # the second `h : b = 0` shadows `h : a = b`, which mentions b and so must be reverted
    message = rejection("∀ a b : Nat, a = b → b = 0 → a = 0", ["a", "b", "h", "h"], "cases", "h")
    assert message == "cases: the hypothesis 'h' is needed but shadowed by a later one with the same name"


def test_no_goal_and_unknown_tactic() -> None:
    state, _ = start("∀ a b : Nat, a = b → b = a")
    state = run(state, intro("a", "b", "h"))
    with pytest.raises(ElimError, match="unknown tactic 'destruct'"):
        plan_elim("destruct", "h", state)
    done = run(elim(state, "cases", "h"), exact("rfl"))
    with pytest.raises(ElimError, match="cases: no goals"):
        plan_elim("cases", "h", done)
