"""Values of the Lean REPL protocol (leanprover-community/repl): positions, messages, sorries, the
responses to commands and to tactics, and the one exception the client raises.

The parsers here read one decoded JSON response.  They accept exactly the upstream shapes: empty
lists are omitted by the REPL (``messages``, ``sorries``, ``tactics``, ``traces``), a message's
``endPos`` may be absent or ``null``, and a sorry reported in tactic mode carries no position at
all (the REPL drops positions on line 0; such a sorry gets ``Pos(0, 0)`` and ``end_pos=None``).
A response that does not have the expected shape is a ``ReplError(kind="protocol")``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import attrs

from tactic_mesh.kernel.errors import TacticMeshError

ErrorKind = Literal[
    "timeout",  # no complete response within ReplConfig.timeout (the process is killed)
    "crashed",  # the process exited / closed its stdout (EOF), or a write hit a broken pipe
    "protocol",  # a response that is not JSON or not the expected shape, a replay that diverged, or a
    # request the REPL could not decode (it exits on "uncaught exception: {"message": "Could not parse ...}")
    "unknown-env",  # "Unknown environment." (or a logical environment id this client never issued)
    "unknown-proof-state",  # "Unknown proof state." (or a logical proof-state id never issued)
    "limit",  # the memory limit killed the process, or a response exceeded max_response_bytes
    "spawn",  # the REPL command could not be started
    "repl",  # any other {"message": ...} error answer, an uncaught exception that ended the REPL (stderr
    # "uncaught exception: ..."), or a missing pickle
    "request",  # a request that cannot be sent at all (text that is not valid Unicode); nothing was sent
]

_SORRY_WARNING = re.compile(r"declaration uses ['`]sorry['`]")
_LEAN_ERROR_PREFIX = "Lean error:\n"
_INPUT_POS = re.compile(r"^<input>:(\d+):(\d+):\s*")


class ReplError(TacticMeshError):
    """A failure of the REPL *protocol or process* — never a Lean error inside a command (that is a
    ``Message`` with severity ``"error"``).  ``kind`` says which failure; ``request`` is the JSON
    request concerned (when there was one) and ``stderr`` the tail of the process's stderr."""

    def __init__(
        self,
        message: str,
        kind: ErrorKind,
        *,
        request: Mapping[str, Any] | None = None,
        stderr: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.request = request
        self.stderr = stderr
        # transport failures (EOF, garbage) are retried on a fresh process after replay
        self.retryable = retryable

    def __str__(self) -> str:
        text = f"Lean REPL ({self.kind}): {self.message}"
        if self.stderr:
            text += "\n  stderr: " + self.stderr.strip().replace("\n", "\n          ")
        return text


@attrs.frozen
class Pos:
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


@attrs.frozen
class Message:
    severity: str  # "error" | "warning" | "info" | "trace"
    pos: Pos
    end_pos: Pos | None
    data: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.severity}: {self.data}"


@attrs.frozen
class Sorry:
    pos: Pos
    end_pos: Pos | None
    goal: str
    proof_state: int | None


@attrs.frozen
class CommandResult:
    """The answer to ``{"cmd": ...}`` (and to ``{"unpickleEnvFrom": ...}``).  ``tactics`` are the
    ``allTactics`` entries as mappings (keys ``tactic``, ``goals``, ``pos``, ``endPos``,
    ``proofState``, ``usedConstants``); ``infotree`` is the JSON the REPL sent, or None.  Ids in
    every field, ``raw`` included, are the client's logical ids."""

    env: int
    messages: tuple[Message, ...]
    sorries: tuple[Sorry, ...]
    tactics: tuple[Mapping[str, Any], ...]
    infotree: Any
    raw: Mapping[str, Any]

    @property
    def errors(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.severity == "error")

    @property
    def uses_sorry(self) -> bool:
        """A sorry was reported, or Lean warned that a declaration uses ``sorry``."""
        return bool(self.sorries) or any(_SORRY_WARNING.search(m.data) for m in self.messages)


