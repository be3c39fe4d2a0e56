"""Output and timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

_stream: list[TextIO] = [sys.stdout]


def to_stderr() -> None:
    """Send the human-readable report to stderr (stdout then carries the --json document)."""
    _stream[0] = sys.stderr


def say(msg: str = "") -> None:
    print(msg, file=_stream[0], flush=True)


def header(title: str) -> None:
    say()
    say(f"== {title}")


def fmt_s(seconds: float) -> str:
    if seconds < 0:
        return "-" + fmt_s(-seconds)
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def spread(xs: Sequence[float]) -> str:
    if len(xs) == 1:
        return "1 run"
    return f"{len(xs)} runs, min {fmt_s(min(xs))}, max {fmt_s(max(xs))}"


def table(rows: Sequence[tuple[str, str, str]], total_s: float) -> None:
    """The closing summary: figure, value, notes."""
    header("summary")
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    say(f"   {'figure':<{w0}}  {'value':>{w1}}  notes")
    say(f"   {'-' * w0}  {'-' * w1}  {'-' * 30}")
    for name, value, note in rows:
        say(f"   {name:<{w0}}  {value:>{w1}}  {note}")
    say(f"   (benchmark wall time {total_s:.1f} s)")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def finish(res: dict[str, Any], started: float, summary: Callable[[dict[str, Any]], Sequence[tuple[str, str, str]]],
           as_json: bool) -> int:
    """Close a benchmark run: the total time, the summary table, and the --json document."""
    import json

    res["total_s"] = time.perf_counter() - started
    table(summary(res), res["total_s"])
    if as_json:
        print(json.dumps(res, indent=2))
    return 0
