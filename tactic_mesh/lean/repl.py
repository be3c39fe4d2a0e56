"""Client of the Lean REPL (leanprover-community/repl), speaking its JSON protocol exactly.

Requests: ``{"cmd", "env"?, "allTactics"?, "rootGoals"?, "infotree"?}``, ``{"tactic", "proofState"}``,
``{"pickleTo", "env"}``, ``{"pickleTo", "proofState"}``, ``{"unpickleEnvFrom"}`` and
``{"unpickleProofStateFrom", "env"?}``; framing in ``repl_process``; value types in ``repl_types``.

**Logical ids.**  The environment and proof-state numbers this client hands out are its own.  Each
one remembers the request that produced it (the *record*: a command in a parent environment, a
tactic in a parent proof state, an unpickling) and where in the answer its physical number sat.
When the process dies (EOF), answers garbage, times out or is recycled after ``max_uses``
requests, the physical numbers are forgotten; the next request that refers to a logical id
replays the chain of records that built it on the fresh process, so ids the caller holds stay
valid.  A transport failure in the middle of a request restarts the process and retries it
(``ReplConfig.retries`` times) after replaying its dependencies; a timeout kills the process and
raises (the request is not retried — it is the one that hung), and so does a request that ended the
REPL with an uncaught exception (upstream's loop does not catch a request it cannot decode or an
unreadable pickle: the process prints ``uncaught exception: …`` and exits — a fresh one would too).

A Lean error inside a command is a ``Message`` (severity ``"error"``) in the ``CommandResult``; a
tactic Lean rejects is a ``TacticResult`` with ``error`` set; only protocol and process failures
raise ``ReplError``.  Deciding whether something is *proved* is ``repl_check.check_proof``.
"""

from __future__ import annotations

import copy
import functools
import os
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

import attrs

from tactic_mesh.lean.repl_check import ProofCheck, check_proof, confirm_tactic_proof, declaration_with_tactics
from tactic_mesh.lean.repl_process import ReplConfig, ReplProcess, encode_request, lean_version, repl_revision
from tactic_mesh.lean.repl_types import (
    CommandResult,
    ErrorKind,
    IdKind,
    Message,
    Path,
    Pos,
    ReplError,
    ReplStats,
    Sorry,
    TacticResult,
    error_kind,
    error_text,
    get_path,
    id_slots,
    is_tactic_failure,
    parse_command_response,
    parse_tactic_response,
    set_path,
    tactic_failure,
)

__all__ = [
    "INFOTREE_MODES",
    "CommandResult",
    "ErrorKind",
    "LeanRepl",
    "Message",
    "Pos",
    "ProofCheck",
    "ReplConfig",
    "ReplError",
    "ReplStats",
    "Sorry",
    "TacticResult",
    "check_proof",
    "confirm_tactic_proof",
    "declaration_with_tactics",
    "encode_request",
    "id_slots",
]

INFOTREE_MODES = ("full", "tactics", "original", "substantive")

_DEFAULT_CONFIG = ReplConfig()
_P = ParamSpec("_P")
_R = TypeVar("_R")

_KEY: dict[IdKind, str] = {"env": "env", "ps": "proofState"}


