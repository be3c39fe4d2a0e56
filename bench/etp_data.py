"""The ETP dev file the ETP benchmark scripts read (``bench/etp.py``, ``bench/etp_router.py``)."""

from __future__ import annotations

import csv
from pathlib import Path

from tactic_mesh.calculus.magma.equations import data_dir


def dev_rows(file: Path | None, limit: int = 0) -> tuple[Path, list[dict[str, str]]] | None:
    """``file`` (default: the data set's ``dev_implications.tsv``) and its first ``limit`` rows (all
    when 0), or ``None`` when the file is not present."""
    root = data_dir()
    path = file or (root / "dev_implications.tsv" if root else None)
    if path is None or not path.exists():
        return None
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return path, rows[:limit] if limit else rows
