"""Live conformance: the recorded scenarios (tests/lean/fixtures) against a real Lean REPL.

Runs only when a REPL is available — ``$TACTIC_MESH_LEAN_REPL`` holds its command (for example
``lake exe repl``, with ``$TACTIC_MESH_LEAN_REPL_CWD`` the REPL checkout) or ``repl`` is on PATH —
and a Lean toolchain (``lean`` or ``lake``) is on PATH; otherwise every scenario is skipped with the
reason.  Each scenario's requests are sent verbatim through ``LeanRepl.send_raw`` (ids translated
from the transcript's to the live REPL's as answers arrive, pickle paths moved into a temporary
directory) and each answer is compared with the recorded one by *shape and outcome*, not bytes:
error answer or not (and which kind), error messages present or not, the number of sorries,
tactics, goals and info messages, whether traces or an infotree came back (and the infotree's node
kinds, in order), and the first word of ``proofStatus``.  The typed client and
``confirm_tactic_proof`` are then run end to end once.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from fake_repl import SCENARIOS, answer_kind, get_path, load_scenario, new_id_slots, request_kind

from tactic_mesh.lean.repl import LeanRepl, ReplConfig, confirm_tactic_proof
from tactic_mesh.lean.repl_types import error_kind

FAKE = Path(__file__).resolve().parent / "fake_repl.py"
UNKNOWN = 1_000_000  # transcript ids never created map here: certainly unknown to the live REPL


def live_command() -> tuple[tuple[str, ...] | None, str]:
    if os.environ.get("TACTIC_MESH_LEAN_REPL"):
        command = tuple(shlex.split(os.environ["TACTIC_MESH_LEAN_REPL"]))
    elif shutil.which("repl"):
        command = ("repl",)
    else:
        return None, "no Lean REPL (set TACTIC_MESH_LEAN_REPL, e.g. 'lake exe repl', or put `repl` on PATH)"
    if not (shutil.which("lean") or shutil.which("lake")):
        return None, "no Lean toolchain (`lean`/`lake` not on PATH)"
    return command, ""


def live_config() -> ReplConfig:
    command, why = live_command()
    if command is None:
        pytest.skip(f"live Lean REPL conformance skipped: {why}")
    timeout = float(os.environ.get("TACTIC_MESH_LEAN_REPL_TIMEOUT", "600"))
    return ReplConfig.from_env(command=command, timeout=timeout)


def translate(request: dict[str, Any], ids: dict[str, dict[int, int]], tmp: Path | None) -> dict[str, Any]:
    """The request with the live REPL's ids (and pickle paths under ``tmp``, when given)."""
    live = dict(request)
    if isinstance(live.get("env"), int):
        live["env"] = ids["env"].get(live["env"], UNKNOWN + live["env"])
    if isinstance(live.get("proofState"), int):
        live["proofState"] = ids["ps"].get(live["proofState"], UNKNOWN + live["proofState"])
    for key in ("pickleTo", "unpickleEnvFrom", "unpickleProofStateFrom"):
        if key in live and tmp is not None:
            target = tmp / live[key]
            target.parent.mkdir(parents=True, exist_ok=True)
            live[key] = str(target)
    return live


def _severities(resp: dict[str, Any]) -> list[str]:
    return [m.get("severity", "?") for m in resp.get("messages") or []]


def _status_word(resp: dict[str, Any]) -> str | None:
    status = resp.get("proofStatus")
    return None if status is None else str(status).split(":")[0]


def _tree_shape(trees: Any) -> list[str]:
    """An infotree in preorder, each node as ``info kind/syntax kind`` (``TacticInfo/Lean.Parser.Tactic.exact``)."""
    out: list[str] = []
    for tree in trees if isinstance(trees, list) else []:
        node = tree.get("node") if isinstance(tree, dict) else None
        stx = node.get("stx") if isinstance(node, dict) else None
        out.append(f"{tree.get('kind')}/{stx.get('kind') if isinstance(stx, dict) else None}")
        out += _tree_shape(tree.get("children"))
    return out


