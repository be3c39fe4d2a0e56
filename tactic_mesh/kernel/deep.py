"""Running recursive algorithms on deep terms without ``RecursionError``.

The checker, elaborator and printer recurse over terms.  ``run_deep`` runs a function in a worker
thread with a large stack and a high recursion limit, so that terms nested 100 000 levels deep
are handled; anything deeper ends in a clean ``TacticMeshError``, never a crash.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from tactic_mesh.kernel.errors import KernelLimitError

T = TypeVar("T")

STACK_BYTES = 1 << 30
RECURSION_LIMIT = 2_000_000
_lock = threading.Lock()
_state = {"active": 0, "saved_limit": 1000}


def run_deep(fn: Callable[..., T], *args: object) -> T:
    if getattr(_local, "inside", False):
        return fn(*args)
    box: dict[str, object] = {}
    context = contextvars.copy_context()  # the caller's context variables hold in the worker too

    def target() -> None:
        _local.inside = True
        try:
            box["value"] = context.run(fn, *args)
        except RecursionError:
            box["error"] = KernelLimitError("input nested too deeply to process")
        except BaseException as err:  # re-raised in the caller's thread
            box["error"] = err

    with _lock:
        if _state["active"] == 0:
            _state["saved_limit"] = sys.getrecursionlimit()
            sys.setrecursionlimit(max(RECURSION_LIMIT, _state["saved_limit"]))
        _state["active"] += 1
        old_size = threading.stack_size()
        threading.stack_size(STACK_BYTES)
        try:
            worker = threading.Thread(target=target, name="tactic-mesh-deep")
            worker.start()
        finally:
            threading.stack_size(old_size)
    worker.join()
    with _lock:
        _state["active"] -= 1
        if _state["active"] == 0:
            sys.setrecursionlimit(_state["saved_limit"])  # leave the process as we found it
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


_local = threading.local()
