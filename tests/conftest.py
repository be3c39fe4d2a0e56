"""Every test run gets its own on-disk cache directory (``kernel/disk_cache.py``), so the suite
never reads or writes the user's cache and always exercises the cache from empty."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_made: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    root = tempfile.mkdtemp(prefix="tactic-mesh-test-cache-")
    _made.append(root)
    os.environ["TACTIC_MESH_CACHE_DIR"] = root
    os.environ.pop("TACTIC_MESH_NO_CACHE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    for root in _made:
        shutil.rmtree(root, ignore_errors=True)