@attrs.frozen
class TacticResult:
    """The answer to ``{"tactic": ..., "proofState": n}`` (and to unpickling a proof state).

    ``completed`` is the only success: the REPL's ``proofStatus == "Completed"``.  An empty
    ``goals`` is *not* a proof (an elaboration error inside a tactic is recovered into ``sorry`` and
    leaves no goals, with status ``"Incomplete: contains sorry"``).  When the tactic itself failed
    (the REPL answered ``{"message": "Lean error: ..."}``) the result has ``error`` set, the input
    ``proof_state`` unchanged, no goals, no status and the error as its one message."""

    proof_state: int
    goals: tuple[str, ...]
    messages: tuple[Message, ...]
    sorries: tuple[Sorry, ...]
    proof_status: str | None
    traces: tuple[str, ...]
    raw: Mapping[str, Any]
    error: str | None = None

    @property
    def completed(self) -> bool:
        return self.proof_status == "Completed"

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def errors(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.severity == "error")


# ---------------------------------------------------------------------------------------------
# parsing


def _bad(what: str, value: object, request: Mapping[str, Any] | None) -> ReplError:
    shown = repr(value)
    if len(shown) > 300:
        shown = shown[:300] + "…"
    return ReplError(f"malformed response: {what}: {shown}", "protocol", request=request, retryable=True)


def _int(obj: Mapping[str, Any], key: str, request: Mapping[str, Any] | None) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad(f"field {key!r} is not an integer", obj, request)
    return value


def _list(obj: Mapping[str, Any], key: str, request: Mapping[str, Any] | None) -> list[Any]:
    value = obj.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(f"field {key!r} is not a list", obj, request)
    return value


def _str(obj: Mapping[str, Any], key: str, request: Mapping[str, Any] | None) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise _bad(f"field {key!r} is not a string", obj, request)
    return value


def _pos(value: object, request: Mapping[str, Any] | None) -> Pos:
    if not isinstance(value, Mapping):
        raise _bad("position is not an object", value, request)
    return Pos(_int(value, "line", request), _int(value, "column", request))


def _opt_pos(obj: Mapping[str, Any], key: str, request: Mapping[str, Any] | None) -> Pos | None:
    value = obj.get(key)
    return None if value is None else _pos(value, request)


def parse_message(value: object, request: Mapping[str, Any] | None = None) -> Message:
    if not isinstance(value, Mapping):
        raise _bad("message is not an object", value, request)
    return Message(
        severity=_str(value, "severity", request),
        pos=_pos(value.get("pos"), request),
        end_pos=_opt_pos(value, "endPos", request),
        data=_str(value, "data", request),
    )


def parse_sorry(value: object, request: Mapping[str, Any] | None = None) -> Sorry:
    if not isinstance(value, Mapping):
        raise _bad("sorry is not an object", value, request)
    state = value.get("proofState")
    if state is not None and (not isinstance(state, int) or isinstance(state, bool)):
        raise _bad("sorry's proofState is not an integer", value, request)
    return Sorry(
        pos=Pos(0, 0) if value.get("pos") is None else _pos(value["pos"], request),
        end_pos=_opt_pos(value, "endPos", request),
        goal=_str(value, "goal", request),
        proof_state=state,
    )


def _is_object(resp: object, request: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not isinstance(resp, Mapping):
        raise _bad("response is not a JSON object", resp, request)
    return resp


def parse_command_response(resp: object, request: Mapping[str, Any] | None = None) -> CommandResult:
    obj = _is_object(resp, request)
    tactics = _list(obj, "tactics", request)
    for entry in tactics:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("tactic"), str):
            raise _bad("allTactics entry", entry, request)
    return CommandResult(
        env=_int(obj, "env", request),
        messages=tuple(parse_message(m, request) for m in _list(obj, "messages", request)),
        sorries=tuple(parse_sorry(s, request) for s in _list(obj, "sorries", request)),
        tactics=tuple(tactics),
        infotree=obj.get("infotree"),
        raw=obj,
    )


