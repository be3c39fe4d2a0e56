"""`by` blocks in .tm files: tactic scripts run by the machine, proofs re-checked by the kernel."""

from __future__ import annotations

from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import split_block
from tactic_mesh.calculus.tactics import HANDLERS, expand
from tactic_mesh.calculus.terms import Bind, Focus, Foreign, Op, VGoal, VSurface
from tactic_mesh.handlers.blocks import prove_by_block, run_block, tactic_machine
from tactic_mesh.kernel.commands import CommandResult, FileChecker
from tactic_mesh.kernel.declarations import Options
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.environment import TheoremInfo
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.kernel.typechecker import TypeChecker

ENV = prelude()

GOOD = """
theorem and_swap (p q : Prop) (h : p ∧ q) : q ∧ p := by
  constructor
  exact h.2
  exact h.1

theorem imp_self' : ∀ p : Prop, p → p := by
  intro p hp
  assumption

theorem zero_add' (n : Nat) : 0 + n = n := by
  induction n
  rfl
  intro k ih
  exact congrArg Nat.succ ih

theorem or_swap (p q : Prop) (h : p ∨ q) : q ∨ p := by
  cases h
  intro hp; right; exact hp
  intro hq; left; exact hq

theorem ex2 : ∃ n : Nat, n + 2 = 5 := by
  exists 3

theorem le_two : 2 ≤ 4 := by
  apply Nat.le.step
  apply Nat.le.step
  exact Nat.le.refl

theorem falso (p : Prop) (h : False) : p := by
  exfalso
  exact h
"""


def check(src: str) -> tuple[FileChecker, dict[str, CommandResult]]:
    checker = FileChecker(ENV, tactic_runner=prove_by_block)
    results = run_deep(checker.check_text, src, "by.tm")
    return checker, {r.name: r for r in results}


def test_tactic_proofs_check_and_are_kernel_terms() -> None:
    checker, results = check(GOOD)
    assert all(r.ok for r in results.values()), {n: r.message for n, r in results.items() if not r.ok}
    assert len(results) == 7
    for name in results:
        info = checker.env.find(name)
        assert isinstance(info, TheoremInfo)
        assert not info.value.has_mvar
        TypeChecker(checker.env).check(info.value, info.type)  # the stored term re-checks


def test_a_failing_tactic_is_located_and_shows_the_goal() -> None:
    _, results = check("theorem bad (n : Nat) : n + 1 = n := by\n  rfl\n")
    r = results["bad"]
    assert not r.ok and (r.loc.line, r.loc.col) == (2, 3)
    assert "rfl failed" in r.message and "⊢ n + 1 = n" in r.message
    _, results = check("theorem bad2 (n : Nat) : n + 1 = n := by\n  intro\n")
    assert not results["bad2"].ok and "nothing to introduce" in results["bad2"].message
    assert "⊢ n + 1 = n" in results["bad2"].message


def test_unsolved_goals_and_unknown_tactics() -> None:
    _, results = check("theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  constructor\n  exact hp\n")
    assert not results["t"].ok and "unsolved goals" in results["t"].message and "⊢ q" in results["t"].message
    _, results = check("theorem u : True := by\n  frobnicate\n")
    assert not results["u"].ok and "unknown tactic 'frobnicate'" in results["u"].message
    assert (results["u"].loc.line, results["u"].loc.col) == (2, 3)


def test_without_the_calculus_a_by_block_is_a_clear_error() -> None:
    results = run_deep(FileChecker(ENV).check_text, "theorem t : True := by\n  exact True.intro\n", "x.tm")
    assert not results[0].ok and "tactic calculus" in results[0].message


def test_split_block_positions() -> None:
    calls = split_block("by\n  intro x; exact (f\n    x)\n  rfl", 10, 30)
    assert [(c.name, c.arg, c.line, c.col) for c in calls] == [
        ("intro", "x", 11, 3),
        ("exact", "(f\n    x)", 11, 12),
        ("rfl", "", 13, 3),
    ]


