"""Running E prover on a magma implication (a ``foreign`` tool: its answers are only hints).

``run_eprover(a, b, seconds)`` writes the TPTP problem, runs ``eprover`` with a CPU limit (and a
wall-clock limit a little above it), and returns the SZS status with the clauses of the proof
object (``Theorem``) or of the saturated set (``CounterSatisfiable``).  Nothing here is trusted:
``symbolic.reconstruction`` replays a proof in the kernel and ``symbolic.rewrite_certificate``
checks a saturation independently.  A missing binary, a crash, a timeout or output this reader
does not understand is an ``EResult`` with status ``Unavailable``/``Error``/``Timeout`` and the
reason — never an exception.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time

import attrs

from tactic_mesh.calculus.magma.equations import Equation
from tactic_mesh.symbolic.tptp import Clause, TptpError, parse_clauses, problem

BINARY_ENV = "TACTIC_MESH_EPROVER"  # overrides the binary (tests point it at a missing or broken one)
_SZS = re.compile(r"^# SZS status (\w+)", re.MULTILINE)
MAX_OUTPUT = 20_000_000  # characters of E's output read
GRACE = 5.0  # seconds of wall clock beyond the CPU limit before E is killed


@attrs.frozen
class EResult:
    status: str  # Theorem | CounterSatisfiable | GaveUp | ResourceOut | Timeout | Unavailable | Error
    seconds: float
    clauses: tuple[Clause, ...] = ()
    reason: str = ""


def binary() -> str | None:
    """The E prover executable, or None when it is not installed."""
    chosen = os.environ.get(BINARY_ENV)
    if chosen is not None:
        return chosen if os.access(chosen, os.X_OK) else None
    return shutil.which("eprover")


def version() -> str | None:
    exe = binary()
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def run_eprover(a: Equation, b: Equation, seconds: float, saturation: bool = True,
                wall: float | None = None) -> EResult:
    """E's verdict on ``a ⊢ b`` within ``seconds`` of CPU time, with its proof or saturation; E is
    killed after ``wall`` seconds of wall clock when given (E itself only limits CPU time, which a
    loaded machine stretches), else ``GRACE`` seconds after its CPU limit."""
    started = time.monotonic()
    exe = binary()
    if exe is None:
        return EResult("Unavailable", 0.0, reason="E prover is not installed (apt-get install eprover, or "
                                                 f"set {BINARY_ENV})")
    limit = max(1, int(seconds))
    args = [exe, "--auto", "--proof-object", f"--cpu-limit={limit}", "--silent"]
    if saturation:
        args.append("--print-saturated")
    with tempfile.NamedTemporaryFile("w", suffix=".p", encoding="utf-8", delete=False) as handle:
        handle.write(problem(a, b))
        path = handle.name
    try:
        timeout = limit + GRACE if wall is None else max(0.1, min(limit + GRACE, wall))
        run = subprocess.run([*args, path], capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return EResult("Timeout", time.monotonic() - started, reason=f"E did not stop within {timeout:.3g} s")
    except OSError as err:
        return EResult("Error", time.monotonic() - started, reason=f"E could not be run: {err}")
    finally:
        os.unlink(path)
    elapsed = time.monotonic() - started
    output = run.stdout[:MAX_OUTPUT]
    found = _SZS.search(output)
    if found is None:
        detail = (run.stderr.strip().splitlines() or ["no output"])[-1][:300]
        return EResult("Error", elapsed, reason=f"E exited with code {run.returncode} and no SZS status: {detail}")
    status = found.group(1)
    if status not in ("Theorem", "CounterSatisfiable"):
        return EResult(status, elapsed, reason=f"E: SZS status {status}")
    try:
        clauses = tuple(parse_clauses(_section(output, status)))
    except TptpError as err:
        return EResult("Error", elapsed, reason=f"E's output is not understood: {err}")
    return EResult(status, elapsed, clauses)


def _section(output: str, status: str) -> str:
    """The proof object (``Theorem``) or the saturation (``CounterSatisfiable``) E printed."""
    kind = "CNFRefutation" if status == "Theorem" else "Saturation"
    start = output.find(f"# SZS output start {kind}")
    end = output.find(f"# SZS output end {kind}", start)
    if start < 0 or end < 0:
        return ""
    return output[start:end]


__all__ = ["BINARY_ENV", "EResult", "binary", "run_eprover", "version"]
