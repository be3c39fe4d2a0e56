"""The typing rules of the derived tactic vocabulary (deferred ``foreign "tactic"`` nodes) and of ``by``
blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactic_mesh.calculus.machine import Budget
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import split_block, split_tactics
from tactic_mesh.calculus.tactics import HANDLERS, defer_seq
from tactic_mesh.handlers.blocks import tactic_machine
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.typing import Arity, EffectRow, Interface, Slot, Typed, TypingError, check, check_block
from tactic_mesh.typing.derived import REFINE, REWRITE

BASICS = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs" / "basics.tm"


def _basics() -> Environment:
    checker = FileChecker(prelude())
    results = run_deep(checker.check_text, BASICS.read_text(encoding="utf-8"), str(BASICS))
    assert all(r.ok for r in results)
    return checker.env


ENV = _basics()  # the prelude and the term-mode lemmas of basics.tm (Nat.zero_add, Nat.add_succ, …)


def start(statement: str) -> ProofState:
    e, _ = elaborate_closed(ENV, parse_term(statement))
    return ProofState.initial(ENV, e)


def after(state: ProofState, script: str) -> ProofState:
    result = tactic_machine(Budget(fuel=50_000)).first(defer_seq(split_tactics(script, 1, 1)), state, HANDLERS)
    assert isinstance(result, Success), result
    return result.state


def typed(state: ProofState | Interface, script: str) -> Typed:
    return check(defer_seq(split_tactics(script, 1, 1)), state, handlers=HANDLERS, foreign_symbols=["tactic"])


def out(state: ProofState | Interface, script: str) -> Interface:
    result = typed(state, script)
    assert result.out is not None, result.failure
    return result.out


def block(statement: str, script: str) -> Typed:
    text = "by\n" + "\n".join(f"  {line}" for line in script.splitlines())
    return check_block(split_block(text, 10, 1), start(statement), "t.tm")


def block_error(statement: str, script: str) -> TypingError:
    with pytest.raises(TypingError) as info:
        block(statement, script)
    return info.value


def slots(iface: Interface) -> list[Slot]:
    assert all(isinstance(it, Slot) for it in iface.items), iface.summary()
    return iface.slots()


IMP = "∀ a b : Prop, a → b → a"


# -- intro -------------------------------------------------------------------------------------------


def test_intro_opens_binders_and_computes_the_new_goal() -> None:
    (goal,) = slots(out(start(IMP), "intro a b ha"))
    assert goal.hyps == {"a", "b", "ha"} and goal.hyps_exact
    assert goal.shape.head == "Π" and goal.shape.min_binders == 1
    (goal,) = slots(out(start(IMP), "intro a b ha hb"))
    assert goal.shape.head is None and goal.shape.prop is True  # the target is the variable `a`


def test_intro_on_a_target_that_is_not_a_pi_never_succeeds() -> None:
    result = typed(start("True ∧ True"), "intro h")
    assert result.out is None and result.failure is not None
    assert "not a ∀ or an →" in result.failure.message and result.failure.found == "∧"
    err = block_error("True ∧ True", "intro h")
    assert err.path == "$.payload" and err.loc is not None and (err.loc.line, err.loc.col) == (11, 3)


def test_intro_unfolds_negation() -> None:
    (goal,) = slots(out(start("∀ p : Prop, ¬(p ∧ False)"), "intro p h"))
    assert goal.shape.head == "False"


def test_intros_without_names_and_with_names() -> None:
    (goal,) = slots(out(start(IMP), "intros"))
    assert goal.hyps_exact and len(goal.hyps) == 4
    (goal,) = slots(out(start(IMP), "intros x y"))
    assert goal.hyps == {"x", "y"}


# -- closing tactics -------------------------------------------------------------------------------


@pytest.mark.parametrize("script", ["exact ha", "assumption", "contradiction", "exact (fun x => x) ha"])
def test_closing_tactics_take_one_goal_to_none(script: str) -> None:
    assert out(start(IMP), f"intro a b ha hb\n{script}").bounds() == (0, 0)


def test_rfl_closes_and_rejects_goals_that_are_not_equations() -> None:
    assert out(start("2 + 2 = 4"), "rfl").bounds() == (0, 0)
    result = typed(start("True ∧ True"), "rfl")
    assert result.out is None and result.failure is not None and "not an equation" in result.failure.message


def test_assumption_needs_a_hypothesis() -> None:
    result = typed(start("True"), "assumption")
    assert result.out is None and result.failure is not None and result.failure.expected == "≥1 hypothesis"


def test_exact_with_holes_leaves_them() -> None:
    goals = slots(out(start("True ∧ True"), "exact ⟨?_, ?right⟩"))
    assert [g.tag for g in goals] == ["", "right"]


def test_have_adds_a_hypothesis_or_a_goal_first() -> None:
    (goal,) = slots(out(start(IMP), "intro a b ha hb\nhave h2 : a := ha"))
    assert "h2" in goal.hyps and goal.shape.head is None
    first, second = slots(out(start(IMP), "intro a b ha hb\nhave h2 : a"))
    assert "h2" not in first.hyps and "h2" in second.hyps


def test_exfalso_left_right_and_exists() -> None:
    (goal,) = slots(out(start("∀ p : Prop, p → p ∨ False"), "intro p hp\nleft"))
    assert goal.target is not None and goal.shape.prop
    (goal,) = slots(out(start("∀ p : Prop, p → p ∨ False"), "intro p hp\nright"))
    assert goal.shape.head == "False"
    (goal,) = slots(out(start("True"), "exfalso"))
    assert goal.shape.head == "False"
    assert typed(start("True ∧ True"), "left").out is None  # not a disjunction
    (goal,) = slots(out(start("∃ n : Nat, n = n"), "exists 0"))
    assert goal.optional  # closed by `rfl` when it can
    assert typed(start("True ∨ True"), "exists 0").out is None  # two constructors


def test_implicit_lambda_puts_implicit_binders_in_scope() -> None:
    state = start("∀ {n : Nat}, n = n → n = n")
    (goal,) = slots(out(state, "exfalso"))
    assert goal.hyps == {"n"} and goal.shape.head == "False"
    assert out(state, "exact fun h => h").bounds() == (0, 0)  # `n` is in scope under the implicit lambda
    assert out(state, "intro k h\nexact h").bounds() == (0, 0)


# -- constructor, apply ---------------------------------------------------------------------------


def test_constructor_on_a_structure_opens_one_goal_per_field() -> None:
    state = after(start("∀ a b : Prop, a ∧ b ↔ b ∧ a"), "intro a b")
    mp, mpr = slots(out(state, "constructor"))
    assert mp.shape.head == "Π" and mpr.shape.head == "Π" and mp.target != mpr.target


def test_constructor_on_a_sum_type_is_an_arity_variable() -> None:
    (block_,) = out(start("True ∨ False"), "constructor").items
    assert isinstance(block_, Arity) and block_.lo == 0 and block_.hi is not None


def test_constructor_on_a_non_inductive_goal_never_succeeds() -> None:
    result = typed(start("True → True"), "constructor")
    assert result.out is None and result.failure is not None and "not an inductive type" in result.failure.message


def test_apply_is_an_arity_variable() -> None:
    (block_,) = out(start("2 ≤ 4"), "apply Nat.le.step").items
    assert isinstance(block_, Arity) and block_.lo == 0 and block_.hi is None and block_.hyps_exact
    (block_,) = out(start("2 ≤ 4"), "apply Nat.le_trans ?_ ?_").items
    assert isinstance(block_, Arity) and block_.lo == 2


# -- induction and cases ----------------------------------------------------------------------------


def test_induction_opens_one_tagged_goal_per_constructor() -> None:
    zero, succ = slots(out(start("∀ n : Nat, 0 + n = n"), "intro n\ninduction n"))
    assert (zero.tag, succ.tag) == ("zero", "succ")
    assert zero.shape.head == "Eq" and succ.shape.head == "Π" and succ.shape.min_binders >= 2
    (goal,) = slots(out(start("∀ n : Nat, 0 + n = n"), "intro n\ninduction n\nrfl\nintro k ih"))
    assert {"k", "ih"} <= goal.hyps and goal.shape.head == "Eq"


def test_cases_on_a_conjunction() -> None:
    (goal,) = slots(out(start("∀ a b : Prop, a ∧ b → b ∧ a"), "intro a b h\ncases h"))
    assert goal.tag == "intro" and goal.shape.head == "Π" and goal.shape.min_binders == 2


def test_cases_on_an_indexed_family() -> None:
    (refl,) = slots(out(start("∀ a b : Nat, a = b → b = a"), "intro a b h\ncases h"))
    assert refl.tag == "refl"


def test_induction_on_a_hypothesis_of_unknown_type_is_an_arity_variable() -> None:
    iface = out(start("∀ a b : Prop, a ∧ b → b ∧ a"), "intro a b\nshow a ∧ b → b ∧ a\nintro h\ncases h")
    assert any(isinstance(it, Arity) for it in iface.items)


def test_induction_on_a_non_inductive_hypothesis_never_succeeds() -> None:
    result = typed(start("∀ p : Prop, (p → p) → True"), "intro p f\ncases f")
    assert result.out is None and result.failure is not None and "not of an inductive type" in result.failure.message


def test_elimination_needs_a_hypothesis_in_scope() -> None:
    err = block_error("∀ n : Nat, 0 + n = n", "intro n\ninduction m")
    assert err.path == "$.rest.payload.arg" and "unknown hypothesis 'm'" in err.message and err.found == "m"
    assert err.loc is not None and err.loc.line == 12


# -- hypothesis references ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "path", "name"),
    [
        ("intro a b ha hb\nexact hc", "$.rest.payload.arg", "hc"),
        ("intro a b ha hb\nrw [hz] at ha", "$.rest.payload.arg", "hz"),
        ("intro a b ha hb\nrw [ha] at hz", "$.rest.payload.arg", "hz"),
        ("intro a b ha hb\nsimp at hz", "$.rest.payload.arg", "hz"),
        ("intro a b ha hb\ncases hz", "$.rest.payload.arg", "hz"),
        ("intro a b ha\ntry (intro hb; exact hz)", "$.rest.payload.children[1].arg", "hz"),
    ],
)
def test_unknown_hypotheses_are_rejected(script: str, path: str, name: str) -> None:
    err = block_error(IMP, script)
    assert err.path == path and f"'{name}'" in err.message


def test_global_constants_are_not_hypotheses_but_are_fine() -> None:
    assert block("∀ n : Nat, n ≤ n + 1", "intro n\nexact Nat.le_succ n").out is not None
    assert block("∀ n : Nat, 0 + n = n", "intro n\nrw [Nat.zero_add]").out is not None


def test_unknown_tactics_and_malformed_tactics_are_rejected() -> None:
    assert "unknown tactic 'frobnicate'" in block_error(IMP, "frobnicate").message
    err = block_error(IMP, "intro a b ha hb\nexact")
    assert "an argument is expected" in err.message and err.path == "$.rest.payload.arg"
    assert "expected a list of equations" in block_error(IMP, "intro a b ha hb\nrw ha").message
    assert "have: expected" in block_error(IMP, "have h").message


# -- done, blocks, tacticals ----------------------------------------------------------------------


def test_done_requires_no_goal() -> None:
    assert out(start("True"), "exact True.intro\ndone").bounds() == (0, 0)
    result = typed(start("True"), "done")
    assert result.out is None and result.failure is not None and result.failure.expected == "0 goals"


def test_a_block_must_leave_no_goal() -> None:
    err = block_error("∀ a b : Prop, a → b → a ∧ b", "intro a b ha hb\nconstructor\nexact ha")
    assert err.path == "$" and "unsolved goals" in err.message
    assert (err.expected, err.found) == ("0 goals", "1 goal(s)")


def test_try_first_and_repeat() -> None:
    assert out(start("True"), "try exact True.intro").bounds() == (0, 1)
    assert out(start("True"), "first | exact True.intro | rfl").bounds() == (0, 0)
    iface = out(start("∀ p q r : Prop, p → q → r → p ∧ q ∧ r"),
                "intro p q r hp hq hr\nrepeat (first | constructor | assumption)")
    lo, _ = iface.bounds()
    assert lo == 0


def test_all_goals_runs_on_every_goal_and_keeps_the_goal_order() -> None:
    state = after(start("∀ a b : Prop, a ∧ b ↔ b ∧ a"), "intro a b\nconstructor")
    g1, g2 = state.focus_goals()
    first, second = slots(out(state, "all_goals intro h"))
    # `all_goals t` focuses each goal by id in turn; each goal's results take its place
    assert first.name.startswith(state.obligation_id(g1)) and second.name.startswith(state.obligation_id(g2))
    assert first.shape.head == second.shape.head == "And" and "h" in first.hyps


def test_any_goals_needs_a_goal() -> None:
    assert typed(Interface(), "any_goals rfl").out is None
    assert out(start("0 = 0"), "any_goals rfl").bounds() == (0, 0)


def test_then_combinator_runs_the_second_tactic_on_every_new_goal() -> None:
    state = after(start("∀ a b : Prop, a → b → a ∧ b"), "intro a b ha hb")
    assert out(state, "constructor <;> assumption").bounds() == (0, 0)


def test_bullets_case_next_and_alternatives() -> None:
    assert block("∀ a b : Prop, a → b → a ∧ b", "intro a b ha hb\nconstructor\n· exact ha\n· exact hb").out \
        is not None
    assert block("∀ n : Nat, 0 + n = n", "intro n\ninduction n\ncase zero => rfl\n"
                 "case succ k ih => rw [Nat.add_succ, ih]").out is not None
    assert block("∀ n : Nat, n * 1 = n", "intro n\ninduction n\nnext => rfl\n"
                 "next k ih => rw [Nat.mul_succ, Nat.mul_zero, Nat.zero_add]").out is not None
    assert block("∀ n : Nat, 0 + n = n", "intro n\ninduction n with\n| zero => rfl\n"
                 "| succ m ih => rw [Nat.add_succ, ih]").out is not None


def test_a_case_for_a_tag_that_does_not_exist_never_succeeds() -> None:
    err = block_error("∀ n : Nat, 0 + n = n", "intro n\ninduction n\ncase nil => rfl\ncase succ k ih => rfl")
    assert "no goal 'nil'" in err.message


def test_a_bullet_must_solve_its_goal() -> None:
    err = block_error("∀ a b : Prop, a → b → a ∧ b", "intro a b ha hb\nconstructor\n· intro x\n· exact hb")
    assert "not a ∀ or an →" in err.message


def test_effect_rows_of_tactics() -> None:
    assert typed(start("True"), "exact True.intro").effects == REFINE
    assert typed(start("0 + 0 = 0"), "rw [Nat.zero_add]").effects == REWRITE
    assert typed(start("True"), "done").effects == EffectRow(frozenset(), frozenset({"tactic"}))
    assert typed(start("True"), "try (exact True.intro)").effects == REFINE
