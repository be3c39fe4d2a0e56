"""End-to-end start-up: ``tactic-mesh prove "∀ n : Nat, n + 0 = n"`` as a user runs it, process
start included, in fresh subprocesses.

    python bench/startup.py [--runs 7] [--json] [--pythonpath OLD_CHECKOUT]

Three settings, each the median of ``--runs`` processes:

* **cold**: an empty cache directory before every run (the prelude, the library and the parser
  tables are checked and built from source, then written to the cache);
* **warm**: the cache filled by an earlier run (the usual case);
* **no cache**: ``TACTIC_MESH_NO_CACHE=1`` (everything from source, nothing written).

Ratios are against ``no cache`` and against ``python -c pass`` measured in the same run.  With
``--pythonpath`` the same command is timed on an older checkout (``python -m tactic_mesh.cli.main``
with that ``PYTHONPATH``) as the before figure.  Python's own bytecode cache is left on (children
run without ``PYTHONDONTWRITEBYTECODE``), as for an installed package.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import finish, fmt_s, header, say, to_stderr

STATEMENT = "∀ n : Nat, n + 0 = n"
PROVE = [sys.executable, "-m", "tactic_mesh.cli.main", "prove", STATEMENT]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "TACTIC_MESH_NO_CACHE")}
    env.update(extra)
    return env


def _time(cmd: list[str], env: dict[str, str], check: str | None = "re-checked", cwd: str | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=cwd)
    seconds = time.perf_counter() - start
    if proc.returncode != 0 or (check is not None and check not in proc.stdout):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return seconds


def measure(runs: int, pythonpath: str | None) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="tm-startup-"))
    try:
        cache = root / "cache"
        with_cache = _env(TACTIC_MESH_CACHE_DIR=str(cache))
        _time(PROVE, with_cache)  # bytecode written, cache filled
        res: dict[str, Any] = {"statement": STATEMENT, "runs": runs}
        res["python_pass_s"] = statistics.median(_time([sys.executable, "-c", "pass"], _env(), None)
                                                 for _ in range(runs))
        cold = []
        for _ in range(runs):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(_time(PROVE, with_cache))
        res["cold_s"] = statistics.median(cold)
        res["warm_s"] = statistics.median(_time(PROVE, with_cache) for _ in range(runs))
        res["no_cache_s"] = statistics.median(_time(PROVE, _env(TACTIC_MESH_NO_CACHE="1")) for _ in range(runs))
        res["cache_bytes"] = sum(p.stat().st_size for p in cache.iterdir())
        if pythonpath is not None:
            old = _env(PYTHONPATH=pythonpath, TACTIC_MESH_CACHE_DIR=str(root / "old"))
            _time(PROVE, old, cwd=pythonpath)  # ``-m`` puts the working directory first on sys.path
            res["before_s"] = statistics.median(_time(PROVE, old, cwd=pythonpath) for _ in range(runs))
        return res
    finally:
        shutil.rmtree(root, ignore_errors=True)


def summary(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    base = res["no_cache_s"]
    rows = [
        ("python -c pass", fmt_s(res["python_pass_s"]), "the interpreter alone"),
        ("prove, cold cache", fmt_s(res["cold_s"]),
         f"{res['cold_s'] / base:.2f}× no cache (builds and writes the entries)"),
        ("prove, warm cache", fmt_s(res["warm_s"]), f"{res['warm_s'] / base:.2f}× no cache; goal < 0.5 s"),
        ("prove, no cache", fmt_s(base), "TACTIC_MESH_NO_CACHE=1: prelude and library checked from source"),
        ("cache size", f"{res['cache_bytes'] / 1024:.0f} KiB", "prelude, library, parser tables"),
    ]
    if "before_s" in res:
        rows.append(("prove, before (old checkout)", fmt_s(res["before_s"]),
                     f"warm is {res['before_s'] / res['warm_s']:.1f}× faster"))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="the figures as JSON on stdout")
    ap.add_argument("--pythonpath", help="an older checkout to time as the before figure")
    args = ap.parse_args()
    if args.json:
        to_stderr()
    started = time.perf_counter()
    header(f"start-up: tactic-mesh prove {STATEMENT!r}, median of {args.runs} processes each")
    res = measure(args.runs, args.pythonpath)
    say(f"cold {fmt_s(res['cold_s'])}, warm {fmt_s(res['warm_s'])}, no cache {fmt_s(res['no_cache_s'])}")
    return finish(res, started, summary, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
