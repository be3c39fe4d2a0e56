"""The Lean REPL client against the fake REPL (tests/lean/fake_repl.py), through real pipes.

Every scenario fixture is exercised through the typed API; restart + replay, timeouts, EOF,
unparsable answers, recycling and the memory limit are provoked with the fake's misbehaviour
options.  The fake numbers its ids from 100 (``--id-offset``) so a client that leaked physical ids
would fail.  No test depends on speed: the one short timeout (2 s) is against a fake that
never answers.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.lean.repl import (
    LeanRepl,
    Message,
    Pos,
    ReplConfig,
    ReplError,
    check_proof,
    confirm_tactic_proof,
    declaration_with_tactics,
    encode_request,
    id_slots,
)
from tactic_mesh.lean.repl_types import (
    error_kind,
    parse_command_response,
    parse_message,
    parse_sorry,
    parse_tactic_response,
)

FAKE = Path(__file__).resolve().parent / "fake_repl.py"
OFFSET = 100


def fake(tmp_path: Path, fixtures: str | Sequence[str], *flags: str, **config: Any) -> ReplConfig:
    names = [fixtures] if isinstance(fixtures, str) else list(fixtures)
    command = [sys.executable, str(FAKE), *names, "--log", str(tmp_path / "log.jsonl"), "--id-offset", str(OFFSET)]
    config.setdefault("timeout", 30.0)
    return ReplConfig(command=(*command, *flags), cwd=str(tmp_path), **config)


def processes(tmp_path: Path) -> list[list[dict[str, Any]]]:
    """The requests each fake process received, one list per process started."""
    runs: list[list[dict[str, Any]]] = []
    log = tmp_path / "log.jsonl"
    if not log.exists():
        return runs
    for line in log.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["event"] == "start":
            runs.append([])
        else:
            runs[-1].append(event["request"])
    return runs


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


AND_SWAP = "theorem and_swap (p q : Prop) (hp : p) (hq : q) : q ∧ p"


def drive_and_swap(repl: LeanRepl) -> list[Any]:
    start = repl.command(AND_SWAP + " := by sorry")
    one = repl.tactic("constructor", start.sorries[0].proof_state or 0)
    two = repl.tactic("exact hq", one.proof_state)
    three = repl.tactic("exact hp", two.proof_state)
    return [start, one, two, three]


# ---------------------------------------------------------------------------------------------
# the scenarios


def test_sorry_to_completed_and_confirmed(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed")) as repl:
        start = repl.command(AND_SWAP + " := by sorry")
        assert start.env == 0 and start.raw["env"] == 0  # logical, while the fake said 100
        assert start.errors == () and start.uses_sorry
        (hole,) = start.sorries
        assert hole.proof_state == 0 and hole.goal == "p q : Prop\nhp : p\nhq : q\n⊢ q ∧ p"
        assert hole.pos == Pos(1, 62) and hole.end_pos == Pos(1, 67)
        assert start.messages == (Message("warning", Pos(1, 8), Pos(1, 16), "declaration uses `sorry`"),)

        one = repl.tactic("constructor", 0)
        assert [g.splitlines()[0] for g in one.goals] == ["case left", "case right"]
        assert not one.completed and one.proof_status == "Incomplete: open goals remain"
        two = repl.tactic("exact hq", one.proof_state)
        three = repl.tactic("exact hp", two.proof_state)
        assert (one.proof_state, two.proof_state, three.proof_state) == (1, 2, 3)
        assert three.goals == () and three.completed

        check = confirm_tactic_proof(
            repl, None, AND_SWAP + " := by sorry", ["constructor", "exact hq", "exact hp"], three, name="and_swap"
        )
        assert check.proved and check.axioms == () and check.reason == "proved"
    sent = processes(tmp_path)[0]
    assert sent[1] == {"tactic": "constructor", "proofState": OFFSET}  # the physical id went to the REPL
    assert sent[4] == {"cmd": AND_SWAP + " := by\n  constructor\n  exact hq\n  exact hp"}
    assert sent[5] == {"cmd": "#print axioms and_swap", "env": OFFSET + 1}


def test_error_is_a_message_and_recovered_sorry_is_not_a_proof(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "error_recovery")) as repl:
        bad = repl.command("theorem uses_missing (n : Nat) : n ≤ n + 1 := by\n  exact missing_lemma n")
        assert bad.errors == (Message("error", Pos(2, 8), Pos(2, 21), "Unknown identifier `missing_lemma`"),)
        assert repl.command("example : True := trivial", env=bad.env).errors == ()
        stated = repl.command("theorem le_succ' (n : Nat) : n ≤ n + 1 := by sorry", env=bad.env)
        hole = stated.sorries[0].proof_state
        assert hole is not None
        recovered = repl.tactic("exact missing_lemma n", hole)
        assert recovered.goals == () and not recovered.completed and not recovered.failed
        assert recovered.proof_status == "Incomplete: contains sorry"
        assert recovered.errors[0].pos == Pos(0, 0) and "missing_lemma" in recovered.errors[0].data
        verdict = confirm_tactic_proof(
            repl, bad.env, "theorem le_succ' (n : Nat) : n ≤ n + 1", ["exact missing_lemma n"], recovered
        )
        assert not verdict.proved and "contains sorry" in verdict.reason
        assert repl.tactic("exact Nat.le_succ n", hole).completed
        mismatch = repl.command('def wrong : Nat := "text"', env=bad.env)
        assert mismatch.errors[0].data.startswith("type mismatch") and mismatch.env == 3


def test_rejected_tactic_is_a_value_and_the_state_survives(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "unknown_tactic")) as repl:
        state = repl.command("theorem four : 2 + 2 = 4 := by sorry").sorries[0].proof_state
        assert state is not None
        typo = repl.tactic("decidee", state)
        assert typo.failed and typo.error == "unknown tactic" and typo.proof_state == state
        assert typo.messages == (Message("error", Pos(1, 1), None, "unknown tactic"),)
        assert not typo.completed and typo.goals == () and typo.proof_status is None
        thrown = repl.tactic("assumption", state)
        assert thrown.failed and thrown.error is not None and thrown.error.startswith("Tactic `assumption` failed")
        assert repl.tactic("decide", state).completed
        assert confirm_tactic_proof(repl, None, "theorem four : 2 + 2 = 4", ["decidee"], typo).proved is False


def test_unknown_proof_state(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "unknown_proof_state")) as repl:
        repl.command("theorem three : 3 = 3 := by sorry")
        with pytest.raises(ReplError) as caught:
            repl.tactic("rfl", 4)  # never handed out: refused without asking the REPL
        assert caught.value.kind == "unknown-proof-state" and isinstance(caught.value, TacticMeshError)
        with pytest.raises(ReplError) as caught:
            repl.pickle_proof_state(9, "pickles/never.olean")
        assert caught.value.kind == "unknown-proof-state"
        assert len(processes(tmp_path)[0]) == 1
        # the REPL's own answers, at the physical level
        answer = repl.send_raw({"tactic": "rfl", "proofState": 4})
        assert answer == {"message": "Unknown proof state."} and error_kind(answer["message"]) == "unknown-proof-state"
        answer = repl.send_raw({"pickleTo": "pickles/never.olean", "proofState": 9})
        assert answer == {"message": "Unknown proof State."} and error_kind(answer["message"]) == "unknown-proof-state"
        assert repl.tactic("rfl", 0).completed


def test_unknown_environment(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "unknown_environment")) as repl:
        with pytest.raises(ReplError) as caught:
            repl.command("def two : Nat := 2", env=3)
        assert caught.value.kind == "unknown-env" and "3" in caught.value.message
        assert repl.send_raw({"cmd": "def two : Nat := 2", "env": 3}) == {"message": "Unknown environment."}
        env = repl.command("def two : Nat := 2").env
        with pytest.raises(ReplError) as caught:
            repl.pickle_env(7, "pickles/never.olean")
        assert caught.value.kind == "unknown-env"
        answer = repl.send_raw({"unpickleProofStateFrom": "pickles/never.olean", "env": 9})
        assert error_kind(answer["message"]) == "unknown-env"
        assert repl.command("example : two = 2 := rfl", env=env).env == 1


def test_unknown_environment_answered_by_the_repl_raises(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "unknown_environment", "--forget-envs")) as repl:
        env = repl.command("def two : Nat := 2").env
        with pytest.raises(ReplError) as caught:
            repl.command("example : two = 2 := rfl", env=env)
        assert caught.value.kind == "unknown-env" and caught.value.request is not None


def test_sorry_inside_tactic_mode(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "tactic_sorry")) as repl:
        root = repl.command("theorem pair_facts : 1 + 1 = 2 ∧ 2 + 2 = 4 := by sorry").sorries[0].proof_state
        assert root == 0
        have = repl.tactic("have h : 2 + 2 = 4 := by sorry", root)
        (inner,) = have.sorries
        assert inner.goal == "⊢ 2 + 2 = 4" and inner.pos == Pos(0, 0) and inner.end_pos is None
        assert inner.proof_state == 1 and have.proof_state == 2  # allocation order: the sorry first
        assert have.raw["sorries"][0]["proofState"] == 1 and have.raw["proofState"] == 2
        closed = repl.tactic("exact ⟨rfl, h⟩", have.proof_state)
        assert closed.goals == () and not closed.completed  # empty goals, yet no proof
        admitted = repl.tactic("sorry", root)
        assert admitted.goals == () and admitted.proof_status == "Incomplete: contains sorry"
        assert repl.tactic("exact ⟨rfl, rfl⟩", root).completed


def test_pickling_env_and_proof_state(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "pickle")) as repl:
        env = repl.command("def answer : Nat := 42").env
        repl.pickle_env(env, "pickles/answer_env.olean")
        assert (tmp_path / "pickles" / "answer_env.olean").exists()
        restored = repl.unpickle_env("pickles/answer_env.olean")
        assert restored.env == 1 and restored.messages == ()
        assert repl.command("example : answer = 42 := rfl", env=restored.env).errors == ()
        state = repl.command("theorem answer_eq : answer = 42 := by sorry", env=restored.env).sorries[0].proof_state
        assert state is not None
        repl.pickle_proof_state(state, "pickles/answer_ps.olean")
        back = repl.unpickle_proof_state("pickles/answer_ps.olean", env=restored.env)
        assert back.goals == ("⊢ answer = 42",) and back.proof_state == 1  # the pickle's copy got no logical id
        assert repl.tactic("rfl", back.proof_state).completed
        alone = repl.unpickle_proof_state("pickles/answer_ps.olean")
        assert repl.tactic("decide", alone.proof_state).completed
        pid = repl.pid
        with pytest.raises(ReplError) as caught:
            repl.unpickle_env("pickles/absent.olean")
        assert caught.value.kind == "repl" and "absent.olean" in caught.value.message
        assert repl.pid == pid  # refused before the REPL could die on it
    sent = processes(tmp_path)[0]
    assert sent[5] == {"pickleTo": "pickles/answer_ps.olean", "proofState": OFFSET}
    assert sent[6] == {"unpickleProofStateFrom": "pickles/answer_ps.olean", "env": OFFSET + 1}


def test_traces(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "traces")) as repl:
        env = repl.command("def triple (n : Nat) : Nat := 3 * n").env
        env = repl.command("@[simp] theorem triple_def (n : Nat) : triple n = 3 * n := rfl", env=env).env
        env = repl.command("set_option trace.Meta.Tactic.simp.rewrite true", env=env).env
        state = repl.command("theorem triple_two : triple 2 = 6 := by sorry", env=env).sorries[0].proof_state
        assert state is not None
        traced = repl.tactic('trace "before simp"', state)
        assert traced.traces == ("before simp",) and traced.messages == () and not traced.completed
        simp = repl.tactic("simp", traced.proof_state)
        assert simp.completed and len(simp.traces) == 2
        assert all(t.startswith("[Meta.Tactic.simp.rewrite]") for t in simp.traces)
        command_trace = repl.command('example : True := by\n  trace "in command mode"\n  trivial')
        assert [(m.severity, m.data) for m in command_trace.messages] == [("info", "in command mode")]


def test_all_tactics_and_root_goals(tmp_path: Path) -> None:
    text = "theorem swap_and (p q : Prop) (h : p ∧ q) : q ∧ p := by\n  obtain ⟨hp, hq⟩ := h\n  exact ⟨hq, hp⟩"
    with LeanRepl(fake(tmp_path, "all_tactics_root_goals")) as repl:
        result = repl.command(text, all_tactics=True)
        assert [t["tactic"] for t in result.tactics] == ["obtain ⟨hp, hq⟩ := h", "exact ⟨hq, hp⟩"]
        assert [t["proofState"] for t in result.tactics] == [0, 1]
        assert result.tactics[1]["usedConstants"] == ["And.intro"] and result.sorries == ()
        assert repl.tactic("exact ⟨h.2, h.1⟩", result.tactics[0]["proofState"]).completed
        rooted = repl.command("theorem two_le_three : 2 ≤ 3 := by decide", root_goals=True)
        (goal,) = rooted.sorries
        assert goal.goal == "⊢ 2 ≤ 3" and goal.pos == goal.end_pos == Pos(1, 32)
        assert goal.proof_state is not None and repl.tactic("omega", goal.proof_state).completed
    sent = processes(tmp_path)[0]
    assert sent[0]["allTactics"] is True and "rootGoals" not in sent[0]
    assert sent[2] == {"cmd": "theorem two_le_three : 2 ≤ 3 := by decide", "rootGoals": True}


def test_infotree(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "infotree")) as repl:
        tree = repl.command("theorem true_intro : True := by exact True.intro", infotree="tactics").infotree
        chain, nodes = [], tree
        while nodes:  # "tactics" keeps every TacticInfo node: the `by` block down to the tactic
            (only,) = nodes
            assert only["kind"] == "TacticInfo"
            chain.append(only["node"]["stx"]["kind"])
            nodes = only["children"]
        assert chain == [
            "Lean.Parser.Term.byTactic",
            "by",
            "Lean.Parser.Tactic.tacticSeq",
            "Lean.Parser.Tactic.tacticSeq1Indented",
            "Lean.Parser.Tactic.exact",
        ]
        tree = repl.command("theorem true_intro' : True := by exact True.intro", infotree="substantive").infotree
        assert [node["node"]["goalsBefore"] for node in tree] == [["⊢ True"]]
        assert repl.command("theorem true_intro : True := by exact True.intro").infotree is None
        with pytest.raises(ValueError, match="infotree"):
            repl.command("example : True := trivial", infotree="everything")


def test_check_proof(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "check_proof")) as repl:
        header = repl.command("def double (n : Nat) : Nat := n + n").env
        ok = check_proof(repl, header, "theorem double_two : double 2 = 4 := rfl", name="double_two")
        assert ok.proved and ok.axioms == () and ok.env is not None
        comm = "theorem double_comm (n : Nat) : double n = 2 * n := by\n  unfold double\n  omega"
        assert check_proof(repl, header, comm, name="double_comm").axioms == ("propext",)
        admitted = check_proof(repl, header, "theorem double_three : double 3 = 6 := sorry")
        assert not admitted.proved and "sorry" in admitted.reason and admitted.env == 5
        wrong = check_proof(repl, header, "theorem double_bad : double 3 = 7 := rfl")
        assert not wrong.proved and wrong.reason.startswith("error at 1:37: type mismatch")
        # a proof citing a sorried lemma draws no warning: only #print axioms tells
        cites = "theorem double_three' : double 3 = 6 := double_three"
        assert admitted.env is not None
        hidden = check_proof(repl, admitted.env, cites, name="double_three'")
        assert not hidden.proved and "sorryAx" in hidden.reason and hidden.axioms == ("sorryAx",)
        assert check_proof(repl, admitted.env, cites).proved  # without a name the header is trusted


def test_declaration_with_tactics() -> None:
    text = declaration_with_tactics(
        "theorem t (n : Nat) : n = n := by sorry", ["induction n with\n| zero => rfl\n| succ k ih => rfl"]
    )
    assert text == "theorem t (n : Nat) : n = n := by\n  induction n with\n  | zero => rfl\n  | succ k ih => rfl"
    assert declaration_with_tactics("example : True :=", ["trivial"]) == "example : True := by\n  trivial"
    assert declaration_with_tactics("example : True", []) == "example : True := by\n  skip"


# ---------------------------------------------------------------------------------------------
# framing and parsing


def test_request_framing() -> None:
    assert encode_request({"cmd": "a\nb", "env": 2}) == b'{"cmd": "a\\nb", "env": 2}\n\n'
    assert encode_request({"tactic": "exact ⟨h, h⟩", "proofState": 0}).count(b"\n") == 2


def test_parsers_accept_upstream_shapes_and_reject_others() -> None:
    assert (
        parse_message({"severity": "info", "pos": {"line": 1, "column": 0}, "endPos": None, "data": "x"}).end_pos
        is None
    )
    assert parse_message({"severity": "info", "pos": {"line": 1, "column": 0}, "data": "x"}).end_pos is None
    assert parse_sorry({"proofState": None, "goal": "⊢ True"}).proof_state is None
    result = parse_command_response({"env": 4})
    assert (result.messages, result.sorries, result.tactics, result.infotree) == ((), (), (), None)
    assert parse_tactic_response({"proofState": 1, "goals": [], "proofStatus": "Completed"}).completed
    bad: object
    for bad in ({"messages": []}, {"env": "1"}, {"env": 1, "messages": [{"severity": "error"}]}, [1, 2]):
        with pytest.raises(ReplError) as caught:
            parse_command_response(bad)
        assert caught.value.kind == "protocol"
    with pytest.raises(ReplError):
        parse_tactic_response({"proofState": 1, "goals": [3]})
    slots = list(
        id_slots(
            {"sorries": [{"proofState": 5}, {"proofState": None}], "tactics": [{"proofState": 6}], "env": 2}, "command"
        )
    )
    assert slots == [("ps", ("sorries", 0, "proofState")), ("ps", ("tactics", 0, "proofState")), ("env", ("env",))]


# ---------------------------------------------------------------------------------------------
# failures, restart and replay


def test_crash_restarts_and_replays_the_path(tmp_path: Path) -> None:
    config = fake(tmp_path, "sorry_to_completed", "--die-at", "3", "--once", str(tmp_path / "once"))
    with LeanRepl(config) as repl:
        start, one, two, three = drive_and_swap(repl)
        assert two.goals[0].startswith("case right") and three.completed
        assert (start.env, one.proof_state, two.proof_state, three.proof_state) == (0, 1, 2, 3)
        stats = repl.stats
        assert (stats.starts, stats.restarts, stats.replayed) == (2, 1, 2)
    first, second = processes(tmp_path)
    assert [r.get("tactic", r.get("cmd")) for r in first] == [AND_SWAP + " := by sorry", "constructor", "exact hq"]
    assert second[0] == {"cmd": AND_SWAP + " := by sorry"}
    assert second[1:] == [
        {"tactic": "constructor", "proofState": OFFSET},
        {"tactic": "exact hq", "proofState": OFFSET + 1},
        {"tactic": "exact hp", "proofState": OFFSET + 2},
    ]


def test_ids_survive_a_failed_call(tmp_path: Path) -> None:
    config = fake(tmp_path, "sorry_to_completed", "--die-at", "2", "--once", str(tmp_path / "once"), retries=0)
    with LeanRepl(config) as repl:
        state = repl.command(AND_SWAP + " := by sorry").sorries[0].proof_state
        assert state is not None
        with pytest.raises(ReplError) as caught:
            repl.tactic("constructor", state)
        assert caught.value.kind == "crashed" and "dying as asked" in (caught.value.stderr or "")
        assert len(repl.tactic("constructor", state).goals) == 2  # replayed on a fresh process


def test_persistent_crash_is_reported(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed", "--die-at", "2")) as repl:
        repl.command(AND_SWAP + " := by sorry")
        with pytest.raises(ReplError) as caught:
            repl.tactic("constructor", 0)
        assert caught.value.kind == "crashed" and "exit status 3" in caught.value.message
        assert repl.stats.starts == 2 and repl.pid is None


def test_garbage_answer_restarts_then_gives_up(tmp_path: Path) -> None:
    once = fake(tmp_path, "sorry_to_completed", "--garbage-at", "2", "--once", str(tmp_path / "once"))
    with LeanRepl(once) as repl:
        repl.command(AND_SWAP + " := by sorry")
        assert len(repl.tactic("constructor", 0).goals) == 2 and repl.stats.restarts == 1
    with LeanRepl(fake(tmp_path, "sorry_to_completed", "--garbage-at", "1")) as repl:
        with pytest.raises(ReplError) as caught:
            repl.command(AND_SWAP + " := by sorry")
        assert caught.value.kind == "protocol" and "not JSON" in caught.value.message


def test_a_request_the_repl_cannot_decode_ends_it_and_is_not_retried(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed")) as repl:
        with pytest.raises(ReplError) as caught:
            repl.send_raw({"cmd": 3})  # upstream's `parse` throws; Lean prints it as an uncaught exception
        assert caught.value.kind == "protocol" and not caught.value.retryable
        assert "Could not parse as a valid JSON command" in caught.value.message
        assert caught.value.stderr is not None and caught.value.stderr.startswith("uncaught exception: {")
        assert repl.pid is None and repl.stats.starts == 1
        assert repl.command(AND_SWAP + " := by sorry").env == 0  # a fresh process serves the next call


def test_an_uncaught_exception_is_not_retried(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed", "--uncaught-at", "2")) as repl:
        repl.command(AND_SWAP + " := by sorry")
        with pytest.raises(ReplError) as caught:
            repl.tactic("constructor", 0)
        assert caught.value.kind == "repl" and "an exception escaped the loop" in caught.value.message
        assert repl.stats.starts == 1 and len(processes(tmp_path)) == 1  # the same request would end a fresh one


def test_text_that_is_not_unicode_is_refused_before_sending(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed")) as repl:
        with pytest.raises(ReplError) as caught:
            repl.command("def bad := \"\ud800\"")
        assert caught.value.kind == "request" and "not valid Unicode" in caught.value.message
        assert repl.stats.starts == 0  # nothing was started, nothing was sent
        state = repl.command(AND_SWAP + " := by sorry").sorries[0].proof_state
        assert state is not None
        pid = repl.pid
        with pytest.raises(ReplError) as caught:
            repl.tactic("exact \udcff", state)
        assert caught.value.kind == "request" and repl.pid == pid  # the process was left alone
        with pytest.raises(ReplError):
            repl.send_raw({"cmd": "\ud800"})
        assert repl.pid == pid and len(processes(tmp_path)[0]) == 1


def test_timeout_kills_and_the_next_call_replays(tmp_path: Path) -> None:
    config = fake(tmp_path, "sorry_to_completed", "--hang-at", "2", "--once", str(tmp_path / "once"), timeout=2.0)
    with LeanRepl(config) as repl:
        repl.command(AND_SWAP + " := by sorry")
        hung = repl.pid
        assert hung is not None
        with pytest.raises(ReplError) as caught:
            repl.tactic("constructor", 0)
        assert caught.value.kind == "timeout" and repl.pid is None and gone(hung)
        assert len(repl.tactic("constructor", 0).goals) == 2
        assert repl.stats.starts == 2 and len(processes(tmp_path)[1]) == 2


def test_slow_answers_within_the_timeout(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed", "--delay", "0.2")) as repl:
        assert drive_and_swap(repl)[-1].completed and repl.stats.restarts == 0


def test_recycling_after_max_uses(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed", max_uses=2)) as repl:
        assert drive_and_swap(repl)[-1].completed
        stats = repl.stats
        assert (stats.starts, stats.recycles, stats.restarts) == (3, 2, 0)
    runs = processes(tmp_path)
    assert [len(run) for run in runs] == [2, 3, 4]  # each recycled process replays the path it needs


def test_unpickled_env_needs_its_file_to_replay(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "pickle", max_uses=3)) as repl:
        env = repl.command("def answer : Nat := 42").env
        repl.pickle_env(env, "pickles/answer_env.olean")
        restored = repl.unpickle_env("pickles/answer_env.olean").env
        (tmp_path / "pickles" / "answer_env.olean").unlink()
        with pytest.raises(ReplError) as caught:  # recycled: replaying the unpickling needs the file
            repl.command("example : answer = 42 := rfl", env=restored)
        assert caught.value.kind == "repl" and "answer_env.olean" in caught.value.message


def test_memory_limit_is_set_in_the_child(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed", memory_mb=2048)) as repl:
        repl.command(AND_SWAP + " := by sorry")
    start = json.loads((tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert start["rlimit_as"] == [2048 * 1024 * 1024] * 2


def test_out_of_memory_is_a_limit(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed", "--oom-at", "1")) as repl:
        with pytest.raises(ReplError) as caught:
            repl.command(AND_SWAP + " := by sorry")
        assert caught.value.kind == "limit" and "out of memory" in (caught.value.stderr or "")


def test_oversized_answer_is_a_limit(tmp_path: Path) -> None:
    with LeanRepl(fake(tmp_path, "sorry_to_completed", max_response_bytes=64)) as repl:
        with pytest.raises(ReplError) as caught:
            repl.command(AND_SWAP + " := by sorry")
        assert caught.value.kind == "limit" and repl.stats.starts == 1  # not retried


def test_spawn_failure(tmp_path: Path) -> None:
    with LeanRepl(ReplConfig(command=(str(tmp_path / "no-such-repl"),))) as repl:
        with pytest.raises(ReplError) as caught:
            repl.command("def x := 1")
        assert caught.value.kind == "spawn" and "no-such-repl" in str(caught.value)


def test_close_ends_the_process(tmp_path: Path) -> None:
    repl = LeanRepl(fake(tmp_path, "sorry_to_completed"))
    assert repl.pid is None  # lazy start
    with repl:
        repl.command(AND_SWAP + " := by sorry")
        pid = repl.pid
        assert pid is not None
    assert gone(pid) and repl.pid is None
    with pytest.raises(ReplError):
        repl.tactic("constructor", 0)


def test_config_validation_and_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError):
        ReplConfig(timeout=0)
    with pytest.raises(ValueError):
        ReplConfig(command=())
    monkeypatch.setenv("TACTIC_MESH_LEAN_REPL", "lake env /opt/repl/bin/repl")
    monkeypatch.setenv("TACTIC_MESH_LEAN_REPL_REVISION", "r1")
    config = ReplConfig.from_env(timeout=5.0)
    assert config.command == ("lake", "env", "/opt/repl/bin/repl") and config.revision == "r1"
    assert config.timeout == 5.0
    monkeypatch.setenv("TACTIC_MESH_LEAN_REPL", "lake 'exe repl")
    with pytest.raises(ValueError, match=r"\$TACTIC_MESH_LEAN_REPL is not a shell-quoted command"):
        ReplConfig.from_env()


def test_provenance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("TACTIC_MESH_LEAN_REPL_REVISION", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    bare = LeanRepl(ReplConfig(command=("lake", "exe", "repl"), cwd=str(project))).provenance()
    assert bare == {"lean": "unknown", "repl_revision": "unknown", "command": f"lake exe repl (in {project})"}

    (project / "lean-toolchain").write_text("leanprover/lean4:v4.99.0\n", encoding="utf-8")
    (project / "lake-manifest.json").write_text(
        json.dumps({"packages": [{"name": "REPL", "rev": "0123abc"}]}), encoding="utf-8"
    )
    found = LeanRepl(ReplConfig(cwd=str(project))).provenance()
    assert found["lean"] == "leanprover/lean4:v4.99.0 (lean-toolchain)"
    assert found["repl_revision"] == "0123abc (lake-manifest.json)"

    lean = empty / "lean"
    lean.write_text("#!/bin/sh\necho 'Lean (version 4.99.0, x86_64-unknown-linux-gnu, Release)'\n", encoding="utf-8")
    lean.chmod(lean.stat().st_mode | stat.S_IXUSR)
    named = LeanRepl(ReplConfig(cwd=str(project), revision="v4.99.0-repl")).provenance()
    assert named["lean"] == "Lean (version 4.99.0, x86_64-unknown-linux-gnu, Release)"
    assert named["repl_revision"] == "v4.99.0-repl"
