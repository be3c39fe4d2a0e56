"""The theorem library's environments: the prelude plus ``basics.tm`` (``basics``), or plus
``tactics.tm`` too (``all``), every declaration admitted by the kernel type checker."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError

LIBRARIES = {"basics": ("basics.tm",), "all": ("basics.tm", "tactics.tm")}


class LibraryError(TacticMeshError):
    """An unknown library."""


def start_environment(files: Sequence[Path]) -> Environment:
    """The environment checking ``files`` starts from: the prelude, unless the first file is the
    prelude itself (then the empty environment)."""
    from tactic_mesh.kernel.prelude import prelude

    packaged = Path(str(resources.files("tactic_mesh.proofs").joinpath("prelude.tm")))
    try:
        is_prelude = bool(files) and files[0].resolve() == packaged.resolve()
    except OSError:
        is_prelude = False
    return Environment() if is_prelude else prelude()


def library_sources(library: str) -> list[tuple[str, str]]:
    """The ``.tm`` files a library is checked from, prelude first (name, text)."""
    from tactic_mesh.kernel.prelude import PRELUDE_FILE, prelude_text

    if library not in LIBRARIES:
        raise LibraryError(f"unknown library '{library}' (known: {', '.join(LIBRARIES)})")
    files = resources.files("tactic_mesh.proofs")
    return [(PRELUDE_FILE, prelude_text())] + [
        (name, files.joinpath(name).read_text(encoding="utf-8")) for name in LIBRARIES[library]
    ]


def check_library(sources: Sequence[tuple[str, str]]) -> Environment:
    """A library's ``sources`` (as ``library_sources`` gives them) checked on top of the prelude.

    Every declaration goes through the kernel; the first that fails raises ``LibraryError``.
    """
    from tactic_mesh.handlers.blocks import prove_by_block
    from tactic_mesh.kernel.commands import FileChecker
    from tactic_mesh.kernel.deep import run_deep
    from tactic_mesh.kernel.prelude import prelude

    checker = FileChecker(prelude(), tactic_runner=prove_by_block)
    for name, text in sources[1:]:
        failed = [r for r in run_deep(checker.check_text, text, f"<library>/{name}") if not r.ok]
        if failed:
            raise LibraryError(f"the library does not check: {failed[0].loc}: {failed[0].message}")
    return checker.env


@functools.lru_cache(maxsize=2)
def library_env(library: str = "basics") -> Environment:
    """The prelude and the theorem library (``basics.tm``; ``all``: with ``tactics.tm``), each
    declaration checked by the kernel — from source, or from the on-disk environment cache
    (``kernel/env_cache.py``) written after this kernel checked the same sources and code."""
    from tactic_mesh.kernel import env_cache

    sources = library_sources(library)
    return env_cache.cached(f"library-{library}", sources, lambda: check_library(sources))