def compare(kind: str, expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """What differs in shape or outcome between the recorded and the live answer."""
    problems: list[str] = []
    if "message" in expected or "message" in got:
        if "message" not in got or "message" not in expected:
            return [f"error answer expected={'message' in expected} live={'message' in got}"]
        want, have = str(expected["message"]), str(got["message"])
        if want.startswith("Lean error:") != have.startswith("Lean error:") or error_kind(want) != error_kind(have):
            problems.append(f"error kind differs: {want!r} vs {have!r}")
        return problems

    def same(what: str, a: object, b: object) -> None:
        if a != b:
            problems.append(f"{what}: recorded {a!r}, live {b!r}")

    same("has errors", "error" in _severities(expected), "error" in _severities(got))
    same("info messages", _severities(expected).count("info"), _severities(got).count("info"))
    same("sorries", len(expected.get("sorries") or []), len(got.get("sorries") or []))
    if answer_kind(kind) == "command":
        if not isinstance(got.get("env"), int):
            problems.append("no env in the live answer")
        same("tactics", len(expected.get("tactics") or []), len(got.get("tactics") or []))
        same("infotree present", bool(expected.get("infotree")), bool(got.get("infotree")))
        same("infotree nodes", _tree_shape(expected.get("infotree")), _tree_shape(got.get("infotree")))
    else:
        if not isinstance(got.get("proofState"), int):
            problems.append("no proofState in the live answer")
        same("goals", len(expected.get("goals") or []), len(got.get("goals") or []))
        same("proofStatus", _status_word(expected), _status_word(got))
        same("traces present", bool(expected.get("traces")), bool(got.get("traces")))
    return problems


def run_scenario(repl: LeanRepl, name: str, tmp: Path | None) -> int:
    """Send every request of scenario ``name`` and compare the answers; the number of steps."""
    scenario = load_scenario(name)
    ids: dict[str, dict[int, int]] = {"env": {}, "ps": {}}
    for number, step in enumerate(scenario["steps"], 1):
        kind = request_kind(step["request"])
        assert kind is not None, f"{name} step {number}: not a REPL request"
        request = translate(step["request"], ids, tmp)
        got = repl.send_raw(request)
        problems = compare(kind, step["response"], got)
        assert not problems, f"{name} step {number}: {request} answered {got}: {problems}"
        for id_kind, path in new_id_slots(step["response"], kind):
            ids[id_kind][get_path(step["response"], path)] = get_path(got, path)
    return len(scenario["steps"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_live_scenario(name: str, tmp_path: Path) -> None:
    config = live_config()
    with LeanRepl(config) as repl:
        assert run_scenario(repl, name, tmp_path) > 0


# -- the conformance machinery itself, without Lean ---------------------------------------------


@pytest.mark.parametrize("name", SCENARIOS)
def test_conformance_driver_against_the_fake(name: str, tmp_path: Path) -> None:
    """The driver above, pointed at the fake REPL (numbering from 50): the fixtures are
    self-consistent and the id translation works, so a live failure means the REPL differs."""
    command = (sys.executable, str(FAKE), name, "--id-offset", "50")
    with LeanRepl(ReplConfig(command=command, cwd=str(tmp_path), timeout=30.0)) as repl:
        assert run_scenario(repl, name, None) == len(load_scenario(name)["steps"])


def test_compare_notices_a_different_outcome() -> None:
    done = {"proofState": 3, "goals": [], "proofStatus": "Completed"}
    assert compare("tactic", done, {**done, "proofState": 9}) == []
    assert compare("tactic", done, {**done, "proofStatus": "Incomplete: contains sorry"}) != []
    assert compare("tactic", done, {"message": "Lean error:\nunknown tactic"}) != []
    assert compare("cmd", {"env": 0}, {"env": 4, "messages": [{"severity": "error", "data": "x"}]}) != []
    assert compare("cmd", {"message": "Unknown environment."}, {"message": "Unknown proof state."}) != []
    leaf = {"node": {"stx": {"kind": "Lean.Parser.Tactic.exact"}}, "kind": "TacticInfo", "children": []}
    block = {"node": {"stx": {"kind": "Lean.Parser.Term.byTactic"}}, "kind": "TacticInfo", "children": [leaf]}
    assert compare("cmd", {"env": 0, "infotree": [block]}, {"env": 3, "infotree": [block]}) == []
    assert compare("cmd", {"env": 0, "infotree": [block]}, {"env": 3, "infotree": [leaf]}) != []


def test_live_typed_client_confirms_a_tactic_proof() -> None:
    config = live_config()
    statement = "theorem and_swap (p q : Prop) (hp : p) (hq : q) : q ∧ p"
    tactics = ["constructor", "exact hq", "exact hp"]
    with LeanRepl(config) as repl:
        start = repl.command(statement + " := by sorry")
        state = start.sorries[0].proof_state
        assert state is not None
        result = None
        for tactic in tactics:
            result = repl.tactic(tactic, state)
            state = result.proof_state
        assert result is not None and result.completed
        check = confirm_tactic_proof(repl, None, statement, tactics, result, name="and_swap")
        assert check.proved, check.reason
        provenance = repl.provenance()
        assert provenance["lean"] != "unknown" and provenance["command"]