def parse_tactic_response(resp: object, request: Mapping[str, Any] | None = None) -> TacticResult:
    obj = _is_object(resp, request)
    goals = _list(obj, "goals", request)
    traces = _list(obj, "traces", request)
    if not all(isinstance(g, str) for g in goals) or not all(isinstance(t, str) for t in traces):
        raise _bad("goals/traces are not strings", obj, request)
    status = obj.get("proofStatus")
    if status is not None and not isinstance(status, str):
        raise _bad("proofStatus is not a string", obj, request)
    return TacticResult(
        proof_state=_int(obj, "proofState", request),
        goals=tuple(goals),
        messages=tuple(parse_message(m, request) for m in _list(obj, "messages", request)),
        sorries=tuple(parse_sorry(s, request) for s in _list(obj, "sorries", request)),
        proof_status=status,
        traces=tuple(traces),
        raw=obj,
    )


def error_text(resp: Mapping[str, Any]) -> str | None:
    """The text of an error answer ``{"message": ...}``, or None for a normal response (normal
    responses carry ``messages``, never a top-level ``message``)."""
    value = resp.get("message")
    if value is None:
        return None
    return value if isinstance(value, str) else repr(value)


def error_kind(text: str) -> ErrorKind:
    """Classify an error answer: the REPL's fixed texts for unknown ids (note its pickling path says
    ``"Unknown proof State."``), anything else is ``"repl"``."""
    folded = text.strip().lower()
    if folded == "unknown environment.":
        return "unknown-env"
    if folded == "unknown proof state.":
        return "unknown-proof-state"
    return "repl"


def is_tactic_failure(text: str) -> bool:
    """A tactic that Lean rejected (``"Lean error:\\n..."``): a value, not a protocol failure."""
    return text.startswith(_LEAN_ERROR_PREFIX) or text.startswith("Lean error:")


def tactic_failure(text: str, proof_state: int, raw: Mapping[str, Any]) -> TacticResult:
    """The ``TacticResult`` of a rejected tactic: the position (``<input>:line:col:``, relative to
    the tactic text) when the REPL gave one, else ``0:0``."""
    body = text[len("Lean error:") :].lstrip("\n") if text.startswith("Lean error:") else text
    pos = Pos(0, 0)
    match = _INPUT_POS.match(body)
    if match:
        pos = Pos(int(match.group(1)), int(match.group(2)))
        body = body[match.end() :]
    return TacticResult(
        proof_state=proof_state,
        goals=(),
        messages=(Message("error", pos, None, body),),
        sorries=(),
        proof_status=None,
        traces=(),
        raw=raw,
        error=body,
    )


# ---------------------------------------------------------------------------------------------
# where answers put new ids

IdKind = Literal["env", "ps"]
Path = tuple[str | int, ...]


def id_slots(response: Mapping[str, Any], answer: Literal["command", "tactic"]) -> Iterator[tuple[IdKind, Path]]:
    """Where the new ids sit in an answer, in the order the REPL allocates them: the proof states of
    ``sorries`` then of ``tactics``, then the answer's own ``env`` (commands) or ``proofState``
    (tactics).  A sorry whose ``proofState`` is null has no slot."""
    for key in ("sorries", "tactics"):
        entries = response.get(key) or []
        for i, entry in enumerate(entries):
            if isinstance(entry, Mapping) and isinstance(entry.get("proofState"), int):
                yield "ps", (key, i, "proofState")
    yield ("env", ("env",)) if answer == "command" else ("ps", ("proofState",))


def get_path(obj: Any, path: Path) -> Any:
    for step in path:
        obj = obj[step]
    return obj


def set_path(obj: Any, path: Path, value: int) -> None:
    for step in path[:-1]:
        obj = obj[step]
    obj[path[-1]] = value


@attrs.frozen
class ReplStats:
    starts: int  # processes started
    requests: int  # requests sent, replays included
    replayed: int  # requests sent to rebuild ids after a restart
    restarts: int  # processes discarded after a crash, garbage, timeout or limit
    recycles: int  # processes retired after max_uses