REWRITES = """
theorem add_zero' (n : Nat) : n + 0 = n := rfl
theorem t1 (a b : Nat) (h : a = b) : a + 0 = b := by
  rw [h]
theorem t2 (a b : Nat) (h : a = b) : b + 1 = a + 1 := by
  rw [← h]
theorem t3 (a b c : Nat) (h1 : a = b) (h2 : b = c) : a = c := by
  rw [h1, h2]
theorem t4 (n : Nat) : (n + 0) + 0 = n := by
  rw [add_zero', add_zero']
theorem t5 (l : List Nat) (h : l = [1]) : l ++ l = [1, 1] := by
  rw [h]
theorem bad (a b : Nat) (h : a = b) : 1 = 2 := by
  rw [h]
"""


def test_rewriting_builds_eq_mpr_proofs() -> None:
    checker, results = check(REWRITES)
    assert all(results[n].ok for n in ("t1", "t2", "t3", "t4", "t5")), {n: r.message for n, r in results.items()}
    assert not results["bad"].ok and "did not find an instance of a" in results["bad"].message
    info = checker.env.find("t3")
    assert isinstance(info, TheoremInfo) and "Eq.mpr" in repr(info.value)


def test_goal_tacticals() -> None:
    src = """
theorem t1 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  all_goals assumption
theorem t2 (n : Nat) : n + 0 = n ∧ 0 + 0 = 0 := by
  constructor
  any_goals rfl
  done
theorem t3 (p : Prop) (hp : p) : p ∧ True := by
  constructor
  any_goals exact True.intro
  exact hp
theorem t4 (p : Prop) (hp : p) : p ∧ p := by
  constructor
  done
theorem t5 (p q : Prop) (hp : p) : p ∧ q := by
  constructor
  any_goals exact True.intro
"""
    _, results = check(src)
    assert results["t1"].ok and results["t2"].ok and results["t3"].ok, {n: r.message for n, r in results.items()}
    assert not results["t4"].ok and "done failed: 2 goal(s) remain" in results["t4"].message
    assert not results["t5"].ok and "any_goals failed" in results["t5"].message


def test_have_intros_contradiction() -> None:
    src = """
theorem h1 (p q : Prop) (hp : p) (hpq : p → q) : q := by
  have hq : q := hpq hp
  exact hq
theorem h2 (p q : Prop) (hp : p) (hpq : p → q) : q := by
  have hq : q
  exact hpq hp
  exact hq
theorem h3 : ∀ (p q : Prop), p → q → p := by
  intros
  assumption
theorem h4 (p q : Prop) (hp : p) (hnp : ¬p) : q := by
  contradiction
theorem h5 (q : Prop) (h : False) : q := by
  contradiction
"""
    _, results = check(src)
    assert all(r.ok for r in results.values()), {n: r.message for n, r in results.items() if not r.ok}


def test_review_fixes_implicit_binders_rw_matching_comments_exists() -> None:
    src = """
theorem rA : ∀ {n : Nat}, n = n := by
  intro n; rfl
theorem rB {n : Nat} : n = n := by
  rfl
theorem rG (p : Nat → Prop) (h : p 0) : ∃ x, p x := by
  exists 0
theorem rH (p : Prop) (hp : p) : p := by
  -- a comment; with a semicolon
  exact hp
theorem cons_append' {α : Type u} (a : α) (as bs : List α) : List.cons a as ++ bs = List.cons a (as ++ bs) :=
  rfl
theorem rE (x : Nat) (t : List Nat) : List.cons x t ++ [] = List.cons x (t ++ []) := by
  rw [cons_append']
theorem add_succ' (n m : Nat) : n + Nat.succ m = Nat.succ (n + m) := rfl
theorem add_assoc' (n m k : Nat) : n + m + k = n + (m + k) := by
  induction k
  rfl
  intro k ih
  rw [add_succ', add_succ', add_succ', ih]
"""
    _, results = check(src)
    assert all(r.ok for r in results.values()), {n: r.message for n, r in results.items() if not r.ok}


def test_rewrite_at_a_hypothesis() -> None:
    src = """
theorem at1 (a b : Nat) (h : a = b) (h2 : a + 1 = 5) : b + 1 = 5 := by
  rw [h] at h2
  exact h2
theorem at2 (p q : Prop) (e : p = q) (hp : p) : q := by
  rw [e] at hp
  assumption
theorem at3 (a b : Nat) (h : a = b) (h2 : a = 1) : b = 1 := by
  rw [h] at nope
"""
    checker, results = check(src)
    assert results["at1"].ok and results["at2"].ok, {n: r.message for n, r in results.items()}
    assert not results["at3"].ok and "unknown hypothesis 'nope'" in results["at3"].message
    info = checker.env.find("at1")
    assert isinstance(info, TheoremInfo) and "Eq.mp" in repr(info.value)


