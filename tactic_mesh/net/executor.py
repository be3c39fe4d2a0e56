"""Executors: run one function over many items, in this process, in a process pool, or on Ray.

Scale-out for one trusted cluster (DESIGN §11): the rows of ``tactic-mesh etp`` and the statements
of ``tactic-mesh prove-file`` are fanned out through this protocol.  Nothing a worker returns is
trusted by the library — the commands re-check what comes back (a certificate, a script) with the
local kernel — so an executor only moves work and results; it never decides anything.

The protocol::

    with make_executor("process", jobs=2) as ex:        # or "inline", "ray"
        for outcome in ex.map(fn, items, timeout=60.0):
            if outcome.ok: use(outcome.value)            # Ok: index, value, seconds
            else: report(outcome.kind, outcome.message)  # Failed: "error" | "timeout" | "crash"

**What ``map`` guarantees.**

* One ``Outcome`` per item, yielded **in input order** (``outcome.index`` is the item's position);
  a result that arrives early is held until the ones before it have been yielded.
* A worker's failure is a value, never an exception out of ``map`` and never a hang: ``Failed``
  with ``kind`` ``"error"`` (``fn`` raised: ``message`` is ``"ExcType: text"``, ``detail`` the
  worker's traceback when the engine sends one), ``"timeout"`` (the item ran longer than
  ``timeout``), or ``"crash"`` (the worker process died while running this item).  The other items
  go on.  Only ``KeyboardInterrupt`` (and other ``BaseException``\\s of the calling thread) leave
  ``map``; every worker it started is then stopped.
* **Timeouts** are wall seconds from the moment the item is handed to a worker.  At most
  ``workers`` items are in flight at once, so an item handed over is running, and an item is
  never timed out before it has run for ``timeout`` seconds.  With ``timeout=None`` the wait is
  bounded only by ``fn`` itself (the commands pass a bound above their search budgets).
* **Pickling.** ``fn``, the items and the results must be picklable (``fn`` a module-level
  function, importable by the workers): the process pool and Ray send them between processes.
  The inline executor does not pickle, but code written against the protocol should not rely on
  that.  ``fn`` should be idempotent: after a timeout or a crash in the process pool, the other
  items then in flight are run again on fresh workers (their earlier runs are discarded).

Engines: ``InlineExecutor`` (this thread, one item at a time: a timeout cannot interrupt it, so an
item that overran is reported as ``"timeout"`` after it returns and its value is dropped, the same
outcome the other engines give), ``ProcessExecutor(jobs)`` (``concurrent.futures``; a timed-out or
crashed item costs a restart of the pool, and the items in flight with a crashed one are re-run one
at a time to tell which one crashed it), ``RayExecutor(num_cpus)`` (``ray`` imported lazily; a local
instance is started on 127.0.0.1 unless Ray is already initialised or an ``address`` is given, and
shut down by ``close``; tasks are not retried, a timed-out task is cancelled by force).
``make_executor(name, jobs)`` makes one by name; ``ExecutorError`` says why it cannot.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ClassVar, Generic, Literal, Protocol, Self, TypeAlias, TypeVar

import attrs

from tactic_mesh.kernel.errors import TacticMeshError

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("inline", "process", "ray")
RAY_HINT = "install the ray extra: pip install -e '.[ray]'"
FailureKind = Literal["error", "timeout", "crash"]


class ExecutorError(TacticMeshError):
    """An executor that cannot be made: an unknown name, Ray not installed, Ray failing to start."""


class WorkerError(TacticMeshError):
    """Raised by ``Failed.unwrap()``: the item's failure as an exception."""


@attrs.frozen
class Ok(Generic[R]):
    """Item ``index`` gave ``value`` after ``seconds`` (wall, from its hand-over to a worker)."""

    index: int
    value: R
    seconds: float
    ok: ClassVar[bool] = True

    def unwrap(self) -> R:
        return self.value


