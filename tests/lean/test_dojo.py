"""The LeanDojo adapter (``lean/dojo.py``) with a fake ``lean_dojo`` module injected into
``sys.modules``, and its behaviour when LeanDojo cannot be used."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from tactic_mesh.calculus.machine import Machine
from tactic_mesh.calculus.outcomes import Failure, Panic, Stop, Success
from tactic_mesh.calculus.tactic_syntax import split_tactics
from tactic_mesh.calculus.tactics import defer
from tactic_mesh.calculus.terms import Choice, Op, Policy, Term, VName, VRecord, VStr
from tactic_mesh.lean import dojo as dojo_mod
from tactic_mesh.lean.dojo import (
    DojoBackend,
    DojoTheorem,
    DojoUnavailable,
    dojo_session,
    dojo_unavailable,
    load_lean_dojo,
    prove_with_dojo,
)
from tactic_mesh.lean.handler import LeanHandler
from tactic_mesh.lean.handler_state import LeanBackendError, LeanStartError, LeanState

G0 = "p q : Prop\nhp : p\nhq : q\n⊢ q ∧ p"
TWO = "case left\np q : Prop\nhp : p\nhq : q\n⊢ q\n\ncase right\np q : Prop\nhp : p\nhq : q\n⊢ p"
RIGHT = "case right\np q : Prop\nhp : p\nhq : q\n⊢ p"
THEOREM = DojoTheorem("https://github.com/example/lean-demo", "0123456789abcdef0123456789abcdef01234567",
                      "Demo/Basic.lean", "and_swap")


def fake_lean_dojo(*, check: bool | None = True, init_error: bool = False) -> types.ModuleType:
    """A stand-in for ``lean_dojo`` with the names of its interaction API."""
    mod = types.ModuleType("lean_dojo")
    mod.__version__ = "4.20.0"  # type: ignore[attr-defined]
    calls: dict[str, list[Any]] = {"run_tac": [], "check_proof": [], "exit": [], "dojo": []}
    mod.calls = calls  # type: ignore[attr-defined]

    class DojoInitError(Exception):
        pass

    class DojoCrashError(Exception):
        pass

    class DojoTacticTimeoutError(Exception):
        pass

    @dataclass(frozen=True)
    class LeanGitRepo:
        url: str
        commit: str
        lean_version: str = field(default="v4.15.0")

    @dataclass(frozen=True)
    class Theorem:
        repo: LeanGitRepo
        file_path: str
        full_name: str

    @dataclass(frozen=True)
    class TacticState:
        pp: str
        id: int
        message: str | None = None

    @dataclass(frozen=True)
    class ProofFinished:
        tactic_state_id: int
        message: str | None = None

    @dataclass(frozen=True)
    class ProofGivenUp:
        pass

    @dataclass(frozen=True)
    class LeanError:
        error: str

    script: dict[tuple[str, str], Any] = {
        (G0, "constructor"): lambda: TacticState(TWO, 1),
        (TWO, "exact hq"): lambda: TacticState(RIGHT, 2),
        (RIGHT, "exact hp"): lambda: ProofFinished(3),
        (G0, "exact hp"): lambda: LeanError("type mismatch\n  hp\nhas type p"),
        (G0, "exact (id hq)"): lambda: ProofGivenUp(),
        (G0, "simp"): lambda: (_ for _ in ()).throw(DojoTacticTimeoutError()),
        (G0, "rfl"): lambda: (_ for _ in ()).throw(DojoCrashError("OOM")),
        (G0, "assumption"): lambda: "what is this",
        (G0, "intro x"): lambda: (_ for _ in ()).throw(AssertionError("goal count mismatch")),
    }

    class Dojo:
        def __init__(self, entry: Theorem, timeout: int = 600, additional_imports: list[str] | None = None) -> None:
            calls["dojo"].append((entry, timeout))
            self.entry = entry

        def __enter__(self) -> tuple[Dojo, TacticState]:
            if init_error:
                raise DojoInitError("Cannot find the *.ast.json file")
            return self, TacticState(G0, 0)

        def __exit__(self, *args: object) -> None:
            calls["exit"].append(args)

        def run_tac(self, state: TacticState, tactic: str) -> Any:
            if not isinstance(state, TacticState):
                raise RuntimeError("invalid state")
            calls["run_tac"].append((state.id, tactic))
            made = script.get((state.pp, tactic))
            return made() if made is not None else LeanError(f"unknown tactic {tactic!r}")

    def check_proof(thm: Theorem, proof: str) -> bool:
        calls["check_proof"].append((thm, proof))
        return bool(check)

    for name, value in {
        "DojoInitError": DojoInitError, "DojoCrashError": DojoCrashError,
        "DojoTacticTimeoutError": DojoTacticTimeoutError, "LeanGitRepo": LeanGitRepo, "Theorem": Theorem,
        "TacticState": TacticState, "ProofFinished": ProofFinished, "ProofGivenUp": ProofGivenUp,
        "LeanError": LeanError, "Dojo": Dojo,
    }.items():
        setattr(mod, name, value)
    if check is not None:
        mod.check_proof = check_proof  # type: ignore[attr-defined]
    return mod


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    mod = fake_lean_dojo()
    monkeypatch.setitem(sys.modules, "lean_dojo", mod)
    monkeypatch.setattr(dojo_mod, "_which", lambda program: f"/usr/bin/{program}")
    return mod


def tac(text: str) -> Term:
    (call,) = split_tactics(text, 1, 1)
    return defer(call)


def run(handler: LeanHandler, term: Term, state: LeanState) -> Success[LeanState] | Stop:
    machine: Machine[LeanState] = Machine({"lean": handler})
    return machine.first(term, state, ("lean",))


# -- the interaction -------------------------------------------------------------------------------


def test_a_proof_through_the_dojo_is_rechecked_by_check_proof(fake: types.ModuleType) -> None:
    result = prove_with_dojo(THEOREM, "constructor\nexact hq\nexact hp")
    assert result.proved, result.verdict.reason
    assert fake.calls["run_tac"] == [(0, "constructor"), (1, "exact hq"), (2, "exact hp")]
    ((thm, proof),) = fake.calls["check_proof"]
    assert proof == "by\n  constructor\n  exact hq\n  exact hp"
    assert (thm.full_name, thm.file_path, thm.repo.commit) == ("and_swap", "Demo/Basic.lean", THEOREM.commit)
    assert len(fake.calls["exit"]) == 1  # the Dojo was left


def test_proof_finished_is_not_proved_when_check_proof_rejects_it(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = fake_lean_dojo(check=False)
    monkeypatch.setitem(sys.modules, "lean_dojo", mod)
    result = prove_with_dojo(THEOREM, "constructor\nexact hq\nexact hp", require_toolchain=False)
    assert result.verdict.status == "ProofFinished (no goals)"
    assert not result.proved and "check_proof rejected" in result.verdict.reason


@pytest.mark.parametrize("last", ["all_goals sorry", "exact sorryAx _ false", "admit"])
def test_a_script_mentioning_sorry_is_never_handed_to_check_proof(fake: types.ModuleType, last: str) -> None:
    """The same refusal as the handler's (``handler_text.mentions_sorry``): ``sorry`` inside a name
    too, since ``sorryAx`` is the axiom behind it."""
    with DojoBackend(THEOREM) as backend:
        recheck = backend.recheck("and_swap", ["constructor", "exact hq", last])
    assert not recheck.ok and "sorry" in recheck.problems[0] and fake.calls["check_proof"] == []


def test_without_check_proof_nothing_is_proved(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = fake_lean_dojo(check=None)
    monkeypatch.setitem(sys.modules, "lean_dojo", mod)
    result = prove_with_dojo(THEOREM, "constructor\nexact hq\nexact hp", require_toolchain=False)
    assert not result.proved and "cannot be re-checked" in result.verdict.reason


def test_goals_come_from_the_tactic_states_pp(fake: types.ModuleType) -> None:
    with dojo_session(THEOREM) as (handler, state):
        assert [g.text for g in state.goals] == [G0]
        outcome = run(handler, tac("constructor"), state)
        assert isinstance(outcome, Success)
        assert [g.tag for g in outcome.state.goals] == ["left", "right"]
        assert outcome.state.goals[1].hypotheses[0].names == ("p", "q")


def test_lean_errors_and_given_up_proofs_are_catchable_failures(fake: types.ModuleType) -> None:
    with dojo_session(THEOREM) as (handler, state):
        error = run(handler, tac("exact hp"), state)
        assert isinstance(error, Failure) and "type mismatch" in str(error.reason)
        given_up = run(handler, tac("exact (id hq)"), state)
        assert isinstance(given_up, Failure) and "given up" in str(given_up.reason)
        recovered = run(handler, Choice(Policy.COMMIT, (tac("exact hp"), tac("constructor"))), state)
        assert isinstance(recovered, Success) and recovered.state.script == ("constructor",)


def test_a_crash_an_odd_answer_and_a_failing_run_tac_panic(fake: types.ModuleType) -> None:
    with dojo_session(THEOREM) as (handler, state):
        crashed = run(handler, tac("rfl"), state)
        assert isinstance(crashed, Panic) and "crashed" in crashed.reason
        odd = run(handler, tac("assumption"), state)
        assert isinstance(odd, Panic) and "unexpected answer" in odd.reason
        broken = run(handler, tac("intro x"), state)
        assert isinstance(broken, Panic) and "AssertionError: goal count mismatch" in broken.reason


def test_a_timeout_stops_the_session(fake: types.ModuleType) -> None:
    """LeanDojo leaves Lean running the timed-out tactic: its late answer would be taken for the
    next request's, so nothing more is sent and even a choice cannot recover."""
    with dojo_session(THEOREM) as (handler, state):
        timed_out = run(handler, Choice(Policy.COMMIT, (tac("simp"), tac("constructor"))), state)
        assert isinstance(timed_out, Panic) and "timed out" in timed_out.reason
        again = run(handler, tac("constructor"), state)
        assert isinstance(again, Panic) and "cannot go on" in again.reason
        assert fake.calls["run_tac"] == [(0, "simp")]


