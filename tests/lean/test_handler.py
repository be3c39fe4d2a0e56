"""The Lean handler against a scripted, in-process stand-in for the Lean REPL (``FakeLean``) and,
end to end, against the project's subprocess fake REPL replaying a recorded transcript."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from tactic_mesh.calculus.effects import SIGNATURE, SPECS
from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Failure, Panic, ReplayIncompatible, Stop, Success
from tactic_mesh.calculus.tactic_syntax import TacticCall, split_tactics
from tactic_mesh.calculus.tactics import defer
from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Focus,
    Foreign,
    Op,
    Policy,
    Term,
    Value,
    VExpr,
    VGoal,
    VList,
    VName,
    VNum,
    VRecord,
    VStr,
    VSurface,
    VUnit,
    VVar,
    seq,
)
from tactic_mesh.kernel.expr import FVar
from tactic_mesh.lean.handler import (
    MACHINE_OPERATIONS,
    REFUSED_OPERATIONS,
    SERVED_OPERATIONS,
    LeanHandler,
    lean_program,
    lean_tactic,
    prove,
)
from tactic_mesh.lean.handler_repl import ReplBackend, declaration_name
from tactic_mesh.lean.handler_state import LeanStartError, LeanState
from tactic_mesh.lean.handler_text import LeanUnsupported, lean_tactics
from tactic_mesh.lean.repl_types import (
    CommandResult,
    ReplError,
    TacticResult,
    parse_command_response,
    parse_tactic_response,
    tactic_failure,
)

# ---------------------------------------------------------------------------------------------
# a scripted Lean REPL


@attrs.frozen
class Fail:
    """Lean rejects the tactic (the REPL answers ``{"message": "Lean error: ..."}``)."""

    message: str


@attrs.frozen
class Recovered:
    """Lean logs an error and recovers the goal into ``sorry`` (goals [], not Completed)."""

    message: str


@attrs.frozen
class Ends:
    """The tactic closes every goal, but the proof status is not Completed (an earlier sorry)."""

    status: str


Outcome = tuple[str, ...] | Fail | Recovered | Ends
_POS = {"line": 1, "column": 0}


class FakeLean:
    """Behaves like the Lean REPL on a small script of Lean facts: ``theorems`` maps a statement to
    its goal text; ``steps`` maps (main goal text, tactic) to the goals replacing the main goal (or
    a failure).  A command ``statement := by sorry`` yields a sorry with a new proof state; a tactic
    gives a new proof state, its goals and ``proofStatus``; errors are messages; a command
    ``statement := by`` + script is re-elaborated by running the script from the statement's goal
    (``checks`` overrides the answer for a given command).  ``rotate_left``/``rotate_right``,
    ``focus`` and ``·`` are interpreted as Lean does."""

    def __init__(
        self, theorems: dict[str, str], steps: dict[tuple[str, str], Outcome], *,
        checks: dict[str, dict[str, Any]] | None = None, constants: dict[str, str] | None = None,
        axioms: dict[str, str] | None = None,
    ) -> None:
        self.theorems, self.steps = theorems, steps
        self.checks = checks or {}
        self.constants = constants or {}
        self.axioms = axioms or {}
        self.requests: list[dict[str, Any]] = []
        self.states: dict[int, tuple[str, ...]] = {}
        self.envs = 0
        self.raise_next: ReplError | None = None

    # -- the LeanRepl methods the handler uses ---------------------------------------------------

    def provenance(self) -> dict[str, str]:
        return {"lean": "Lean (version 4.15.0, x86_64-unknown-linux-gnu, Release)", "repl_revision": "0f3c2ab",
                "command": "lake exe repl"}

    def command(self, cmd: str, env: int | None = None, *, all_tactics: bool = False, root_goals: bool = False,
                infotree: str | None = None) -> CommandResult:
        self.requests.append({"cmd": cmd, **({} if env is None else {"env": env})})
        resp = self._command(cmd)
        resp["env"] = self.envs
        self.envs += 1
        return parse_command_response(resp)

    def tactic(self, tactic: str, proof_state: int) -> TacticResult:
        self.requests.append({"tactic": tactic, "proofState": proof_state})
        if self.raise_next is not None:
            err, self.raise_next = self.raise_next, None
            raise err
        goals = self.states.get(proof_state)
        if goals is None:
            raise ReplError("Unknown proof state.", "unknown-proof-state")
        outcome = self._run(goals, tactic)
        if isinstance(outcome, Fail):
            return tactic_failure(f"Lean error:\n<input>:1:0: {outcome.message}", proof_state, {})
        if isinstance(outcome, Recovered):
            return parse_tactic_response({"proofState": self._state(()), "goals": [], "proofStatus":
                                          "Incomplete: contains sorry", "messages": [_msg("error", outcome.message)]})
        if isinstance(outcome, Ends):
            return parse_tactic_response({"proofState": self._state(()), "goals": [], "proofStatus": outcome.status})
        status = "Incomplete: open goals remain" if outcome else "Completed"
        new = self._state(outcome)
        return parse_tactic_response({"proofState": new, "goals": list(outcome), "proofStatus": status})

    # -- the scripted Lean -------------------------------------------------------------------------

    def _state(self, goals: tuple[str, ...]) -> int:
        n = len(self.states)
        self.states[n] = goals
        return n

    def _run(self, goals: tuple[str, ...], tactic: str) -> Outcome:
        if not goals:
            return Fail("no goals to be proved")
        head, _, rest = tactic.partition(" ")
        if head in ("rotate_left", "rotate_right"):
            k = int(rest) % len(goals)
            return goals[k:] + goals[:k] if head == "rotate_left" else goals[-k:] + goals[:-k] if k else goals
        if tactic.startswith(("focus\n", "· ")):
            body = tactic[2:] if tactic.startswith("· ") else "\n".join(line[2:] for line in tactic.split("\n")[1:])
            inner: Outcome = (goals[0],)
            for t in [body] if tactic.startswith("· ") else _tactics(body):
                assert isinstance(inner, tuple)
                inner = self._run(inner, t)
                if not isinstance(inner, tuple):
                    return inner
            assert isinstance(inner, tuple)
            if tactic.startswith("· ") and inner:
                return Fail("unsolved goals")
            return inner + goals[1:]
        outcome = self.steps.get((goals[0], tactic))
        if outcome is None:
            return Fail(f"fake Lean has no rule for {tactic!r} on {goals[0]!r}")
        return outcome + goals[1:] if isinstance(outcome, tuple) else outcome

    def _command(self, cmd: str) -> dict[str, Any]:
        if cmd.startswith("import "):
            return {}
        if cmd in self.checks:
            return dict(self.checks[cmd])
        if cmd.startswith("#print axioms "):
            name = cmd[len("#print axioms "):]
            return {"messages": [_msg("info", self.axioms.get(name, f"'{name}' does not depend on any axioms"))]}
        if cmd.startswith("#check @"):
            name = cmd[len("#check @"):]
            if name not in self.constants:
                return {"messages": [_msg("error", f"unknown constant '{name}'")]}
            return {"messages": [_msg("info", f"{name} : {self.constants[name]}")]}
        if cmd.endswith(" := by sorry"):
            goal = self.theorems.get(cmd[: -len(" := by sorry")])
            if goal is None:
                return {"messages": [_msg("error", "unknown identifier 'Foo'")]}
            ps = self._state((goal,))
            return {"sorries": [{"proofState": ps, "pos": _POS, "endPos": _POS, "goal": goal}],
                    "messages": [_msg("warning", "declaration uses `sorry`")]}
        statement, sep, body = cmd.partition(" := by\n")
        if sep and statement in self.theorems:
            goals: Outcome = (self.theorems[statement],)
            for t in _tactics("\n".join(line[2:] for line in body.split("\n"))):
                assert isinstance(goals, tuple)
                goals = self._run(goals, t)
                if isinstance(goals, (Fail, Recovered)):
                    return {"messages": [_msg("error", goals.message)]}
                if isinstance(goals, Ends):
                    return {"messages": [_msg("warning", "declaration uses `sorry`")]}
            if goals:
                return {"messages": [_msg("error", "unsolved goals")]}
            return {}
        return {"messages": [_msg("error", f"fake Lean cannot elaborate {cmd!r}")]}


def _msg(severity: str, data: str) -> dict[str, Any]:
    return {"severity": severity, "pos": _POS, "endPos": _POS, "data": data}


def _tactics(block: str) -> list[str]:
    """The tactics of a block at column 0 (indented lines continue the tactic above)."""
    out: list[str] = []
    for line in block.split("\n"):
        if line.startswith(" ") and out:
            out[-1] += "\n" + line
        elif line.strip():
            out.append(line)
    return out


# ---------------------------------------------------------------------------------------------
# the theorem of the tests

DECL = "theorem and_swap (p q : Prop) (hp : p) (hq : q) : q ∧ p"
G0 = "p q : Prop\nhp : p\nhq : q\n⊢ q ∧ p"
LEFT = "case left\np q : Prop\nhp : p\nhq : q\n⊢ q"
RIGHT = "case right\np q : Prop\nhp : p\nhq : q\n⊢ p"
STEPS: dict[tuple[str, str], Outcome] = {
    (G0, "constructor"): (LEFT, RIGHT),
    (LEFT, "exact hq"): (),
    (RIGHT, "exact hp"): (),
    (LEFT, "exact hp"): Fail("type mismatch\n  hp\nhas type\n  p : Prop\nbut is expected to have type\n  q : Prop"),
    (RIGHT, "exact hq"): Fail("type mismatch"),
    (G0, "exact ⟨hq, hp⟩"): (),
    (G0, "exact missing hq"): Recovered("Unknown identifier `missing`"),
    (G0, "exact cheat"): Ends("Incomplete: contains sorry"),
    (G0, "intro x"): Fail("no additional binders"),
}
BY_SCRIPT = f"{DECL} := by\n  constructor\n  exact hq\n  exact hp"


def make(**kw: Any) -> tuple[FakeLean, LeanHandler]:
    lean = FakeLean({DECL: G0}, dict(STEPS), **kw)
    return lean, LeanHandler(ReplBackend(lean, header="import Lean"))


def run(handler: LeanHandler, term: Term, state: LeanState) -> Success[LeanState] | Stop:
    machine: Machine[LeanState] = Machine({"lean": handler})
    return machine.first(term, state, ("lean",))


def tac(text: str) -> Term:
    (call,) = split_tactics(text, 1, 1)
    return defer(call)


def sent_tactics(lean: FakeLean) -> list[str]:
    return [r["tactic"] for r in lean.requests if "tactic" in r]


# ---------------------------------------------------------------------------------------------
# proving end to end


def test_a_theorem_is_proved_end_to_end() -> None:
    lean, handler = make()
    result = prove(handler, DECL, "constructor\nexact hq\nexact hp")
    assert result.proved, result.verdict.reason
    assert result.verdict.script == ("constructor", "exact hq", "exact hp")
    assert result.verdict.status == "Completed"
    assert result.verdict.source == BY_SCRIPT
    cmds = [r["cmd"] for r in lean.requests if "cmd" in r]
    # the header, the start with `sorry`, the command-mode re-check and the axioms check
    assert cmds == ["import Lean", f"{DECL} := by sorry", BY_SCRIPT, "#print axioms and_swap"]
    base_env = 0
    assert all(r.get("env") == base_env for r in lean.requests if "cmd" in r and r["cmd"] != "import Lean"
               and not r["cmd"].startswith("#print"))


def test_the_start_is_the_sorrys_proof_state() -> None:
    lean, handler = make()
    state = handler.start(DECL)
    assert state.proof_state == 0 and lean.states[0] == (G0,)
    assert [g.text for g in state.goals] == [G0]
    assert not state.completed and state.script == ()


def test_completed_but_the_recheck_reports_sorry_is_not_proved() -> None:
    _, handler = make(checks={BY_SCRIPT: {"messages": [_msg("warning", "declaration uses `sorry`")]}})
    result = prove(handler, DECL, "constructor\nexact hq\nexact hp")
    assert result.verdict.status == "Completed"
    assert not result.proved
    assert "sorry" in result.verdict.reason
    assert result.verdict.recheck is not None and not result.verdict.recheck.ok


def test_completed_but_the_recheck_reports_an_error_is_not_proved() -> None:
    _, handler = make(checks={BY_SCRIPT: {"messages": [_msg("error", "unknown tactic")]}})
    result = prove(handler, DECL, "constructor\nexact hq\nexact hp")
    assert not result.proved
    assert "unknown tactic" in result.verdict.reason


def test_completed_but_sorry_in_the_axioms_is_not_proved() -> None:
    _, handler = make(axioms={"and_swap": "'and_swap' depends on axioms: [sorryAx]"})
    result = prove(handler, DECL, "constructor\nexact hq\nexact hp")
    assert not result.proved and "sorryAx" in result.verdict.reason


def test_no_goals_without_completed_is_not_a_proof_and_is_not_rechecked() -> None:
    lean, handler = make()
    outcome = run(handler, lean_tactic("exact cheat"), handler.start(DECL))
    assert isinstance(outcome, Success)
    assert outcome.state.goals == () and outcome.state.status == "Incomplete: contains sorry"
    verdict = handler.verify(outcome.state)
    assert not verdict.proved and "not a completed proof" in verdict.reason
    assert verdict.recheck is None
    assert not any(r.get("cmd", "").startswith(DECL + " := by\n") for r in lean.requests)


def test_an_error_recovered_into_sorry_fails_the_step() -> None:
    _, handler = make()
    outcome = run(handler, lean_tactic("exact missing hq"), handler.start(DECL))
    assert isinstance(outcome, Failure)
    assert "Unknown identifier `missing`" in str(outcome.reason)


def test_a_rejected_tactic_is_a_catchable_failure_and_choice_backtracks() -> None:
    lean, handler = make()
    state = handler.start(DECL)
    program = seq(tac("constructor"), Choice(Policy.BACKTRACK, (tac("exact hp"), tac("exact hq"))), tac("exact hp"))
    outcome = run(handler, program, state)
    assert isinstance(outcome, Success)
    assert outcome.state.script == ("constructor", "exact hq", "exact hp")  # the failed branch left no trace
    assert "exact hp" in sent_tactics(lean)[1]
    assert handler.verify(outcome.state).proved


def test_first_is_sent_as_one_lean_tactic() -> None:
    lean, handler = make()
    result = prove(handler, DECL, "constructor\nfirst | exact hq | exact hp\nexact hp")
    # `first | …` is one Lean tactic: the scripted Lean has no rule for it, so the run fails
    assert not result.proved and "no rule" in result.stop
    assert sent_tactics(lean)[-1] == "first | exact hq | exact hp"


# ---------------------------------------------------------------------------------------------
# focus


def test_focus_on_the_second_goal_rotates_and_focuses() -> None:
    lean, handler = make()
    program = seq(tac("constructor"), Focus("2", tac("exact hp")), tac("exact hq"))
    outcome = run(handler, program, handler.start(DECL))
    assert isinstance(outcome, Success), outcome
    assert sent_tactics(lean) == ["constructor", "rotate_left 1", "focus\n  exact hp", "rotate_right 1", "exact hq"]
    assert outcome.state.focus is None
    verdict = handler.verify(outcome.state)
    assert verdict.proved, verdict.reason


def test_focus_by_case_tag_and_the_window_follows_the_goals() -> None:
    _, handler = make()
    outcome = run(handler, seq(tac("constructor"), Focus("right", tac("exact hp"))), handler.start(DECL))
    assert isinstance(outcome, Success)
    assert [g.tag for g in outcome.state.goals] == ["left"]
    narrowed = outcome.state.narrow("left")
    assert not isinstance(narrowed, str)
    inner, _ = narrowed
    assert inner.focus == (0, 1)
    assert outcome.state.narrow("nothing") == "no goal 'nothing' among 1 goal(s)"


def test_focus_on_the_first_goal_wraps_in_focus_only_when_other_goals_exist() -> None:
    lean, handler = make()
    run(handler, seq(tac("constructor"), Focus("main", tac("exact hq"))), handler.start(DECL))
    assert sent_tactics(lean) == ["constructor", "focus\n  exact hq"]
    lean2, handler2 = make()
    run(handler2, Focus("main", tac("exact ⟨hq, hp⟩")), handler2.start(DECL))
    assert sent_tactics(lean2) == ["exact ⟨hq, hp⟩"]


# ---------------------------------------------------------------------------------------------
# what is refused


@pytest.mark.parametrize("text, tactic", [
    ("interleave | exact hq | exact hp", "interleave"),
    ("eprover", "eprover"),
    ("calc a = b := h", "calc"),
    ("progress simp", "progress"),
    ("omega", "omega"),
    ("try (first | rfl | eq_search)", "eq_search"),
    ("exact sorry", "exact"),
])
def test_tactics_without_lean_text_are_refused_by_name_and_never_sent(text: str, tactic: str) -> None:
    lean, handler = make()
    outcome = run(handler, tac(text), handler.start(DECL))
    assert isinstance(outcome, Failure)
    assert f"tactic '{tactic}' cannot be sent to Lean" in str(outcome.reason)
    assert sent_tactics(lean) == []


def test_a_raw_lean_tactic_mentioning_sorry_is_never_sent() -> None:
    lean, handler = make()
    outcome = run(handler, lean_tactic("exact (by sorry)"), handler.start(DECL))
    assert isinstance(outcome, Failure) and "sorry" in str(outcome.reason)
    assert sent_tactics(lean) == []


OPERANDS: dict[str, tuple[Value, ...]] = {
    "ReadMetavarGraph": (), "ReadConstraintStore": (), "PreviewAssign": (VGoal("main"), VUnit()),
    "FreshMetavar": (VUnit(),), "SpawnObligations": (VList(()),), "AssignMetavar": (VGoal("main"), VUnit()),
    "RegisterResidualBuilder": (VRecord(()),), "Elaborate": (VSurface("hq"), VGoal("main")),
    "Normalize": (VUnit(), VStr("whnf")), "Unify": (VUnit(), VUnit()), "Rewrite": (VGoal("main"), VUnit(), VStr("->")),
    "SynthesizeInstance": (VUnit(),), "CheckWitness": (VUnit(), VUnit()),
}


@pytest.mark.parametrize("name", sorted(REFUSED_OPERATIONS))
def test_each_refused_operation_panics_naming_it(name: str) -> None:
    lean, handler = make()
    outcome = run(handler, Op(name, OPERANDS[name]), handler.start(DECL))
    assert isinstance(outcome, Panic)
    assert f"operation {name} is not served" in outcome.reason
    assert REFUSED_OPERATIONS[name] in outcome.reason
    assert sent_tactics(lean) == []


def test_every_operation_of_the_signature_is_decided_once() -> None:
    decided = [*SERVED_OPERATIONS, *MACHINE_OPERATIONS, *REFUSED_OPERATIONS]
    assert sorted(decided) == sorted(SPECS)
    assert len(decided) == len(set(decided)) == len(SIGNATURE)


def test_wrong_operand_counts_are_catchable_failures() -> None:
    _, handler = make()
    state = handler.start(DECL)
    for op in (Op("ReadObligation", ()), Op("Checkpoint", (VNum(1),))):
        outcome = run(handler, op, state)
        assert isinstance(outcome, Failure) and f"{op.name}: bad operands" in str(outcome.reason)


def test_other_foreign_symbols_are_forwarded() -> None:
    _, handler = make()
    outcome = run(handler, Foreign("eprover", VRecord(())), handler.start(DECL))
    assert isinstance(outcome, Panic) and "unhandled foreign symbol 'eprover'" in outcome.reason


def test_a_crashed_repl_panics_and_a_timeout_is_catchable() -> None:
    lean, handler = make()
    state = handler.start(DECL)
    lean.raise_next = ReplError("EOF", "crashed")
    crashed = run(handler, tac("constructor"), state)
    assert isinstance(crashed, Panic) and "crashed" in crashed.reason
    lean.raise_next = ReplError("no answer in 60 s", "timeout")
    timed_out = run(handler, Choice(Policy.COMMIT, (tac("constructor"), tac("exact ⟨hq, hp⟩"))), state)
    assert isinstance(timed_out, Success) and timed_out.state.script == ("exact ⟨hq, hp⟩",)


def test_the_start_refuses_a_proof_and_an_unknown_statement() -> None:
    _, handler = make()
    with pytest.raises(LeanStartError, match="no `:=`"):
        handler.start(f"{DECL} := rfl")
    with pytest.raises(LeanStartError, match="does not elaborate"):
        handler.start("theorem other : True")


# ---------------------------------------------------------------------------------------------
# inspection, control, provenance


def test_goals_are_read_back_into_obligations() -> None:
    _, handler = make()
    program = seq(tac("constructor"), Bind("gs", Op("ViewActiveObligations"), Op("ReadObligation", (VGoal("ps1:1"),))))
    outcome = run(handler, program, handler.start(DECL))
    assert isinstance(outcome, Success)
    record = outcome.value
    assert isinstance(record, VRecord)
    assert record.get("id") == VGoal("ps1:1") and record.get("tag") == VStr("right")
    assert record.get("hypotheses") == VNum(4)
    assert record.get("target_read") == VStr("term") and isinstance(record.get("target"), VExpr)
    assert record.get("target_text") == VStr("p")
    views = run(handler, seq(tac("constructor"), Op("ViewActiveObligations")), handler.start(DECL))
    assert isinstance(views, Success)
    ps = views.state.proof_state
    assert ps != 1 and views.value == VList((VGoal(f"ps{ps}:0"), VGoal(f"ps{ps}:1")))


def test_the_local_context_splits_multi_name_hypotheses() -> None:
    _, handler = make()
    outcome = run(handler, Op("ReadLocalContext", (VGoal("main"),)), handler.start(DECL))
    assert isinstance(outcome, Success) and isinstance(outcome.value, VList)
    hyps = [h for h in outcome.value.items if isinstance(h, VRecord)]
    assert [h.get("name") for h in hyps] == [VName("p"), VName("q"), VName("hp"), VName("hq")]
    hp_type = hyps[2].get("type")
    assert isinstance(hp_type, VExpr) and isinstance(hp_type.expr, FVar)  # `p`, the local
    assert hyps[0].get("type_text") == VStr("Prop")


def test_a_goal_our_syntax_does_not_read_keeps_lean_text_and_says_so() -> None:
    goal = "n✝ : Nat\nh : n✝ ∈ l\n⊢ Decidable (n✝ = 0)"
    lean = FakeLean({"theorem odd (l : List Nat) : True": goal}, {})
    handler = LeanHandler(ReplBackend(lean, header=""))
    outcome = run(handler, Op("ReadObligation", (VGoal("main"),)), handler.start("theorem odd (l : List Nat) : True"))
    assert isinstance(outcome, Success) and isinstance(outcome.value, VRecord)
    assert outcome.value.get("target") == VStr("Decidable (n✝ = 0)")
    assert outcome.value.get("target_read") == VStr("text")
    note = outcome.value.get("target_note")
    assert isinstance(note, VStr) and "not our term syntax" in note.value
    assert lean.requests[0]["cmd"].endswith(":= by sorry")  # header "": no header command


def test_a_stale_goal_id_is_refused() -> None:
    _, handler = make()
    outcome = run(handler, seq(tac("constructor"), Op("ReadObligation", (VGoal("ps0:0"),))), handler.start(DECL))
    assert isinstance(outcome, Failure) and "proof-state-scoped" in str(outcome.reason)


def test_read_environment_asks_lean() -> None:
    lean, handler = make(constants={"Nat.add_zero": "∀ (n : Nat), n + 0 = n"})
    outcome = run(handler, Op("ReadEnvironment", (VName("Nat.add_zero"),)), handler.start(DECL))
    assert isinstance(outcome, Success) and isinstance(outcome.value, VRecord)
    assert outcome.value.get("type_read") == VStr("term")
    assert {"cmd": "#check @Nat.add_zero", "env": 0} in lean.requests
    missing = run(handler, Op("ReadEnvironment", (VName("Nope"),)), handler.start(DECL))
    assert isinstance(missing, Failure) and "unknown constant 'Nope'" in str(missing.reason)
    injected = run(handler, Op("ReadEnvironment", (VName("x\n#eval 1"),)), handler.start(DECL))
    assert isinstance(injected, Failure) and "not a constant name" in str(injected.reason)


def test_rollback_restores_the_checkpoint_exactly() -> None:
    lean, handler = make()
    start = handler.start(DECL)
    program = Bind("cp", Op("Checkpoint"), seq(tac("constructor"), Op("Rollback", (VVar("cp"),))))
    outcome = run(handler, program, start)
    assert isinstance(outcome, Success)
    assert outcome.state == attrs.evolve(start, saved=(start,))
    assert sent_tactics(lean) == ["constructor"]


def test_provenance_records_toolchain_repl_revision_and_header() -> None:
    _, handler = make()
    state = handler.start(DECL)
    outcome = run(handler, Op("ReadProvenance"), state)
    assert isinstance(outcome, Success) and isinstance(outcome.value, VRecord)
    record = dict(outcome.value.fields)
    assert record["backend"] == VStr("lean-repl")
    assert record["toolchain"] == VStr("Lean (version 4.15.0, x86_64-unknown-linux-gnu, Release)")
    assert record["repl_revision"] == VStr("0f3c2ab")
    assert record["header"] == VStr("import Lean")
    assert isinstance(record["handler"], VStr) and record["handler"].value.startswith("tactic-mesh-lean-handler/")
    assert record["command"] == VStr("lake exe repl")
    same = run(handler, Op("RequireReplayCompatibility", (outcome.value,)), state)
    assert isinstance(same, Success)
    other = VRecord((("toolchain", VStr("Lean (version 4.9.0)")),))
    refused = run(handler, Op("RequireReplayCompatibility", (other,)), state)
    assert refused == ReplayIncompatible("toolchain", "Lean (version 4.9.0)", record["toolchain"].value)


# ---------------------------------------------------------------------------------------------
# printing our tactics as Lean text


def lean_of(text: str) -> tuple[str, ...]:
    (call,) = split_tactics(text, 1, 1)
    return lean_tactics(call)


@pytest.mark.parametrize("text", [
    "intro n m", "intros", "exact Nat.le_refl n", "apply Nat.succ_le_succ", "refine ⟨?_, hp⟩", "constructor",
    "cases h", "induction n", "rfl", "rw [Nat.add_comm, ← h] at h2", "rewrite [h]", "simp only [Nat.add_zero] at h",
    "simp [*]", "assumption", "exfalso", "contradiction", "exists 0", "left", "right", "have h : p := hp",
    "show q ∧ p", "first | rfl | (simp; rfl)", "try simp", "repeat rw [h]", "all_goals simp", "any_goals rfl",
    "constructor <;> assumption", "rfl <|> simp", "· exact hq", "case succ m ih => simp [ih]", "next => rfl", "done",
])
def test_the_vocabulary_prints_as_the_same_lean_text(text: str) -> None:
    assert lean_of(text) == (text,)


def test_blocks_print_with_their_layout() -> None:
    text = "induction n with\n| zero => rfl\n| succ m ih =>\n  simp\n  rw [ih]"
    assert lean_of(text) == (text,)
    assert lean_of("focus\n  constructor\n  exact hq") == ("focus\n  constructor\n  exact hq",)
    assert lean_of("cases h with | inl a => exact a | inr b => exact b") == (
        "cases h with\n| inl a => exact a\n| inr b => exact b",)


def test_translated_forms() -> None:
    assert lean_of("rfl orelse simp") == ("first | rfl | simp",)
    assert lean_of("solve | rfl | simp") == ("first | (rfl; done) | (simp; done)",)
    assert lean_of("once (constructor; exact hq)") == ("constructor", "exact hq")
    assert lean_of("try (once simp)") == ("try simp",)
    assert lean_of("have h : p") == ("have h : p := ?_",)
    assert lean_of("have h : p := (by exact hp)") == ("have h : p := (by exact hp)",)


def test_a_sequence_of_lean_texts_is_sent_one_request_each() -> None:
    lean, handler = make()
    outcome = run(handler, tac("once (constructor; exact hq)"), handler.start(DECL))
    assert isinstance(outcome, Success)
    assert sent_tactics(lean) == ["constructor", "exact hq"]
    assert outcome.state.script == ("constructor", "exact hq")


def test_an_unsupported_tactic_names_itself() -> None:
    with pytest.raises(LeanUnsupported) as info:
        lean_tactics(TacticCall("try", "", 0, 0, (TacticCall("symm", "", 0, 0),)))
    assert info.value.tactic == "symm"
    with pytest.raises(LeanUnsupported, match="alternative"):
        lean_tactics(TacticCall("|", "zero", 0, 0))


def test_declaration_names() -> None:
    assert declaration_name(DECL) == "and_swap"
    assert declaration_name("@[simp] protected theorem Foo.bar {α : Type} : True") == "Foo.bar"
    assert declaration_name("example : True") is None


def test_lean_program_defers_every_step() -> None:
    program = lean_program("intro n\nsimp")
    assert program == seq(defer(TacticCall("intro", "n", 0, 0)), defer(TacticCall("simp", "", 0, 0)))


# ---------------------------------------------------------------------------------------------
# end to end through the real client and the project's subprocess fake REPL

FAKE_REPL = Path(__file__).with_name("fake_repl.py")
TRANSCRIPT = Path(__file__).with_name("fixtures") / "sorry_to_completed.json"


def test_prove_through_the_repl_client_replaying_a_transcript() -> None:
    from tactic_mesh.lean.repl import LeanRepl, ReplConfig

    config = ReplConfig(command=(sys.executable, str(FAKE_REPL), str(TRANSCRIPT)), timeout=30.0)
    with LeanRepl(config) as repl:
        handler = LeanHandler(ReplBackend(repl, header=""))
        result = prove(handler, "theorem and_swap (p q : Prop) (hp : p) (hq : q) : q ∧ p",
                       "constructor\nexact hq\nexact hp")
    assert result.proved, result.verdict.reason
    assert result.verdict.recheck is not None
    assert result.verdict.recheck.text.endswith(":= by\n  constructor\n  exact hq\n  exact hp")