@attrs.frozen
class Failed:
    """Item ``index`` failed: ``kind`` is ``error`` (``fn`` raised), ``timeout`` or ``crash``."""

    index: int
    kind: FailureKind
    message: str
    seconds: float
    detail: str = ""  # the worker's traceback, when the engine sends one
    ok: ClassVar[bool] = False

    def unwrap(self) -> Any:
        raise WorkerError(f"item {self.index}: worker {self.kind}: {self.message}")


Outcome: TypeAlias = Ok[R] | Failed


class Executor(Protocol):
    """Runs ``fn`` over ``items`` (see the module docstring for what ``map`` guarantees)."""

    @property
    def name(self) -> str: ...

    @property
    def workers(self) -> int: ...  # how many items run at once

    def map(self, fn: Callable[[T], R], items: Iterable[T], timeout: float | None = None) -> Iterator[Outcome[R]]:
        ...

    def close(self) -> None: ...  # stops the workers (idempotent); the executor is unusable after it

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


def _message(err: BaseException) -> str:
    text = str(err)
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _timeout_message(timeout: float) -> str:
    return f"no result within {timeout:g} s"


class _Closing:
    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InlineExecutor(_Closing):
    """Each item in the calling thread, in order (no pickling, no parallelism)."""

    name = "inline"
    workers = 1

    def map(self, fn: Callable[[T], R], items: Iterable[T], timeout: float | None = None) -> Iterator[Outcome[R]]:
        for index, item in enumerate(items):
            started = time.monotonic()
            try:
                value = fn(item)
            except Exception as err:
                yield Failed(index, "error", _message(err), time.monotonic() - started)
                continue
            seconds = time.monotonic() - started
            if timeout is not None and seconds > timeout:
                yield Failed(index, "timeout", _timeout_message(timeout), seconds)
            else:
                yield Ok(index, value, seconds)


class _Window(Generic[T, R]):
    """The bookkeeping both pooled engines share: the items not yet handed over (first the ones to
    re-run, then the source, lazily), and the outcomes held until they can be yielded in order."""

    def __init__(self, items: Iterable[T]) -> None:
        self.source = enumerate(items)
        self.again: deque[tuple[int, T]] = deque()  # to hand over again, before the source
        self.held: dict[int, Outcome[R]] = {}
        self.next_out = 0
        self.exhausted = False

    def take(self) -> tuple[int, T] | None:
        if self.again:
            return self.again.popleft()
        if self.exhausted:
            return None
        try:
            return next(self.source)
        except StopIteration:
            self.exhausted = True
            return None

    def has_more(self) -> bool:
        if self.again:
            return True
        if self.exhausted:
            return False
        nxt = self.take()
        if nxt is None:
            return False
        self.again.appendleft(nxt)
        return True

    def ready(self) -> Iterator[Outcome[R]]:
        while self.next_out in self.held:
            yield self.held.pop(self.next_out)
            self.next_out += 1