def test_a_failure_while_leaving_the_dojo_is_reported(fake: types.ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_exit(self: Any, *args: object) -> None:
        raise OSError("cannot remove the modified file")

    monkeypatch.setattr(fake.Dojo, "__exit__", broken_exit)
    with pytest.raises(LeanBackendError, match="leaving the Dojo failed: OSError"), DojoBackend(THEOREM):
        pass
    with pytest.raises(ValueError) as info, DojoBackend(THEOREM):
        raise ValueError("the run's own error")
    assert any("leaving the Dojo failed" in note for note in info.value.__notes__)


def test_read_environment_is_refused_without_command_mode(fake: types.ModuleType) -> None:
    with dojo_session(THEOREM) as (handler, state):
        outcome = run(handler, Op("ReadEnvironment", (VName("Nat.add_zero"),)), state)
        assert isinstance(outcome, Panic) and "no command mode" in outcome.reason


def test_provenance_names_lean_dojo_the_toolchain_and_the_file(fake: types.ModuleType) -> None:
    with dojo_session(THEOREM) as (handler, state):
        outcome = run(handler, Op("ReadProvenance"), state)
    assert isinstance(outcome, Success) and isinstance(outcome.value, VRecord)
    record = dict(outcome.value.fields)
    assert record["backend"] == VStr("lean-dojo")
    assert record["toolchain"] == VStr("v4.15.0")
    assert record["repl_revision"] == VStr("lean-dojo 4.20.0")
    assert record["header"] == VStr(f"{THEOREM.url}@{THEOREM.commit}:Demo/Basic.lean")
    assert record["theorem"] == VStr("and_swap")


def test_a_dojo_that_cannot_start_is_a_start_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lean_dojo", fake_lean_dojo(init_error=True))
    with pytest.raises(LeanStartError, match="DojoInitError"), DojoBackend(THEOREM, require_toolchain=False):
        pass


def test_a_closed_session_refuses_to_run(fake: types.ModuleType) -> None:
    backend = DojoBackend(THEOREM)
    handler = LeanHandler(backend)
    with backend:
        state = handler.start("and_swap")
    outcome = run(handler, tac("constructor"), state)
    assert isinstance(outcome, Panic) and "not open" in outcome.reason


# -- availability ----------------------------------------------------------------------------------


def test_a_missing_lean_dojo_is_reported_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lean_dojo", None)  # makes `import lean_dojo` fail
    with pytest.raises(DojoUnavailable, match="not installed") as info:
        load_lean_dojo()
    assert "tactic-mesh[lean]" in info.value.reason
    reason = dojo_unavailable()
    assert reason is not None and "not installed" in reason
    with pytest.raises(DojoUnavailable), DojoBackend(THEOREM):
        pass


def test_an_import_that_fails_otherwise_is_reported_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(name: str) -> types.ModuleType:
        raise AssertionError("Git version 2.20.0 is too old")

    monkeypatch.delitem(sys.modules, "lean_dojo", raising=False)
    monkeypatch.setattr(importlib, "import_module", boom)
    with pytest.raises(DojoUnavailable, match=r"AssertionError: Git version 2\.20\.0 is too old"):
        load_lean_dojo()


def test_no_toolchain_is_reported_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lean_dojo", fake_lean_dojo())
    monkeypatch.setattr(dojo_mod, "_which", lambda program: None)
    assert dojo_unavailable() == "no Lean toolchain: `lake` is not on PATH (install elan and a Lean 4 toolchain)"
    with pytest.raises(DojoUnavailable, match="lake"), DojoBackend(THEOREM):
        pass


def test_the_real_package_here() -> None:
    """On this machine: LeanDojo is usable exactly when it is installed and a toolchain is present."""
    if importlib.util.find_spec("lean_dojo") is not None:  # pragma: no cover - depends on the machine
        pytest.skip("lean_dojo is installed here")
    reason = dojo_unavailable()
    assert reason is not None and "not installed" in reason


def test_importing_the_adapter_does_not_import_lean_dojo() -> None:
    code = "import sys, tactic_mesh.lean.dojo, tactic_mesh.lean.handler; print('lean_dojo' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"