def _locked(method: Callable[Concatenate[LeanRepl, _P], _R]) -> Callable[Concatenate[LeanRepl, _P], _R]:
    """Whole public operations run under the session lock (exchange *and* id registration)."""

    def run(self: LeanRepl, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            return method(self, *args, **kwargs)

    functools.update_wrapper(run, method)
    return run


@attrs.frozen
class _Record:
    """A request that produced logical ids, kept so it can be replayed on a fresh process."""

    request: Mapping[str, Any]  # with the dependency's slot left out
    dep: tuple[IdKind, int] | None  # the logical id the request runs in
    answer: Literal["command", "tactic"]
    outputs: tuple[tuple[IdKind, Path, int], ...]
    needs_file: str | None = None  # the pickle an unpickling record reads


class LeanRepl(AbstractContextManager["LeanRepl"]):
    """A Lean REPL session with stable logical ids.  The process starts lazily on the first
    request; ``close()`` (or leaving the ``with`` block) ends it.  It may be shared between
    threads: whole calls are serialised by a lock."""

    def __init__(self, config: ReplConfig = _DEFAULT_CONFIG) -> None:
        self.config = config
        self._proc: ReplProcess | None = None
        self._lock = threading.RLock()
        self._origin: dict[IdKind, dict[int, _Record]] = {"env": {}, "ps": {}}
        self._phys: dict[IdKind, dict[int, int]] = {"env": {}, "ps": {}}
        self._next: dict[IdKind, int] = {"env": 0, "ps": 0}
        self._starts = self._requests = self._replayed = self._restarts = self._recycles = 0
        self._provenance: dict[str, str] | None = None
        self._closed = False

    # -- public protocol ------------------------------------------------------------------------

    @_locked
    def command(
        self,
        cmd: str,
        env: int | None = None,
        *,
        all_tactics: bool = False,
        root_goals: bool = False,
        infotree: str | None = None,
    ) -> CommandResult:
        """Elaborate ``cmd`` in environment ``env`` (a fresh one, where ``import`` is allowed, if
        None).  Lean errors are messages in the result, not exceptions."""
        if infotree is not None and infotree not in INFOTREE_MODES:
            raise ValueError(f"infotree must be one of {INFOTREE_MODES}, not {infotree!r}")
        request: dict[str, Any] = {"cmd": cmd}
        if all_tactics:
            request["allTactics"] = True
        if root_goals:
            request["rootGoals"] = True
        replay = dict(request)  # the infotree changes no ids: replays leave it out
        if infotree is not None:
            request["infotree"] = infotree
        dep = None if env is None else self._known("env", env)
        resp = self._exchange(request, dep, "command")
        self._raise_error(resp, request if env is None else {**request, "env": env})
        return self._register_command(resp, replay, dep)

    @_locked
    def tactic(self, tactic: str, proof_state: int) -> TacticResult:
        """Run one tactic (a tactic sequence is fine) in ``proof_state``.  Check ``.completed``
        (``proofStatus == "Completed"``), never an empty ``goals``."""
        request = {"tactic": tactic}
        dep = self._known("ps", proof_state)
        resp = self._exchange(request, dep, "tactic")
        text = error_text(resp)
        if text is not None and is_tactic_failure(text):
            return tactic_failure(text, proof_state, resp)
        self._raise_error(resp, {**request, "proofState": proof_state})
        return self._register_tactic(resp, request, dep)

    @_locked
    def pickle_env(self, env: int, path: str) -> None:
        """Write environment ``env`` to ``path`` (an ``.olean``; relative to the REPL's cwd)."""
        request = {"pickleTo": path}
        resp = self._exchange(request, self._known("env", env), "command")
        self._raise_error(resp, {**request, "env": env})
        parse_command_response(resp, request)

    @_locked
    def unpickle_env(self, path: str) -> CommandResult:
        request = {"unpickleEnvFrom": path}
        self._require_file(path, request)
        resp = self._exchange(request, None, "command")
        self._raise_error(resp, request)
        return self._register_command(resp, request, None, needs_file=path)

    @_locked
    def pickle_proof_state(self, proof_state: int, path: str) -> None:
        """Write ``proof_state`` to ``path``.  (The REPL answers with a copy of the state under a new
        number; the client does not hand that number out.)"""
        request = {"pickleTo": path}
        resp = self._exchange(request, self._known("ps", proof_state), "tactic")
        self._raise_error(resp, {**request, "proofState": proof_state})
        parse_tactic_response(resp, request)

    @_locked
    def unpickle_proof_state(self, path: str, env: int | None = None) -> TacticResult:
        request = {"unpickleProofStateFrom": path}
        self._require_file(path, request)
        dep = None if env is None else self._known("env", env)
        resp = self._exchange(request, dep, "tactic")
        self._raise_error(resp, request if env is None else {**request, "env": env})
        return self._register_tactic(resp, request, dep, needs_file=path)

    @_locked
    def send_raw(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Send ``request`` verbatim to the current process and return its answer, error answers
        included — physical ids, no translation, no replay, no retry (conformance tests and
        debugging).  Transport failures still raise ``ReplError`` and discard the process."""
        self._check_open()
        encode_request(request)  # an unsendable request raises here, before the process is involved
        proc = self._ensure()
        self._requests += 1
        try:
            return proc.request(request)
        except ReplError:
            self._discard()
            raise

    # -- ids --------------------------------------------------------------------------------------

    def _known(self, kind: IdKind, logical: int) -> tuple[IdKind, int]:
        if logical not in self._origin[kind]:
            name = "environment" if kind == "env" else "proof state"
            raise ReplError(
                f"unknown {name} {logical}: this client never returned it",
                "unknown-env" if kind == "env" else "unknown-proof-state",
            )
        return kind, logical

    def _allocate(self, kind: IdKind) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value

    def _register(
        self,
        resp: Mapping[str, Any],
        request: Mapping[str, Any],
        dep: tuple[IdKind, int] | None,
        answer: Literal["command", "tactic"],
        needs_file: str | None,
    ) -> dict[str, Any]:
        outputs = []
        relabelled = copy.deepcopy(dict(resp))
        for kind, path in id_slots(resp, answer):
            logical = self._allocate(kind)
            self._phys[kind][logical] = get_path(resp, path)
            outputs.append((kind, path, logical))
            set_path(relabelled, path, logical)
        record = _Record(request, dep, answer, tuple(outputs), needs_file)
        for kind, _path, logical in outputs:
            self._origin[kind][logical] = record
        return relabelled

    def _register_command(
        self,
        resp: Mapping[str, Any],
        request: Mapping[str, Any],
        dep: tuple[IdKind, int] | None,
        needs_file: str | None = None,
    ) -> CommandResult:
        return parse_command_response(self._register(resp, request, dep, "command", needs_file), request)

    def _register_tactic(
        self,
        resp: Mapping[str, Any],
        request: Mapping[str, Any],
        dep: tuple[IdKind, int] | None,
        needs_file: str | None = None,
    ) -> TacticResult:
        return parse_tactic_response(self._register(resp, request, dep, "tactic", needs_file), request)

    # -- the exchange with retry and replay --------------------------------------------------------

    def _exchange(
        self, request: Mapping[str, Any], dep: tuple[IdKind, int] | None, answer: Literal["command", "tactic"]
    ) -> dict[str, Any]:
        """Send ``request`` in the physical counterpart of ``dep`` and return a well-formed answer
        (or an error answer), restarting and replaying after transport failures."""
        self._check_open()
        encode_request(request)  # an unsendable request (kind "request") raises before the process is involved
        if self._proc is not None and self._proc.uses >= self.config.max_uses:
            self._proc.close()
            self._forget()
            self._recycles += 1
        attempt = 0
        while True:
            try:
                self._ensure()
                physical = self._physical(request, dep)
                resp = self._send(physical)
                if error_text(resp) is None:  # validate the shape inside the retry loop
                    (parse_command_response if answer == "command" else parse_tactic_response)(resp, physical)
                return resp
            except ReplError as exc:
                self._discard()
                if not exc.retryable or attempt >= self.config.retries:
                    raise
                attempt += 1

    def _physical(self, request: Mapping[str, Any], dep: tuple[IdKind, int] | None) -> dict[str, Any]:
        physical = dict(request)
        if dep is not None:
            kind, logical = dep
            physical[_KEY[kind]] = self._materialize(kind, logical)
        return physical

    def _materialize(self, kind: IdKind, logical: int) -> int:
        """The physical id of ``logical`` in the current process, replaying (iteratively, oldest
        first) the records missing from it."""
        chain: list[_Record] = []
        k, n = kind, logical
        while n not in self._phys[k]:
            record = self._origin[k][n]
            chain.append(record)
            if record.dep is None:
                break
            k, n = record.dep
        for record in reversed(chain):
            self._replay(record)
        if logical not in self._phys[kind]:
            raise ReplError(f"replay did not rebuild {kind} {logical}", "protocol")
        return self._phys[kind][logical]

    def _replay(self, record: _Record) -> None:
        if record.needs_file is not None:
            self._require_file(record.needs_file, record.request, replay=True)
        physical = self._physical(record.request, record.dep)
        resp = self._send(physical)
        self._replayed += 1
        text = error_text(resp)
        if text is not None:
            raise ReplError(f"replay of {_show(physical)} was refused: {text}", "protocol", request=physical)
        for kind, path, logical in record.outputs:
            try:
                value = get_path(resp, path)
            except (KeyError, IndexError, TypeError):
                value = None
            if not isinstance(value, int) or isinstance(value, bool):
                raise ReplError(
                    f"replay of {_show(physical)} diverged: no id at {'.'.join(map(str, path))}",
                    "protocol",
                    request=physical,
                )
            self._phys[kind][logical] = value

    def _send(self, physical: Mapping[str, Any]) -> dict[str, Any]:
        proc = self._proc  # never restarted here: ``physical`` holds this process's ids
        if proc is None:
            raise ReplError("the REPL process is gone", "crashed", request=physical, retryable=True)
        self._requests += 1
        return proc.request(physical)

    def _raise_error(self, resp: Mapping[str, Any], request: Mapping[str, Any]) -> None:
        text = error_text(resp)
        if text is not None:
            raise ReplError(f"{text.strip()} (request {_show(request)})", error_kind(text), request=request)

    def _require_file(self, path: str, request: Mapping[str, Any], *, replay: bool = False) -> None:
        full = path if os.path.isabs(path) else os.path.join(self.config.cwd or os.getcwd(), path)
        if not os.path.exists(full):
            doing = "replay needs" if replay else "cannot unpickle"
            raise ReplError(f"{path}: no such file ({doing} it)", "repl", request=request)

    # -- the process ------------------------------------------------------------------------------

    def _ensure(self) -> ReplProcess:
        if self._proc is None or not self._proc.alive:
            if self._proc is not None:
                self._discard()
            self._proc = ReplProcess(self.config)
            self._starts += 1
        return self._proc

    def _forget(self) -> None:
        self._proc = None
        self._phys = {"env": {}, "ps": {}}

    def _discard(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._restarts += 1
        self._forget()

    def _check_open(self) -> None:
        if self._closed:
            raise ReplError("the LeanRepl was closed", "crashed")

    @property
    def pid(self) -> int | None:
        """The running process's pid (None before the first request and after a failure)."""
        return self._proc.pid if self._proc is not None and self._proc.alive else None

    @property
    def stats(self) -> ReplStats:
        return ReplStats(self._starts, self._requests, self._replayed, self._restarts, self._recycles)

    @_locked
    def close(self) -> None:
        if self._proc is not None:
            self._proc.close()
        self._forget()
        self._closed = True

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- provenance -------------------------------------------------------------------------------

    def provenance(self) -> dict[str, str]:
        """The Lean toolchain (``lean --version`` in the REPL's cwd, else the ``lean-toolchain`` file,
        else ``"unknown"``), the REPL revision (config, ``$TACTIC_MESH_LEAN_REPL_REVISION``, the
        ``lake-manifest.json`` entry for ``REPL``, else ``"unknown"``) and the command."""
        if self._provenance is None:
            self._provenance = {
                "lean": lean_version(self.config),
                "repl_revision": repl_revision(self.config),
                "command": self.config.describe(),
            }
        return dict(self._provenance)


def _show(request: Mapping[str, Any], limit: int = 200) -> str:
    text = encode_request(request).decode("utf-8").strip()
    return text if len(text) <= limit else text[:limit] + "…"
