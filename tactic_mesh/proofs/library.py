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


@functools.lru_cache(maxsize=2)
def library_env(library: str = "basics") -> Environment:
    """The prelude and the theorem library (``basics.tm``; ``all``: with ``tactics.tm``), each
    declaration re-checked by the kernel."""
    from tactic_mesh.handlers.blocks import prove_by_block
    from tactic_mesh.kernel.commands import FileChecker
    from tactic_mesh.kernel.deep import run_deep
    from tactic_mesh.kernel.prelude import prelude

    if library not in LIBRARIES:
        raise LibraryError(f"unknown library '{library}' (known: {', '.join(LIBRARIES)})")
    checker = FileChecker(prelude(), tactic_runner=prove_by_block)
    for name in LIBRARIES[library]:
        text = resources.files("tactic_mesh.proofs").joinpath(name).read_text(encoding="utf-8")
        run_deep(checker.check_text, text, f"<library>/{name}")
    return checker.env
