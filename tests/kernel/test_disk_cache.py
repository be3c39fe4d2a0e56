"""The on-disk cache's entry format: a hit only for an intact entry of the expected key."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from tactic_mesh.kernel import disk_cache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TACTIC_MESH_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("TACTIC_MESH_NO_CACHE", raising=False)
    return tmp_path / "c"


def test_round_trip_and_key(cache: Path) -> None:
    key = disk_cache.cache_key(["a"])
    assert disk_cache.read("x", key) is None  # nothing yet
    assert disk_cache.write("x", key, b"payload")
    assert disk_cache.read("x", key) == b"payload"
    assert disk_cache.read("x", disk_cache.cache_key(["b"])) is None  # another key: stale
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]  # no temporary left behind


def test_key_depends_on_every_part() -> None:
    keys = {disk_cache.cache_key(parts) for parts in (["a"], ["b"], ["a", ""], ["", "a"], [])}
    assert len(keys) == 5


def test_damaged_entries_read_as_absent(cache: Path) -> None:
    key = disk_cache.cache_key(["a"])
    payload = bytes(range(256)) * 4
    good = disk_cache.encode(payload, key)
    header_end = good.index(b"\n", len(disk_cache.MAGIC)) + 1
    damaged = {
        "truncated": good[:-1],
        "extended": good + b"x",
        "payload flipped": good[:header_end + 10] + bytes([good[header_end + 10] ^ 1]) + good[header_end + 11:],
        "no header end": disk_cache.MAGIC + b'{"key": ',
        "header not json": disk_cache.MAGIC + b"{nope\n" + payload,
        "header not an object": disk_cache.MAGIC + b"[1]\n" + payload,
        "other format": good.replace(b"TMCACHE 1", b"TMCACHE 9", 1),
        "empty": b"",
        "garbage": os.urandom(300),
    }
    assert disk_cache.decode(good, key) == payload
    for what, data in damaged.items():
        assert disk_cache.decode(data, key) is None, what
        (cache / "x.cache").parent.mkdir(parents=True, exist_ok=True)
        (cache / "x.cache").write_bytes(data)
        assert disk_cache.read("x", key) is None, what


def test_off_and_unwritable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTIC_MESH_NO_CACHE", "1")
    assert disk_cache.cache_dir() is None
    assert not disk_cache.write("x", "k", b"p")
    assert disk_cache.read("x", "k") is None
    monkeypatch.delenv("TACTIC_MESH_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TACTIC_MESH_CACHE_DIR", str(blocker / "sub"))
    assert not disk_cache.write("x", "k", b"p")  # no error: simply no cache
    assert disk_cache.read("x", "k") is None


def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TACTIC_MESH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert disk_cache.cache_dir() == tmp_path / "tactic-mesh"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert disk_cache.cache_dir() == Path.home() / ".cache" / "tactic-mesh"


class Boom:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("echo should-not-run",))


def test_loads_resolves_only_allowed_globals() -> None:
    evil = pickle.dumps(Boom())
    assert disk_cache.loads(evil, lambda module, name: False) is None
    assert disk_cache.loads(pickle.dumps({"a": (1, [2])}), lambda module, name: False) == {"a": (1, [2])}
    assert disk_cache.loads(b"\x80\x05garbage", lambda module, name: True) is None