def test_bullets_and_combinators() -> None:
    src = """
theorem b1 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  · exact hp
  · exact hq
theorem b2 (p q : Prop) (hp : p) (hq : q) : (p ∧ q) ∧ q := by
  constructor
  · constructor
    exact hp
    exact hq
  · exact hq
theorem b3 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor <;> assumption
theorem b4 (p : Prop) (hp : p) : p := by
  exact True.intro <|> exact hp
theorem b5 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  · exact hq
theorem b6 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  · skip_me
"""
    _, results = check(src)
    assert all(results[n].ok for n in ("b1", "b2", "b3", "b4")), {n: r.message for n, r in results.items()}
    assert not results["b5"].ok and (results["b5"].loc.line, results["b5"].loc.col) == (18, 5)
    assert not results["b6"].ok and "unknown tactic 'skip_me'" in results["b6"].message


def test_simp_with_the_library_simp_set() -> None:
    from pathlib import Path

    from tactic_mesh.cli.check import check_files
    from tactic_mesh.kernel.commands import Options

    basics = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs" / "basics.tm"
    src = """
theorem s1 (n : Nat) : (n + 0) * 1 = n := by
  simp
theorem s2 (l : List Nat) : (l ++ []).length = l.length + 0 := by
  simp
theorem s3 (a b : Nat) (h : a = b) : a + 0 = b := by
  simp [*]
theorem s4 (a b : Nat) (h : a = b) : a + 0 = b := by
  simp only [Nat.add_zero, h]
theorem s5 (a b : Nat) (h : a + 0 = b) : a = b := by
  simp at h
  exact h
theorem s6 (a b : Nat) : a = b := by
  simp
"""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "simp.tm"
        path.write_text(src, encoding="utf-8")
        results = {r.name: r for r in check_files([str(basics), str(path)], Options()) if r.loc.file == str(path)}
    assert all(results[f"s{i}"].ok for i in range(1, 6)), {n: r.message for n, r in results.items()}
    assert not results["s6"].ok and "simp made no progress" in results["s6"].message


def test_calc_chains() -> None:
    src = """
theorem c1 (a b c : Nat) (h1 : a = b) (h2 : b = c) : a = c := by
  calc a = b := h1; _ = c := h2
theorem c2 (a b : Nat) (h : a = b) : a + 0 = b + 0 := by
  calc a + 0 = a := rfl
    _ = b := h
    _ = b + 0 := rfl
theorem c3 (a b : Nat) (h : a = b) : a = b + 1 := by
  calc a = b := h
    _ = b + 1 := rfl
"""
    _, results = check(src)
    assert results["c1"].ok and results["c2"].ok, {n: r.message for n, r in results.items()}
    assert not results["c3"].ok and "calc failed" in results["c3"].message


STRUCTURED = """
theorem i1 (n : Nat) : 0 + n = n := by
  induction n with
  | zero => rfl
  | succ m ih =>
    exact congrArg Nat.succ ih

theorem i2 (n : Nat) : 0 + n = n := by
  induction n
  case succ m ih => exact congrArg Nat.succ ih
  case zero => rfl

theorem i3 (n : Nat) : 0 + n = n := by
  induction n
  next => rfl
  next m ih => exact congrArg Nat.succ ih

theorem c1 (p q : Prop) (h : p ∨ q) : q ∨ p := by
  cases h with
  | inl hp => exact Or.inr hp
  | inr hq => exact Or.inl hq

theorem le_trans' {n m k : Nat} (h₁ : n ≤ m) (h₂ : m ≤ k) : n ≤ k := by
  induction h₂
  case refl => exact h₁
  case step j hj ih => exact Nat.le.step ih

theorem eq_cases (a b : Nat) (f : Nat → Nat) (h : a = b) (hb : b = 0) : f a = f 0 := by
  cases h
  rw [hb]

theorem h1 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  have h : q ∧ p
  · exact ⟨hq, hp⟩
  exact ⟨h.2, h.1⟩

theorem t1 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor <;> first | exact hq | exact hp

theorem t2 (p : Prop) (hp : p) : p ∧ p ∧ p := by
  repeat (first | constructor | exact hp)

theorem t3 (p : Prop) (hp : p) : p := by
  try (exact hp; done)

theorem t4 (p : Prop) (hp : p) : p := by
  exact hq orelse exact hp

theorem t5 (a b : Nat) (h : a = b) : b = a := by
  once (first | rfl | exact h.symm)

theorem t6 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  focus
    exact hp
  exact hq

theorem t7 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  all_goals try (exact hp)
  exact hq

theorem k1 (a b c d : Nat) (h1 : a = b) (h2 : b ≤ c) (h3 : c = d) : a ≤ d := by
  calc a = b := h1
    _ ≤ c := h2
    _ = d := h3
"""


