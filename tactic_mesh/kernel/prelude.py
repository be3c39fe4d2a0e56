"""The prelude environment, checked from ``proofs/prelude.tm`` (once per process, and kept in the
on-disk environment cache, ``kernel/env_cache.py``, between processes)."""

from __future__ import annotations

import functools
from importlib import resources

from tactic_mesh.kernel.commands import CommandResult, FileChecker, Options
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import KernelError

PRELUDE_FILE = "prelude.tm"


def prelude_text() -> str:
    return resources.files("tactic_mesh.proofs").joinpath(PRELUDE_FILE).read_text(encoding="utf-8")


def check_prelude() -> tuple[Environment, list[CommandResult]]:
    """Check the prelude from scratch (every declaration goes through the kernel)."""
    from tactic_mesh.kernel.deep import run_deep

    checker = FileChecker(Environment(), Options())
    results = run_deep(checker.check_text, prelude_text(), f"<prelude>/{PRELUDE_FILE}")
    return checker.env, results


def checked_prelude() -> Environment:
    """The prelude checked from source; a prelude that does not check is an error."""
    env, results = check_prelude()
    failed = [r for r in results if not r.ok]
    if failed:
        first = failed[0]
        raise KernelError(f"the prelude does not check: {first.loc}: {first.message}")
    return env


@functools.cache
def prelude() -> Environment:
    from tactic_mesh.kernel import env_cache

    return env_cache.cached("prelude", [(PRELUDE_FILE, prelude_text())], checked_prelude)
