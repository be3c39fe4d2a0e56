#!/usr/bin/env python3
"""A stand-in for the Lean REPL that replays a recorded transcript over stdin/stdout.

Run it as ``python fake_repl.py FIXTURE.json [options]``.  It speaks the upstream framing (a
request is JSON lines up to an empty line; lines starting with ``#`` or ``--`` are skipped; end of
input ends the process) and answers with pretty-printed, multi-line JSON followed by an empty
line.  It keeps its own environment and proof-state counters, as the real REPL does, and maps its
live ids to the transcript's: a request is translated to transcript ids and matched by content
against the transcript's requests (the first match not yet used by this process, else the first
match), and the recorded answer is sent with every newly created id renumbered to a fresh live
id.  Like the REPL it answers ``Unknown environment.`` / ``Unknown proof state.`` (``Unknown proof
State.`` when pickling) for ids it never created, writes pickle files, and dies with an uncaught
exception on an unparsable request or a missing pickle file.

Misbehaviour for tests (``N`` counts requests, from 1): ``--die-at N`` exits without answering the
N-th request; ``--garbage-at N`` answers it with text that is not JSON; ``--hang-at N`` never
answers it; ``--oom-at N`` exits as Lean does when memory runs out; ``--uncaught-at N`` exits as the
REPL does when an exception escapes its loop (``uncaught exception: …``); ``--forget-envs`` treats every
environment as unknown; ``--delay S`` waits S seconds before every answer.  With ``--once FILE``
the misbehaviour fires only while FILE does not exist (and creates it), so the restarted process
behaves.  ``--log FILE`` appends one JSON line per start (with the address-space limit) and per
request; ``--id-offset K`` starts the live counters at K.

The module also holds the transcript helpers the tests share (``load_scenario``, ``SCENARIOS``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCENARIOS = sorted(p.stem for p in FIXTURES.glob("*.json"))
PICKLE_KEYS = ("pickleTo", "unpickleEnvFrom", "unpickleProofStateFrom")


def load_scenario(name: str) -> dict[str, Any]:
    path = Path(name) if name.endswith(".json") else FIXTURES / f"{name}.json"
    with open(path, encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    return doc


def _nat(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _opt(value: Any, ok: Any) -> bool:
    return value is None or bool(ok(value))


def request_kind(request: dict[str, Any]) -> str | None:
    """Which REPL input ``request`` is, in the order the REPL tries to decode them (``REPL/Main.lean``
    ``parse``), with the field types its ``FromJson`` instances demand; None when no shape fits (the
    REPL then throws "Could not parse as a valid JSON command")."""
    get = request.get
    if _text(get("tactic")) and _nat(get("proofState")):
        return "tactic"
    if _text(get("pickleTo")) and _nat(get("env")):
        return "pickle_env"
    if _text(get("unpickleEnvFrom")):
        return "unpickle_env"
    if _text(get("pickleTo")) and _nat(get("proofState")):
        return "pickle_ps"
    if _text(get("unpickleProofStateFrom")) and _opt(get("env"), _nat):
        return "unpickle_ps"
    if (
        _text(get("cmd"))
        and _opt(get("env"), _nat)
        and _opt(get("allTactics"), _flag)
        and _opt(get("rootGoals"), _flag)
        and _opt(get("infotree"), _text)
    ):
        return "cmd"
    return None


def answer_kind(kind: str) -> str:
    return "command" if kind in ("cmd", "unpickle_env", "pickle_env") else "tactic"


def new_id_slots(response: dict[str, Any], kind: str) -> list[tuple[str, tuple[Any, ...]]]:
    """The ids an answer creates, in allocation order (independent of the client's own code)."""
    if "message" in response or kind == "pickle_env":
        return []
    slots: list[tuple[str, tuple[Any, ...]]] = []
    for key in ("sorries", "tactics"):
        for i, entry in enumerate(response.get(key) or []):
            if isinstance(entry.get("proofState"), int):
                slots.append(("ps", (key, i, "proofState")))
    slots.append(("env", ("env",)) if answer_kind(kind) == "command" else ("ps", ("proofState",)))
    return slots


def get_path(obj: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        obj = obj[step]
    return obj


def set_path(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        obj = obj[step]
    obj[path[-1]] = value


def normalize(request: dict[str, Any]) -> dict[str, Any]:
    """Options left at their defaults (false / null) do not distinguish requests."""
    return {k: v for k, v in request.items() if v is not False and v is not None}


class Fake:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.steps: list[dict[str, Any]] = []
        for fixture in args.fixtures:
            self.steps += load_scenario(fixture)["steps"]
        self.used: set[int] = set()
        self.live: dict[str, dict[int, int]] = {"env": {}, "ps": {}}  # live id -> transcript id
        self.next = {"env": args.id_offset, "ps": args.id_offset}
        self.count = 0

    # -- io ---------------------------------------------------------------------------------------

    def log(self, event: dict[str, Any]) -> None:
        if self.args.log:
            with open(self.args.log, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(event, ensure_ascii=False) + "\n")

    def read_query(self) -> str:
        """Lines up to an empty line, each right-trimmed and concatenated, as the REPL does — so a
        stray empty line before a request is itself a (malformed) query, and end of input is ""."""
        parts: list[str] = []
        while True:
            line = sys.stdin.buffer.readline().decode("utf-8")
            if not line.strip():
                return "".join(parts) + line
            parts.append(line.rstrip())

    def send(self, text: str) -> None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()

    def answer(self, response: dict[str, Any]) -> None:
        if self.args.delay:
            time.sleep(self.args.delay)
        self.send(json.dumps(response, ensure_ascii=False, indent=1) + "\n\n")

    # -- misbehaviour -----------------------------------------------------------------------------

    def fires(self, at: int | None) -> bool:
        if at is None or self.count != at:
            return False
        once = self.args.once
        if once:
            if os.path.exists(once):
                return False
            Path(once).write_text("fired\n", encoding="utf-8")
        return True

    # -- the loop ---------------------------------------------------------------------------------

    def run(self) -> int:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        self.log({"event": "start", "pid": os.getpid(), "rlimit_as": [soft, hard]})
        while True:
            query = self.read_query()
            if query == "":
                return 0
            if query.startswith("#") or query.startswith("--"):
                continue
            self.count += 1
            try:
                request = json.loads(query)
            except json.JSONDecodeError as exc:
                self.uncaught(f"Could not parse JSON:\n{exc}")
                return 1
            self.log({"event": "request", "n": self.count, "request": request})
            if self.fires(self.args.die_at):
                sys.stderr.write("fake_repl: dying as asked\n")
                return 3
            if self.fires(self.args.uncaught_at):
                self.uncaught("fake_repl: an exception escaped the loop")
                return 1
            if self.fires(self.args.oom_at):
                sys.stderr.write("INTERNAL PANIC: out of memory\n")
                return 1
            if self.fires(self.args.hang_at):
                while True:
                    time.sleep(1000)
            if self.fires(self.args.garbage_at):
                self.send("this is not JSON {\n  at all\n\n")
                continue
            kind = request_kind(request) if isinstance(request, dict) else None
            if kind is None:
                self.uncaught("Could not parse as a valid JSON command:\nno input shape matches")
                return 1
            response = self.respond(kind, request)
            if response is None:
                return 1
            self.answer(response)

    @staticmethod
    def uncaught(message: str) -> None:
        """What Lean prints when the REPL's ``parse`` throws: the error object, as an uncaught
        exception, on stderr (the process then exits with status 1)."""
        sys.stderr.write("uncaught exception: " + json.dumps({"message": message}, ensure_ascii=False) + "\n")

    def unknown(self, kind: str, request: dict[str, Any]) -> dict[str, Any] | None:
        env = request.get("env")
        if kind in ("cmd", "pickle_env", "unpickle_ps") and env is not None:
            if self.args.forget_envs or env not in self.live["env"]:
                return {"message": "Unknown environment."}
        if kind == "tactic" and request["proofState"] not in self.live["ps"]:
            return {"message": "Unknown proof state."}
        if kind == "pickle_ps" and request["proofState"] not in self.live["ps"]:
            return {"message": "Unknown proof State."}
        return None

    @staticmethod
    def key(recorded: dict[str, Any], bare: bool) -> dict[str, Any]:
        key = normalize(recorded)
        if bare:
            key.pop("infotree", None)
        return key

    def respond(self, kind: str, request: dict[str, Any]) -> dict[str, Any] | None:
        refused = self.unknown(kind, request)
        if refused is not None:
            return refused
        if kind in ("unpickle_env", "unpickle_ps"):
            path = request["unpickleEnvFrom" if kind == "unpickle_env" else "unpickleProofStateFrom"]
            if not os.path.exists(path):
                sys.stderr.write(f"uncaught exception: no such file or directory (error code: 2)\n  file: {path}\n")
                return None
        wanted = dict(request)
        if "env" in wanted and wanted["env"] is not None:
            wanted["env"] = self.live["env"][wanted["env"]]
        if kind in ("tactic", "pickle_ps"):
            wanted["proofState"] = self.live["ps"][wanted["proofState"]]
        wanted = normalize(wanted)
        # the infotree option changes no ids and the REPL sends an infotree only when asked for one,
        # so a request without it also matches a recorded request with it (the client's replays)
        bare = "infotree" not in wanted
        matches = [i for i, step in enumerate(self.steps) if self.key(step["request"], bare) == wanted]
        if not matches:
            sys.stderr.write(f"fake_repl: no recorded answer for {json.dumps(wanted, ensure_ascii=False)}\n")
            return {"message": f"fake_repl: no recorded answer for {json.dumps(wanted, ensure_ascii=False)}"}
        fresh = [i for i in matches if i not in self.used]
        index = (fresh or matches)[0]
        self.used.add(index)
        response: dict[str, Any] = json.loads(json.dumps(self.steps[index]["response"]))
        if bare:
            response.pop("infotree", None)
        if "message" in response:
            return response
        if kind in ("pickle_env", "pickle_ps"):
            target = Path(request["pickleTo"])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps({"fake_pickle": wanted}) + "\n", encoding="utf-8")
        if kind == "pickle_env":
            response["env"] = request["env"]
            return response
        for id_kind, path in new_id_slots(response, kind):
            live = self.next[id_kind]
            self.next[id_kind] = live + 1
            self.live[id_kind][live] = get_path(response, path)
            set_path(response, path, live)
        return response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="replay a Lean REPL transcript")
    parser.add_argument("fixtures", nargs="+", help="scenario names or transcript .json files")
    parser.add_argument("--die-at", type=int)
    parser.add_argument("--garbage-at", type=int)
    parser.add_argument("--hang-at", type=int)
    parser.add_argument("--oom-at", type=int)
    parser.add_argument("--uncaught-at", type=int)
    parser.add_argument("--forget-envs", action="store_true")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--once")
    parser.add_argument("--log")
    parser.add_argument("--id-offset", type=int, default=0)
    return Fake(parser.parse_args(argv)).run()


if __name__ == "__main__":
    sys.exit(main())
