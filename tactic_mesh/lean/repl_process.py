"""One Lean REPL process and the wire framing of its protocol.

Requests are one JSON object on one line followed by an empty line; the REPL answers with one JSON
object (pretty-printed, so usually many lines) followed by an empty line.  Every write and every
read is bounded by a deadline (``selectors`` on the raw pipe descriptors, no blocking call without
a timeout), so a hung REPL is a ``ReplError(kind="timeout")``, never a hung client.  stderr goes
to an unnamed temporary file (it cannot fill a pipe) whose tail is attached to crash reports.

The process runs in its own session, so killing it also kills what it started (``lake exe repl``
runs the REPL binary as a child of ``lake``).  ``memory_mb`` sets ``RLIMIT_AS`` in the child before
it execs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import selectors
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

import attrs

from tactic_mesh.lean.repl_types import ErrorKind, ReplError

_OOM = re.compile(r"out of memory|bad_alloc|cannot allocate memory|memory exhausted", re.IGNORECASE)
_UNCAUGHT = re.compile(r"^uncaught exception:\s*", re.MULTILINE)
_STDERR_TAIL = 4000


@attrs.frozen
class ReplConfig:
    """How to run the REPL.

    ``command`` is run in ``cwd`` (for ``lake exe repl`` that is the REPL's — or a project's —
    directory); ``env`` is added to this process's environment.  ``timeout`` bounds every single
    request (seconds).  ``memory_mb`` is the child's address-space limit.  After ``max_uses``
    requests the process is recycled: the next call starts a fresh one and replays what it needs.
    A crash or an unparsable answer restarts the process and retries the request ``retries`` times.
    ``revision`` names the REPL revision for provenance (else ``$TACTIC_MESH_LEAN_REPL_REVISION``)."""

    command: tuple[str, ...] = ("lake", "exe", "repl")
    cwd: str | None = None
    timeout: float = 60.0
    memory_mb: int | None = None
    max_uses: int = 1000
    env: Mapping[str, str] | None = None
    retries: int = 1
    revision: str | None = None
    max_response_bytes: int = 256 * 1024 * 1024
    close_grace: float = 2.0

    def __attrs_post_init__(self) -> None:
        if not self.command:
            raise ValueError("ReplConfig.command is empty")
        if self.timeout <= 0 or self.max_uses < 1 or self.retries < 0:
            raise ValueError("ReplConfig needs timeout > 0, max_uses >= 1 and retries >= 0")
        if self.memory_mb is not None and self.memory_mb < 1:
            raise ValueError("ReplConfig.memory_mb must be positive")

    @classmethod
    def from_env(cls, **overrides: Any) -> ReplConfig:
        """The configuration named by ``$TACTIC_MESH_LEAN_REPL`` (the command, shell-quoted),
        ``$TACTIC_MESH_LEAN_REPL_CWD`` and ``$TACTIC_MESH_LEAN_REPL_REVISION``; ``overrides`` win."""
        values: dict[str, Any] = {}
        if os.environ.get("TACTIC_MESH_LEAN_REPL"):
            try:
                values["command"] = tuple(shlex.split(os.environ["TACTIC_MESH_LEAN_REPL"]))
            except ValueError as exc:
                raise ValueError(f"$TACTIC_MESH_LEAN_REPL is not a shell-quoted command: {exc}") from None
        if os.environ.get("TACTIC_MESH_LEAN_REPL_CWD"):
            values["cwd"] = os.environ["TACTIC_MESH_LEAN_REPL_CWD"]
        if os.environ.get("TACTIC_MESH_LEAN_REPL_REVISION"):
            values["revision"] = os.environ["TACTIC_MESH_LEAN_REPL_REVISION"]
        values.update(overrides)
        return cls(**values)

    def describe(self) -> str:
        where = f" (in {self.cwd})" if self.cwd else ""
        return shlex.join(self.command) + where


def _limit_memory(memory_mb: int) -> Callable[[], None]:
    limit = memory_mb * 1024 * 1024

    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def encode_request(request: Mapping[str, Any]) -> bytes:
    """One line of JSON and an empty line (JSON escapes every newline inside strings; the REPL joins
    the lines of a request after trimming each, so a raw newline would be lost).  Text that is not
    valid Unicode (a lone surrogate) cannot be sent: ``ReplError(kind="request")``."""
    try:
        return (json.dumps(request, ensure_ascii=False) + "\n\n").encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ReplError(
            f"the request cannot be sent: its text is not valid Unicode ({exc.reason} at {exc.start})",
            "request",
            request=request,
        ) from None
    except (TypeError, ValueError) as exc:  # not JSON-serialisable (a caller's mistake, named)
        raise ReplError(f"the request cannot be sent: {exc}", "request", request=request) from None


class ReplProcess:
    """A running REPL.  ``request`` sends one request and returns the decoded answer; any transport
    failure leaves the process dead (``alive`` is False) and raises a ``ReplError``."""

    def __init__(self, config: ReplConfig) -> None:
        self.config = config
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        env = None
        if config.env is not None:
            env = dict(os.environ)
            env.update(config.env)
        try:
            self._proc = subprocess.Popen(
                list(config.command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                cwd=config.cwd,
                env=env,
                bufsize=0,
                start_new_session=True,
                preexec_fn=None if config.memory_mb is None else _limit_memory(config.memory_mb),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            self._stderr.close()
            raise ReplError(f"cannot start {config.describe()}: {exc}", "spawn") from exc
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in = self._proc.stdin.fileno()
        self._out = self._proc.stdout.fileno()
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)
        self._buf = bytearray()
        self._dead = False
        self.uses = 0

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return not self._dead and self._proc.poll() is None

    # -- the exchange ---------------------------------------------------------------------------

    def request(self, request: Mapping[str, Any], timeout: float | None = None) -> dict[str, Any]:
        if self._dead:
            raise ReplError("the REPL process is no longer running", "crashed", request=request, retryable=True)
        data = encode_request(request)  # before anything is sent: an unsendable request leaves the process be
        deadline = time.monotonic() + (self.config.timeout if timeout is None else timeout)
        self.uses += 1
        try:
            self._write(data, deadline, request)
            frame = self._read_frame(deadline, request)
        except BaseException:  # a failure or an interrupt mid-exchange: the stream is out of step
            self.kill()
            raise
        try:
            value = json.loads(frame.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.kill()
            raise ReplError(
                f"unparsable response ({exc}): {_clip(frame)}", "protocol", request=request, retryable=True
            ) from exc
        if not isinstance(value, dict):
            self.kill()
            raise ReplError(
                f"response is not a JSON object: {_clip(frame)}", "protocol", request=request, retryable=True
            )
        return value

    def _write(self, data: bytes, deadline: float, request: Mapping[str, Any]) -> None:
        view = memoryview(data)
        with selectors.DefaultSelector() as sel:
            sel.register(self._in, selectors.EVENT_WRITE)
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._timeout(request, "writing the request")
                if not sel.select(remaining):
                    continue
                try:
                    written = os.write(self._in, view)
                except BlockingIOError:
                    continue
                except OSError as exc:  # EPIPE: the process is gone
                    raise self._died(request, f"while writing the request ({exc})") from exc
                view = view[written:]

    def _read_frame(self, deadline: float, request: Mapping[str, Any]) -> bytes:
        lines: list[bytes] = []
        size = 0
        with selectors.DefaultSelector() as sel:
            sel.register(self._out, selectors.EVENT_READ)
            while True:
                done, moved = self._complete(lines)
                size += moved
                if size + (0 if done else len(self._buf)) > self.config.max_response_bytes:
                    raise self._too_big(request)
                if done:
                    return b"".join(lines)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._timeout(request, "waiting for the response")
                if not sel.select(remaining):
                    continue
                try:
                    chunk = os.read(self._out, 1 << 16)
                except BlockingIOError:
                    continue
                except OSError as exc:
                    raise self._died(request, f"while reading ({exc})") from exc
                if not chunk:
                    raise self._died(request, "end of output" + (" in mid-response" if lines or self._buf else ""))
                self._buf += chunk

    def _complete(self, lines: list[bytes]) -> tuple[bool, int]:
        """Move the buffered complete lines into ``lines`` (empty lines before a frame are skipped);
        say whether an empty line has ended the frame, and how many bytes were moved."""
        moved = 0
        while (cut := self._buf.find(b"\n")) >= 0:
            line = bytes(self._buf[: cut + 1])
            del self._buf[: cut + 1]
            if line.strip():
                lines.append(line)
                moved += len(line)
            elif lines:
                return True, moved
        return False, moved

    def _too_big(self, request: Mapping[str, Any]) -> ReplError:
        limit = self.config.max_response_bytes
        return ReplError(f"response larger than max_response_bytes={limit}", "limit", request=request)

    # -- failures -------------------------------------------------------------------------------

    def _timeout(self, request: Mapping[str, Any], doing: str) -> ReplError:
        return ReplError(
            f"no answer within {self.config.timeout:g}s ({doing}); the process was killed",
            "timeout",
            request=request,
            stderr=self.stderr_tail() or None,
        )

    def _died(self, request: Mapping[str, Any], how: str) -> ReplError:
        code = self._wait(1.0)
        tail = self.stderr_tail()
        status = "still running" if code is None else _describe_exit(code)
        if _OOM.search(tail):
            return ReplError(
                f"the process ran out of memory ({status}, memory_mb={self.config.memory_mb})",
                "limit",
                request=request,
                stderr=tail,
                retryable=True,
            )
        uncaught = _UNCAUGHT.search(tail)
        if uncaught is not None:
            # The REPL's loop lets some exceptions escape and the process ends (Lean prints
            # "uncaught exception: <text>" on stderr): a request it could not decode ("Could not
            # parse JSON" / "Could not parse as a valid JSON command"), an unreadable pickle, ...
            # The same request would end a fresh process the same way: not retryable.
            text = " ".join(tail[uncaught.end() :].split())
            kind: ErrorKind = "protocol" if "Could not parse" in text else "repl"
            return ReplError(
                f"the REPL stopped on an uncaught exception ({status}): {_clip(text.encode('utf-8'))}",
                kind,
                request=request,
                stderr=tail,
            )
        return ReplError(
            f"the process died: {how}, {status}", "crashed", request=request, stderr=tail or None, retryable=True
        )

    def stderr_tail(self) -> str:
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - _STDERR_TAIL))
            return self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def _wait(self, seconds: float) -> int | None:
        try:
            return self._proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    # -- shutting down --------------------------------------------------------------------------

    def kill(self) -> None:
        """Kill the process and everything in its session; idempotent."""
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
        self._wait(5.0)
        self._release()

    def close(self) -> None:
        """Close stdin (the REPL exits at end of input), wait ``close_grace`` seconds, then kill."""
        if not self._dead and self._proc.poll() is None:
            with contextlib.suppress(OSError):
                assert self._proc.stdin is not None
                self._proc.stdin.close()
            self._wait(self.config.close_grace)
        self.kill()

    def _release(self) -> None:
        if self._dead:
            return
        self._dead = True
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        with contextlib.suppress(OSError):
            self._stderr.close()


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _clip(data: bytes, limit: int = 300) -> str:
    text = data.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "…"


# -- provenance -------------------------------------------------------------------------------------


def lean_version(config: ReplConfig) -> str:
    cwd = config.cwd or os.getcwd()
    env = None if config.env is None else {**os.environ, **config.env}
    path = (env or os.environ).get("PATH")
    lean = shutil.which("lean", path=path)
    if lean is not None:
        try:
            done = subprocess.run(
                [lean, "--version"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
            )
            if done.returncode == 0 and done.stdout.strip():
                return done.stdout.strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError):
            pass
    toolchain = os.path.join(cwd, "lean-toolchain")
    if os.path.isfile(toolchain):
        with open(toolchain, encoding="utf-8") as fh:
            text = fh.read().strip()
        if text:
            return f"{text} (lean-toolchain)"
    return "unknown"


def repl_revision(config: ReplConfig) -> str:
    if config.revision:
        return config.revision
    if os.environ.get("TACTIC_MESH_LEAN_REPL_REVISION"):
        return os.environ["TACTIC_MESH_LEAN_REPL_REVISION"]
    manifest = os.path.join(config.cwd or os.getcwd(), "lake-manifest.json")
    if os.path.isfile(manifest):
        try:
            with open(manifest, encoding="utf-8") as fh:
                data = json.load(fh)
            for package in data.get("packages", []):
                if str(package.get("name", "")).lower() == "repl" and package.get("rev"):
                    return f"{package['rev']} (lake-manifest.json)"
        except (OSError, ValueError, AttributeError):
            pass
    return "unknown"
