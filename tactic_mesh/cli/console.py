"""What the long-running commands share on the console and on disk: a progress bar on stderr and
an atomic write of their ``--json`` document."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def progress_bar(label: str, total: int, show: bool) -> Iterator[Callable[[], None]]:
    """A transient bar on stderr for ``total`` items when ``show`` (else nothing); yields ``advance``.
    The bar is stopped on the way out, whatever ends the block (Ctrl-C included)."""
    if not show:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)  # fmt: skip
    progress.start()
    task = progress.add_task(label, total=total)
    try:
        yield lambda: progress.advance(task)
    finally:
        progress.stop()


def write_json(path: Path, document: object) -> None:
    """``document`` as JSON at ``path``, replaced atomically (a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
