"""Checked environments from the cache: equal to the ones checked from source, rebuilt when the
entry is stale or damaged."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from tactic_mesh.kernel import disk_cache, env_cache
from tactic_mesh.kernel.elab_core import EXT_ATTRIBUTES, EXT_CLASSES, EXT_INSTANCES, EXT_STRUCTURES
from tactic_mesh.kernel.environment import Environment, TheoremInfo
from tactic_mesh.kernel.fingerprint import environment_hash
from tactic_mesh.kernel.prelude import PRELUDE_FILE, checked_prelude, prelude_text
from tactic_mesh.kernel.typechecker import TypeChecker

SOURCES = [(PRELUDE_FILE, prelude_text())]


@pytest.fixture(scope="module")
def source_env() -> Environment:
    return checked_prelude()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TACTIC_MESH_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TACTIC_MESH_NO_CACHE", raising=False)
    return tmp_path


def _counting(env: Environment) -> tuple[list[int], object]:
    calls: list[int] = []

    def build() -> Environment:
        calls.append(1)
        return env

    return calls, build


def test_hit_is_the_same_environment(cache: Path, source_env: Environment) -> None:
    calls, build = _counting(source_env)
    first = env_cache.cached("prelude-test", SOURCES, build)  # type: ignore[arg-type]
    again = env_cache.cached("prelude-test", SOURCES, build)  # type: ignore[arg-type]
    assert calls == [1]  # built once, then read back
    assert first is source_env and again is not source_env
    assert list(again.names()) == list(source_env.names())
    assert environment_hash(again) == environment_hash(source_env)
    for name in source_env.names():
        assert again.find(name) == source_env.find(name), name
    for key in (EXT_CLASSES, EXT_INSTANCES, EXT_STRUCTURES, EXT_ATTRIBUTES):
        assert again.extension(key) == source_env.extension(key), key
    # the loaded terms are the interned ones: pointer equality holds across a load
    theorems = [i for i in again.constants().values() if isinstance(i, TheoremInfo)]
    assert theorems
    for info in theorems:
        original = source_env.find(info.name)
        assert isinstance(original, TheoremInfo) and info.type is original.type
        TypeChecker(again).check(info.value, info.type)  # and the kernel still accepts them


def test_other_sources_are_stale(cache: Path, source_env: Environment) -> None:
    calls, build = _counting(source_env)
    env_cache.cached("p", SOURCES, build)  # type: ignore[arg-type]
    env_cache.cached("p", [(PRELUDE_FILE, prelude_text() + "\n-- edited\n")], build)  # type: ignore[arg-type]
    assert calls == [1, 1]


def test_damaged_entry_is_rebuilt(cache: Path, source_env: Environment) -> None:
    calls, build = _counting(source_env)
    env_cache.cached("p", SOURCES, build)  # type: ignore[arg-type]
    entry = cache / "p.cache"
    data = entry.read_bytes()
    for damaged in (data[: len(data) // 2], data[:-7] + bytes(7), b"TMCACHE 1\n"):
        entry.write_bytes(damaged)
        assert env_cache.load("p", SOURCES) is None
        assert env_cache.cached("p", SOURCES, build) is source_env  # type: ignore[arg-type]
        assert env_cache.load("p", SOURCES) is not None  # and written again
    assert calls == [1, 1, 1, 1]


class Foreign:
    """A class outside the kernel: an entry naming it does not load."""


def test_payload_naming_foreign_code_is_refused(cache: Path) -> None:
    key = env_cache.key_of(SOURCES)
    assert disk_cache.write("p", key, pickle.dumps(Foreign()))  # an intact entry, a foreign class
    assert env_cache.load("p", SOURCES) is None
    assert disk_cache.write("p", key, pickle.dumps({"not": "an environment"}))
    assert env_cache.load("p", SOURCES) is None


def test_kernel_version_is_in_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    before = env_cache.key_of(SOURCES)
    monkeypatch.setattr(disk_cache, "KERNEL_VERSION", "tactic-mesh-kernel/999")
    assert env_cache.key_of(SOURCES) != before


def test_no_cache_builds_every_time(monkeypatch: pytest.MonkeyPatch, source_env: Environment) -> None:
    monkeypatch.setenv("TACTIC_MESH_NO_CACHE", "1")
    calls, build = _counting(source_env)
    env_cache.cached("p", SOURCES, build)  # type: ignore[arg-type]
    env_cache.cached("p", SOURCES, build)  # type: ignore[arg-type]
    assert calls == [1, 1]