class ProcessExecutor(_Closing):
    """``jobs`` worker processes (``concurrent.futures.ProcessPoolExecutor``, the platform's default
    start method).  A timed-out item is abandoned by killing the pool's processes (a running call
    cannot be cancelled otherwise); the other items in flight are re-run on a fresh pool.  When a
    worker dies, the items that were in flight are re-run one at a time, and the one that kills its
    worker again is the ``crash``; the others get their results."""

    name = "process"

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ExecutorError(f"the process executor needs at least one worker, got {jobs}")
        self.workers = jobs
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._closed:
            raise ExecutorError("the process executor is closed")
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return self._pool

    def _kill(self) -> None:
        """Stop the pool at once, running calls and all (a fresh one is made when needed)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((pool._processes or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            if p.is_alive():
                p.kill()
        for p in processes:
            p.join(timeout=10)

    def close(self) -> None:
        """Stop the workers: those still running an abandoned item are killed."""
        if self._pool is not None and getattr(self._pool, "_pending_work_items", None):
            self._kill()  # an abandoned ``map`` still has calls running: do not wait for them
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._closed = True

    def map(self, fn: Callable[[T], R], items: Iterable[T], timeout: float | None = None) -> Iterator[Outcome[R]]:
        window: _Window[T, R] = _Window(items)
        suspects: deque[tuple[int, T]] = deque()  # in flight when a worker died: re-run one at a time
        flight: dict[Future[R], tuple[int, T, float, bool]] = {}  # future -> index, item, handed over, alone
        try:
            while True:
                if suspects:
                    if not flight:
                        index, item = suspects.popleft()
                        flight[self._get_pool().submit(fn, item)] = (index, item, time.monotonic(), True)
                else:
                    while len(flight) < self.workers and (nxt := window.take()) is not None:
                        flight[self._get_pool().submit(fn, nxt[1])] = (nxt[0], nxt[1], time.monotonic(), False)
                yield from window.ready()
                if not flight:
                    if suspects or window.has_more():
                        continue
                    return
                wait_for = None
                if timeout is not None:
                    wait_for = max(0.0, min(t0 for _, _, t0, _ in flight.values()) + timeout - time.monotonic())
                done, _ = wait(list(flight), timeout=wait_for, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    index, item, t0, alone = flight.pop(future)
                    seconds = time.monotonic() - t0
                    err = future.exception()
                    if err is None:
                        window.held[index] = Ok(index, future.result(), seconds)
                    elif isinstance(err, BrokenProcessPool):
                        broken = True
                        if alone:
                            window.held[index] = Failed(index, "crash", f"the worker process died ({err})", seconds)
                        else:
                            suspects.append((index, item))
                    else:
                        cause = err.__cause__
                        window.held[index] = Failed(index, "error", _message(err), seconds,
                                                    str(cause) if cause is not None else "")
                now = time.monotonic()
                late = [f for f, (_, _, t0, _) in flight.items() if timeout is not None and now - t0 >= timeout]
                if broken or late:
                    for future in late:
                        index, _, t0, _ = flight.pop(future)
                        window.held[index] = Failed(index, "timeout", _timeout_message(timeout or 0.0), now - t0)
                    # the rest in flight are innocent of this: run again on a fresh pool (suspects stay suspects)
                    rerun = sorted((index, item) for index, item, _, _ in flight.values())
                    if broken:
                        suspects.extend(rerun)
                        suspects = deque(sorted(suspects, key=lambda s: s[0]))
                    else:
                        window.again.extendleft(reversed(rerun))
                    flight.clear()
                    self._kill()
        finally:
            if flight:  # abandoned (the caller stopped iterating, or an interrupt): stop the running calls
                for future in flight:
                    future.cancel()
                self._kill()


def _apply(fn: Callable[[T], R], item: T) -> R:
    """The Ray task: ``fn(item)`` in a worker."""
    return fn(item)


def _ray() -> Any:
    try:
        import ray
    except ImportError as err:
        raise ExecutorError(f"the ray executor needs Ray ({err}): {RAY_HINT}") from None
    return ray


class RayExecutor(_Closing):
    """Tasks on Ray with ``num_cpus`` CPUs.  Without ``address`` and with Ray not yet initialised, a
    local instance is started (no dashboard, ``num_cpus`` CPUs) and ``close`` shuts it down; when
    this is the first import of Ray in the process, ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` is set
    first (unless set already), so every service of that instance listens on 127.0.0.1 only, and
    ``RAY_USAGE_STATS_ENABLED=0`` (unless set), so Ray sends no usage statistics anywhere.
    Otherwise the running instance (or the cluster at ``address``) is used and left running, with
    at most as many items in flight as it has CPUs.  Each task takes one CPU, is not retried (a
    worker that dies is the item's ``crash``), and is cancelled by force when it times out."""

    name = "ray"

    def __init__(self, num_cpus: int, address: str | None = None) -> None:
        if num_cpus < 1:
            raise ExecutorError(f"the ray executor needs at least one CPU, got {num_cpus}")
        if address is None and "ray" not in sys.modules:
            # Ray's local node binds loopback only with this (read when ray is imported)
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        if "ray" not in sys.modules:  # no usage report to Ray's servers: nothing leaves the cluster
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        ray = _ray()
        self.workers = num_cpus
        self._started = False
        self._closed = False
        self.init_seconds = 0.0
        if not ray.is_initialized():
            started = time.monotonic()
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "logging_level": "error"}
            if address is None:
                options.update(num_cpus=num_cpus, _node_ip_address="127.0.0.1")
            try:
                ray.init(address, **options)
            except Exception as err:
                raise ExecutorError(f"Ray did not start: {_message(err)}") from None
            self.init_seconds = time.monotonic() - started
            self._started = True
        else:
            self.workers = max(1, min(num_cpus, int(ray.cluster_resources().get("CPU", num_cpus))))
        self._ray = ray

    def close(self) -> None:
        if self._started and not self._closed:
            self._ray.shutdown()
        self._closed = True

    def _failure(self, index: int, err: BaseException, seconds: float) -> Failed:
        exceptions = self._ray.exceptions
        if isinstance(err, exceptions.RayTaskError):
            cause = getattr(err, "cause", None)
            return Failed(index, "error", _message(cause) if isinstance(cause, BaseException) else _message(err),
                          seconds, str(err))
        if isinstance(err, exceptions.GetTimeoutError):
            return Failed(index, "timeout", f"the result could not be fetched ({err})", seconds)
        return Failed(index, "crash", _message(err), seconds)

    def map(self, fn: Callable[[T], R], items: Iterable[T], timeout: float | None = None) -> Iterator[Outcome[R]]:
        if self._closed:
            raise ExecutorError("the ray executor is closed")
        ray = self._ray
        remote = ray.remote(num_cpus=1, max_retries=0)(_apply)  # any callable (builtins too), sent once
        fn_ref = ray.put(fn)
        window: _Window[T, R] = _Window(items)
        flight: dict[Any, tuple[int, float]] = {}  # object ref -> index, handed over
        try:
            while True:
                while len(flight) < self.workers and (nxt := window.take()) is not None:
                    flight[remote.remote(fn_ref, nxt[1])] = (nxt[0], time.monotonic())
                yield from window.ready()
                if not flight:
                    if window.has_more():
                        continue
                    return
                wait_for = None
                if timeout is not None:
                    wait_for = max(0.0, min(t0 for _, t0 in flight.values()) + timeout - time.monotonic())
                done, _ = ray.wait(list(flight), num_returns=1, timeout=wait_for)
                for ref in done:
                    index, t0 = flight.pop(ref)
                    try:
                        value = ray.get(ref, timeout=60)
                    except Exception as err:
                        window.held[index] = self._failure(index, err, time.monotonic() - t0)
                    else:
                        window.held[index] = Ok(index, value, time.monotonic() - t0)
                now = time.monotonic()
                for ref, (index, t0) in list(flight.items()):
                    if timeout is not None and now - t0 >= timeout:
                        del flight[ref]
                        ray.cancel(ref, force=True)
                        window.held[index] = Failed(index, "timeout", _timeout_message(timeout), now - t0)
        finally:
            for ref in flight:
                ray.cancel(ref, force=True)


def make_executor(name: str, jobs: int) -> Executor:
    """The executor ``name`` (one of ``EXECUTORS``) with ``jobs`` workers (ignored inline)."""
    if name == "inline":
        return InlineExecutor()
    if name == "process":
        return ProcessExecutor(jobs)
    if name == "ray":
        return RayExecutor(jobs)
    raise ExecutorError(f"unknown executor '{name}' (known: {', '.join(EXECUTORS)})")


__all__ = [
    "EXECUTORS",
    "Executor",
    "ExecutorError",
    "Failed",
    "InlineExecutor",
    "Ok",
    "Outcome",
    "ProcessExecutor",
    "RayExecutor",
    "WorkerError",
    "make_executor",
]
