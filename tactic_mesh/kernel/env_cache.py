"""Checked environments (the prelude, the theorem libraries) kept in the on-disk cache
(``kernel/disk_cache.py``) between processes.

Checking the prelude and a library from source takes about a second, which a command-line call
should not pay every time.  An entry is keyed by the ``.tm`` sources the environment was checked
from, the package's code and the kernel version: a hit means this kernel, running this code,
already admitted every declaration of these sources — the entry is what it produced then.  Its
payload may name only classes of ``tactic_mesh.kernel`` and a few builtins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tactic_mesh.kernel import disk_cache
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.fingerprint import environment_hash

_BUILTINS = frozenset({"frozenset", "set"})


def _allowed(module: str, name: str) -> bool:
    return module.startswith("tactic_mesh.kernel.") or (module == "builtins" and name in _BUILTINS)


def key_of(sources: Sequence[tuple[str, str]]) -> str:
    return disk_cache.cache_key(part for name, text in sources for part in (name, text))


def load(name: str, sources: Sequence[tuple[str, str]]) -> Environment | None:
    payload = disk_cache.read(name, key_of(sources))
    env = None if payload is None else run_deep(disk_cache.loads, payload, _allowed)
    return env if isinstance(env, Environment) else None


def store(name: str, sources: Sequence[tuple[str, str]], env: Environment) -> bool:
    environment_hash(env)  # kept in the entry: every proof's provenance needs it
    payload = run_deep(disk_cache.dumps, env)  # deep terms pickle recursively
    return payload is not None and disk_cache.write(name, key_of(sources), payload)


def cached(name: str, sources: Sequence[tuple[str, str]], build: Callable[[], Environment]) -> Environment:
    """The environment checked from ``sources`` (name, text): the cache's entry when there is an
    intact one for these sources, this code and this kernel version; else ``build()``, stored."""
    env = load(name, sources)
    if env is None:
        env = build()
        store(name, sources, env)
    return env