def test_structured_tactics_and_tacticals() -> None:
    checker, results = check(STRUCTURED)
    assert all(r.ok for r in results.values()), {n: r.message for n, r in results.items() if not r.ok}
    # the terms are kernel terms: re-check each against its statement
    for name in results:
        info = checker.env.find(name)
        assert isinstance(info, TheoremInfo)
        TypeChecker(checker.env).check(info.value, info.type)


def test_structured_tactics_fail_where_the_inner_tactic_fails() -> None:
    src = """theorem bad (n : Nat) : 0 + n = n := by
  induction n with
  | zero => rfl
  | succ m ih =>
    exact ih
theorem bad2 (n : Nat) : 0 + n = n := by
  induction n
  case nope => rfl
theorem bad3 (p : Prop) (hp : p) : p ∧ p := by
  constructor
  case left => exact hp
theorem bad4 (p : Prop) : p := by
  repeat (exact hp)
"""
    _, results = check(src)
    assert results["bad"].loc.line == 5 and "exact failed" in results["bad"].message
    assert results["bad2"].loc.line == 8 and "no goal 'nope'" in results["bad2"].message
    assert not results["bad3"].ok  # constructor's goals carry no tags
    assert "unsolved goals" in results["bad4"].message  # repeat stops at the first failure


def test_calc_with_order_relations_needs_its_lemmas() -> None:
    src = """theorem k2 (a b c : Nat) (h1 : a ≤ b) (h2 : b < c) : a < c := by
  calc a ≤ b := h1
    _ < c := h2
"""
    _, results = check(src)
    assert not results["k2"].ok and "Nat.lt_of_le_of_lt" in results["k2"].message


def start(statement: str) -> ProofState:
    e, _ = elaborate_closed(ENV, parse_term(statement))
    return ProofState.initial(ENV, e)


def test_goals_keep_their_tag_through_single_goal_steps() -> None:
    state = start("∀ n : Nat, 0 + n = n")
    program = expand("intro n; induction n; case succ => intro m ih; exact congrArg Nat.succ ih", state)
    result = tactic_machine().first(program, state, HANDLERS)
    assert isinstance(result, Success)
    (goal,) = result.state.active_obligations
    assert result.state.tag(goal) == "zero"


def test_expand_shows_the_core_program() -> None:
    state = start("∀ p q : Prop, p → q → p ∧ q")
    program = expand("intro p q hp hq; constructor <;> assumption", state)
    # the first tactic is expanded on the state; the rest waits for the state it will meet
    assert isinstance(program, Bind) and isinstance(program.first, Bind)
    assert program.first.first == Op("Elaborate", (VSurface("fun p q hp hq => ?_"), VGoal("main")))
    assert isinstance(program.rest, Foreign) and program.rest.contract.refinement_known
    # the expansion of the combinator on the state it meets: `focus (t; all_goals u)`
    intro_state = tactic_machine().first(program.first, state, HANDLERS)
    assert isinstance(intro_state, Success)
    core = expand("constructor <;> assumption", intro_state.state)
    assert isinstance(core, Focus) and core.selector == "main"


SCRIPTS = [
    ("∀ p q : Prop, p ∧ q → q ∧ p", "intro p q h; constructor; exact h.2; exact h.1"),
    ("∀ n : Nat, 0 + n = n", "intro n; induction n with\n| zero => rfl\n| succ m ih => exact congrArg Nat.succ ih"),
    ("∀ p : Prop, p → p ∧ p", "intro p hp; repeat (first | constructor | exact hp)"),
    ("∀ a b : Nat, a = b → b = a", "intro a b h; cases h; rfl"),
    ("∀ p q : Prop, p → q → p ∧ q", "intro p q hp hq; constructor\n· exact hp\n· exact hq"),
]


