"""The library environment read back from the on-disk cache is the one checked from source."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tactic_mesh.kernel.fingerprint import environment_hash
from tactic_mesh.proofs.library import LibraryError, check_library, library_sources

PROBE = """
from tactic_mesh.proofs.library import library_env
env = library_env("basics")
from tactic_mesh.kernel.fingerprint import environment_hash
print(environment_hash(env), len(env))
"""


def test_library_from_cache_equals_library_from_source(tmp_path: Path) -> None:
    env = {**os.environ, "TACTIC_MESH_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
            for _ in range(2)]
    assert (tmp_path / "library-basics.cache").exists() and (tmp_path / "prelude.cache").exists()
    source = check_library(library_sources("basics"))
    expected = f"{environment_hash(source)} {len(source)}"
    assert [r.stdout.strip() for r in runs] == [expected, expected]  # built, then read back


def test_unknown_library() -> None:
    with pytest.raises(LibraryError, match="unknown library 'nope'"):
        library_sources("nope")


def test_a_library_that_does_not_check_is_an_error() -> None:
    sources = [*library_sources("basics")[:1], ("broken.tm", "theorem bad : 1 = 2 := rfl\n")]
    with pytest.raises(LibraryError, match=r"broken.tm:1:\d+"):
        check_library(sources)
