"""The on-disk cache: entries written by this code, keyed by what they were computed from.

An entry is one file ``<name>.cache`` in the cache directory::

    TMCACHE 1\\n
    {"key": "…", "length": n, "sha256": "…"}\\n
    <n bytes of payload>

A reader passes the key it expects; an entry for another key (stale), a truncated or corrupted
payload (its sha256 does not match) or an unreadable file reads as absent, and the caller rebuilds
what it wanted.  Writes are atomic (a temporary file in the same directory renamed over the old
entry), so a concurrent reader sees the old entry or the new one, never half of one; an unwritable
directory means no cache.  Payloads are pickles read by ``loads``, whose unpickler resolves only
the globals the caller allows: a tampered entry cannot name arbitrary code.

``TACTIC_MESH_NO_CACHE=1`` turns the cache off; ``TACTIC_MESH_CACHE_DIR`` moves it (default
``$XDG_CACHE_HOME/tactic-mesh``, else ``~/.cache/tactic-mesh``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from tactic_mesh.version import KERNEL_VERSION

FORMAT = 1
MAGIC = f"TMCACHE {FORMAT}\n".encode()
_PACKAGE = Path(__file__).resolve().parent.parent


def cache_dir() -> Path | None:
    """Where entries live, or ``None`` when the cache is off."""
    if os.environ.get("TACTIC_MESH_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("TACTIC_MESH_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "tactic-mesh" if xdg else Path.home() / ".cache" / "tactic-mesh"


@functools.cache
def code_digest() -> str:
    """sha256 over the package's Python sources (relative path and content, in path order): an
    entry computed by other code is stale."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def cache_key(parts: Iterable[str]) -> str:
    """sha256 of the format, the kernel version, the code and ``parts`` (what the entry was
    computed from)."""
    h = hashlib.sha256()
    for part in (str(FORMAT), KERNEL_VERSION, code_digest(), *parts):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def encode(payload: bytes, key: str) -> bytes:
    header = {"key": key, "length": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    return MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + payload


def decode(data: bytes, key: str) -> bytes | None:
    """The payload of ``data`` if it is an intact entry for ``key``, else ``None``."""
    if not data.startswith(MAGIC):
        return None
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        return None
    try:
        header = json.loads(data[len(MAGIC) : end])
    except ValueError:
        return None
    payload = data[end + 1 :]
    if (
        not isinstance(header, dict)
        or header.get("key") != key
        or header.get("length") != len(payload)
        or header.get("sha256") != hashlib.sha256(payload).hexdigest()
    ):
        return None
    return payload


def entry_path(name: str) -> Path | None:
    root = cache_dir()
    return None if root is None else root / f"{name}.cache"


def read(name: str, key: str) -> bytes | None:
    path = entry_path(name)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return decode(data, key)


def write(name: str, key: str, payload: bytes) -> bool:
    """Store the entry atomically; ``False`` if the cache is off or cannot be written."""
    path = entry_path(name)
    if path is None:
        return False
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(encode(payload, key))
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, allowed: Callable[[str, str], bool]) -> None:
        super().__init__(io.BytesIO(data))
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> object:
        if self._allowed(module, name):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} may not appear in this cache entry")


def loads(payload: bytes, allowed: Callable[[str, str], bool]) -> object | None:
    """Unpickle ``payload`` resolving only globals ``allowed(module, name)``; ``None`` when it
    does not load (then the caller rebuilds)."""
    try:
        value: object = _Unpickler(payload, allowed).load()
    except Exception:  # an intact digest over a payload this code cannot read: rebuild
        return None
    return value


def dumps(value: object) -> bytes | None:
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None