def test_a_script_and_its_core_program_build_the_same_proof() -> None:
    """Conservative extension on examples: stepping through the block and running its core program
    (``expand``) in one machine run give the same complete proof, re-checked by the kernel."""
    for statement, script in SCRIPTS:
        state = start(statement)
        stepped, _ = run_block(f"by {script}", 1, 1, state, "<t>")
        result = tactic_machine().first(expand(script, state), state, HANDLERS)
        assert isinstance(result, Success), (statement, result)
        assert result.state.is_complete and stepped.is_complete
        target = state.obligation(state.active_obligations[0]).target_type
        for final in (stepped, result.state):
            TypeChecker(ENV).check(final.proof_term(), target)
        assert TypeChecker(ENV).is_def_eq(stepped.proof_term(), result.state.proof_term())


def test_solve_and_interleave() -> None:
    src = """theorem s1 (p q : Prop) (hp : p) (hq : q) : p ∨ q := by
  solve | left; exact hq | right; exact hq
theorem s2 (p q : Prop) (hq : q) : p ∨ q := by
  solve | (left; exact hq) | (right; exact hq)
theorem s3 (p q : Prop) (hq : q) : p ∨ q := by
  interleave | (left; exact hq) | (right; exact hq)
theorem s4 (p : Prop) : p ∨ p := by
  solve | left | right
"""
    _, results = check(src)
    assert not results["s1"].ok  # without brackets, `;` ends the tactic: `solve | left` alone
    assert results["s2"].ok and results["s3"].ok, results
    assert not results["s4"].ok and "goal(s) remain" in results["s4"].message


def test_malformed_tacticals_are_located_in_the_file() -> None:
    _, results = check("theorem m (p : Prop) (hp : p) : p := by\n  intro\n  first\n")
    assert not results["m"].ok and results["m"].loc.file == "by.tm" and results["m"].loc.line == 3
    assert "first: expected `first | t₁ | t₂ …`" in results["m"].message


def test_all_goals_and_combinators_keep_the_goal_order() -> None:
    src = """theorem o (p q r s : Prop) (hp : p) (hq : q) (hr : r) (hs : s) : (p ∧ q) ∧ (r ∧ s) := by
  constructor <;> constructor
  exact hp
  exact hq
  exact hr
  exact hs
"""
    _, results = check(src)
    assert results["o"].ok, results["o"].message


def test_rw_with_a_conditional_equation_leaves_its_premise_as_a_goal() -> None:
    src = """theorem c (a b : Nat) (h : a ≤ b → a + 0 = b) (hle : a ≤ b) : a = b := by
  rw [← h]
  exact hle
theorem c2 (a b : Nat) (h : a ≤ b → a + 0 = b) (hle : a ≤ b) : a = b := by
  rw [← h]
"""
    _, results = check(src)
    assert results["c"].ok, results["c"].message
    assert not results["c2"].ok and "unsolved goals" in results["c2"].message and "⊢ a ≤ b" in results["c2"].message


def test_simp_with_permutation_lemmas_terminates_and_normalises() -> None:
    src = """theorem comm_assoc (a b c : Nat) : a + (b + c) = c + (b + a) := by
  simp only [Nat.add_comm, Nat.add_assoc]
theorem comm_only (a b : Nat) : a + b = b + a := by
  simp only [Nat.add_comm]
theorem stuck (a b c : Nat) : a + b = c := by
  simp only [Nat.add_comm]
"""
    lemmas = """theorem Nat.add_comm (n m : Nat) : n + m = m + n := sorry
theorem Nat.add_assoc (n m k : Nat) : n + m + k = n + (m + k) := sorry
"""
    checker = FileChecker(ENV, Options(allow_sorry=True), tactic_runner=prove_by_block)
    run_deep(checker.check_text, lemmas, "lemmas.tm")
    results = {r.name: r for r in run_deep(checker.check_text, src, "by.tm")}
    assert results["comm_assoc"].ok and results["comm_only"].ok, {n: r.message for n, r in results.items()}
    # an ordered rewrite never applies the permutation lemma backwards: no loop, a clear failure
    assert not results["stuck"].ok and "simp made no progress" in results["stuck"].message
