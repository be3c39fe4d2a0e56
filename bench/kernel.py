"""Kernel performance figures for tactic-mesh.

Run from the repository root::

    .venv/bin/python bench/kernel.py            # full run (about a minute and a half)
    .venv/bin/python bench/kernel.py --quick    # fewer repetitions (well under a minute)
    .venv/bin/python bench/kernel.py --json     # machine-readable results on stdout

Figures are *reported*, never asserted: every ratio is against a baseline measured in the same
run, so the numbers are comparable between machines.  The only assertions are about correctness
(the prelude checks, every generated theorem is accepted, both fib computations give 75025).

1. prelude check time: ``check_prelude()`` from scratch (cold, in a fresh process; and warm, the
   median of repeated in-process runs);
2. throughput of a seeded stream of 1 000 small term-mode theorems checked on top of the prelude;
3. ``fib 25`` by ``Nat.rec`` on pairs: the ``Nat`` literal fast path against unary arithmetic;
4. import / start-up times, each measured in fresh subprocesses against ``python -c pass``.

Only the standard library and the project are used.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/kernel.py` without installing
    sys.path.insert(0, str(ROOT))

from report import finish, fmt_s, header, say, spread, timed, to_stderr  # noqa: E402

from tactic_mesh.kernel.commands import FileChecker, Options  # noqa: E402
from tactic_mesh.kernel.deep import run_deep  # noqa: E402
from tactic_mesh.kernel.environment import Environment  # noqa: E402
from tactic_mesh.kernel.expr import App, Const, Expr, NatLit, get_app_fn_args  # noqa: E402
from tactic_mesh.kernel.prelude import check_prelude, prelude  # noqa: E402
from tactic_mesh.kernel.syntax import parse_file  # noqa: E402
from tactic_mesh.kernel.typechecker import TypeChecker  # noqa: E402

IMPORT_GOAL_S = 0.3
SEED = 20240611

# ---------------------------------------------------------------------------------------------
# output helpers
# ---------------------------------------------------------------------------------------------













# ---------------------------------------------------------------------------------------------
# 1. prelude
# ---------------------------------------------------------------------------------------------

_COLD_PRELUDE = """
import time
t0 = time.perf_counter()
from tactic_mesh.kernel.prelude import check_prelude  # noqa: E402
t1 = time.perf_counter()
env, results = check_prelude()
t2 = time.perf_counter()
bad = [r for r in results if not r.ok]
print(t1 - t0, t2 - t1, len(results), len(bad))
"""


def bench_prelude(warm_runs: int, cold_runs: int) -> dict[str, Any]:
    header("1. prelude check: check_prelude() from scratch")
    cold: list[float] = []
    n_decls = 0
    for _ in range(cold_runs):
        proc = subprocess.run(
            [sys.executable, "-c", _COLD_PRELUDE], capture_output=True, text=True, cwd=ROOT, check=False
        )
        if proc.returncode != 0:
            raise SystemExit(f"cold prelude subprocess failed:\n{proc.stderr}")
        _imp, check, n, bad = proc.stdout.split()
        if int(bad):
            raise SystemExit(f"the prelude does not check ({bad} failing declarations)")
        cold.append(float(check))
        n_decls = int(n)
    warm: list[float] = []
    for _ in range(warm_runs):
        elapsed, (_env, results) = timed(check_prelude)
        assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
        n_decls = len(results)
        warm.append(elapsed)
    cold_med = statistics.median(cold)
    warm_med = statistics.median(warm)
    say(f"   {n_decls} commands in prelude.tm")
    say(f"   cold (first call in a fresh process, builds the parser): {fmt_s(cold_med)}  ({spread(cold)})")
    say(f"   warm (same process, fresh environment each time):       {fmt_s(warm_med)}  ({spread(warm)})")
    say(f"   warm throughput: {n_decls / warm_med:.0f} commands/s")
    return {
        "commands": n_decls,
        "cold_s": cold_med,
        "cold_runs": cold,
        "warm_s": warm_med,
        "warm_runs": warm,
        "warm_commands_per_s": n_decls / warm_med,
    }


# ---------------------------------------------------------------------------------------------
# 2. a stream of small theorems
# ---------------------------------------------------------------------------------------------

_VARS = ["a", "b", "c", "x", "y", "z", "m", "n", "k"]
_PROPS = ["p", "q", "r", "s"]


def _two(rng: random.Random, pool: Sequence[str]) -> tuple[str, str]:
    a, b = rng.sample(list(pool), 2)
    return a, b


def _nums(rng: random.Random, k: int, hi: int = 99) -> list[int]:
    return [rng.randint(0, hi) for _ in range(k)]


def _lst(xs: Sequence[int]) -> str:
    return "[" + ", ".join(map(str, xs)) + "]"


def _gen_theorem(rng: random.Random, name: str) -> tuple[str, str]:
    """One small term-mode theorem: (template kind, .tm text)."""
    a, b = _two(rng, _VARS)
    c = next(v for v in _VARS if v not in (a, b))
    p, q = _two(rng, _PROPS)
    x, y = rng.randint(0, 999), rng.randint(0, 999)
    kind = rng.choice(_KINDS)
    if kind == "eq_symm":
        body = f"({a} {b} : Nat) (h : {a} = {b}) : {b} = {a} := Eq.symm h"
    elif kind == "eq_trans":
        body = f"({a} {b} {c} : Nat) (h₁ : {a} = {b}) (h₂ : {b} = {c}) : {a} = {c} := Eq.trans h₁ h₂"
    elif kind == "congr_arg":  # small literal: elaboration cost grows linearly with it (see 2b)
        k = x % 100
        body = f"({a} {b} : Nat) (h : {a} = {b}) : {a} + {k} = {b} + {k} := congrArg (fun t => t + {k}) h"
    elif kind == "congr_fun_arg":
        body = f"(f : Nat → Nat) ({a} {b} : Nat) (h : {a} = {b}) : f {a} = f {b} := congrArg f h"
    elif kind == "nat_add":
        body = f": {x} + {y} = {x + y} := rfl"
    elif kind == "nat_mul":
        body = f": {x} * {y} = {x * y} := rfl"
    elif kind == "nat_sub":
        body = f": {max(x, y)} - {min(x, y)} = {max(x, y) - min(x, y)} := rfl"
    elif kind == "nat_divmod":
        d = rng.randint(1, 12)
        body = f": {x} / {d} = {x // d} ∧ {x} % {d} = {x % d} := ⟨rfl, rfl⟩"
    elif kind == "nat_add_zero":
        body = f"({a} : Nat) : {a} + 0 = {a} := rfl"
    elif kind == "nat_le_succ":
        body = f": {x} ≤ {x} + 1 := Nat.le_succ {x}"
    elif kind == "succ_ne_zero":
        body = f"({a} : Nat) : {a} + 1 ≠ 0 := Nat.succ_ne_zero {a}"
    elif kind == "succ_inj":
        body = f"({a} {b} : Nat) (h : {a} + 1 = {b} + 1) : {a} = {b} := Nat.succ.inj h"
    elif kind == "and_intro":
        body = f"({p} {q} : Prop) (hp : {p}) (hq : {q}) : {q} ∧ {p} := ⟨hq, hp⟩"
    elif kind == "and_swap":
        body = f"({p} {q} : Prop) (h : {p} ∧ {q}) : {q} ∧ {p} := ⟨h.right, h.left⟩"
    elif kind == "or_inl":
        body = f"({p} {q} : Prop) (hp : {p}) : {p} ∨ {q} := Or.inl hp"
    elif kind == "or_inr":
        body = f"({p} {q} : Prop) (hq : {q}) : {p} ∨ {q} := Or.inr hq"
    elif kind == "or_comm":
        body = (
            f"({p} {q} : Prop) (h : {p} ∨ {q}) : {q} ∨ {p} := "
            f"Or.elim (c := {q} ∨ {p}) h (fun hp => Or.inr hp) (fun hq => Or.inl hq)"
        )
    elif kind == "exists_intro":
        body = f": ∃ {a} : Nat, {a} + {y} = {x + y} := ⟨{x}, rfl⟩"
    elif kind == "exists_elim":
        body = f"(P : Nat → Prop) ({q} : Prop) (h : ∃ {a}, P {a}) (k : ∀ {a}, P {a} → {q}) : {q} := Exists.elim h k"
    elif kind == "exists_list":
        xs = _nums(rng, rng.randint(0, 5))
        body = f": ∃ xs : List Nat, List.length xs = {len(xs)} := ⟨{_lst(xs)}, rfl⟩"
    elif kind == "list_length":
        xs = _nums(rng, rng.randint(1, 8))  # `List.length []` leaves the element type open
        body = f": List.length {_lst(xs)} = {len(xs)} := rfl"
    elif kind == "list_append":
        xs, ys = _nums(rng, rng.randint(1, 5)), _nums(rng, rng.randint(1, 5))
        body = f": {_lst(xs)} ++ {_lst(ys)} = {_lst(xs + ys)} := rfl"
    elif kind == "list_reverse":
        xs = _nums(rng, rng.randint(1, 6))
        body = f": List.reverse {_lst(xs)} = {_lst(xs[::-1])} := rfl"
    elif kind == "list_map":
        xs, m = _nums(rng, rng.randint(1, 6)), rng.randint(2, 9)
        body = f": List.map (fun t => t * {m}) {_lst(xs)} = {_lst([v * m for v in xs])} := rfl"
    elif kind == "list_nil_append":
        body = f"({a} : List Nat) : [] ++ {a} = {a} := rfl"
    elif kind == "iff_refl":
        body = f"({p} : Prop) : {p} ↔ {p} := Iff.refl {p}"
    elif kind == "iff_mpr":
        body = f"({p} {q} : Prop) (h : {p} ↔ {q}) (hq : {q}) : {p} := h.mpr hq"
    elif kind == "not_not_intro":
        body = f"({p} : Prop) (hp : {p}) : ¬¬{p} := fun hn => hn hp"
    elif kind == "modus_ponens":
        body = f"({p} {q} : Prop) (hp : {p}) (hpq : {p} → {q}) : {q} := hpq hp"
    elif kind == "prod_snd":
        body = f": (Prod.mk {x} {y}).snd = {y} := rfl"
    else:  # pragma: no cover
        raise AssertionError(kind)
    return kind, f"theorem {name} {body}"


_KINDS = [
    "eq_symm", "eq_trans", "congr_arg", "congr_fun_arg", "nat_add", "nat_mul", "nat_sub",
    "nat_divmod", "nat_add_zero", "nat_le_succ", "succ_ne_zero", "succ_inj", "and_intro",
    "and_swap", "or_inl", "or_inr", "or_comm", "exists_intro", "exists_elim", "exists_list",
    "list_length", "list_append", "list_reverse", "list_map", "list_nil_append", "iff_refl",
    "iff_mpr", "not_not_intro", "modus_ponens", "prod_snd",
]  # fmt: skip


def generate_stream(count: int, seed: int) -> tuple[list[str], str]:
    rng = random.Random(seed)
    kinds: list[str] = []
    lines: list[str] = []
    for i in range(count):
        kind, text = _gen_theorem(rng, f"t_{i}")
        kinds.append(kind)
        lines.append(text)
    return kinds, "\n\n".join(lines) + "\n"


def bench_stream(env: Environment, count: int, seed: int, runs: int, breakdown: bool) -> dict[str, Any]:
    header(f"2. declarations/s: {count} generated small theorems on top of the prelude")
    kinds, text = generate_stream(count, seed)
    filename = "<bench>/stream.tm"
    say(f"   {len(set(kinds))} templates, seed {seed}, {len(text)} characters")

    def check_all() -> list[Any]:
        return run_deep(FileChecker(env, Options()).check_text, text, filename)

    times: list[float] = []
    for _ in range(runs):
        elapsed, results = timed(check_all)
        bad = [r for r in results if not r.ok]
        if len(results) != count or bad:
            for r in bad[:5]:
                say(f"   REJECTED {r.loc.file}:{r.loc.line}:{r.loc.col} {r.name}: {r.message}")
            raise SystemExit(f"{len(bad)} of {count} generated theorems were rejected ({len(results)} results)")
        times.append(elapsed)
    parse_times = [timed(lambda: parse_file(text, filename))[0] for _ in range(max(1, min(runs, 3)))]
    med = statistics.median(times)
    parse_med = statistics.median(parse_times)
    say(f"   all {count} accepted; check_text: {fmt_s(med)}  ({spread(times)})")
    say(f"   throughput: {count / med:.0f} theorems/s  ({med / count * 1e3:.2f} ms per theorem)")
    say(f"   of which parsing: {fmt_s(parse_med)} ({100 * parse_med / med:.0f}%)")
    out: dict[str, Any] = {
        "theorems": count,
        "seed": seed,
        "check_s": med,
        "runs": times,
        "theorems_per_s": count / med,
        "parse_s": parse_med,
    }
    if breakdown:
        commands = parse_file(text, filename)
        checker = FileChecker(env, Options())
        per_kind: dict[str, list[float]] = {}

        def run_each() -> None:
            for kind, cmd in zip(kinds, commands, strict=True):
                t0 = time.perf_counter()
                result = checker.run(cmd, filename)
                per_kind.setdefault(kind, []).append(time.perf_counter() - t0)
                assert result.ok, result

        run_deep(run_each)
        means = sorted(((statistics.fmean(v), k, len(v)) for k, v in per_kind.items()), reverse=True)
        say("   slowest templates (mean elaboration + kernel time per theorem):")
        for mean, kind, n in means[:5]:
            say(f"     {kind:<16} {mean * 1e3:7.2f} ms  (×{n})")
        say(f"   fastest: {means[-1][1]} {means[-1][0] * 1e3:.2f} ms")
        out["per_template_ms"] = {k: m * 1e3 for m, k, _ in means}
    out["congr_arg_literal"] = bench_congr_arg_literal(env)
    return out


CONGR_ARG_TM = "theorem c (a b : Nat) (h : a = b) : a + {n} = b + {n} := congrArg (fun t => t + {n}) h"


def bench_congr_arg_literal(env: Environment) -> dict[str, float]:
    """One theorem, two sizes of literal: elaboration should not depend on the literal's value
    (it once unfolded `t + N`, with `t` a variable, N times; the ratio watches for that)."""
    times: dict[str, float] = {}
    for n in (10, 1000):
        text = CONGR_ARG_TM.format(n=n)

        def once(text: str = text) -> list[Any]:
            return run_deep(FileChecker(env, Options()).check_text, text, "<bench>/congr.tm")

        runs = []
        for _ in range(3):
            elapsed, results = timed(once)
            assert all(r.ok for r in results), results
            runs.append(elapsed)
        times[str(n)] = statistics.median(runs)
    ratio = times["1000"] / times["10"]
    say(
        f"   2b. `congrArg (fun t => t + N) h`: N = 10 {fmt_s(times['10'])}, N = 1000 {fmt_s(times['1000'])}"
        f" (ratio {ratio:.1f}×; independent of N when ≈ 1)"
    )
    return {"n10_s": times["10"], "n1000_s": times["1000"], "ratio": ratio}


# ---------------------------------------------------------------------------------------------
# 3. fib by Nat.rec: literal fast path vs unary arithmetic
# ---------------------------------------------------------------------------------------------

FIB_TM = """
def fibPair (n : Nat) : Prod Nat Nat :=
  Nat.rec (motive := fun _ => Prod Nat Nat) (Prod.mk 0 1) (fun _ p => Prod.mk p.snd (p.fst + p.snd)) n

def fib (n : Nat) : Nat := (fibPair n).fst

-- unary addition: a plain recursor, not one of the kernel's literal-accelerated Nat.* names
def uadd (n m : Nat) : Nat := Nat.rec (motive := fun _ => Nat) n (fun _ ih => Nat.succ ih) m

def ufibPair (n : Nat) : Prod Nat Nat :=
  Nat.rec (motive := fun _ => Prod Nat Nat) (Prod.mk Nat.zero (Nat.succ Nat.zero))
    (fun _ p => Prod.mk p.snd (uadd p.fst p.snd)) n

def ufib (n : Nat) : Nat := (ufibPair n).fst
"""

NAT_ZERO = Const("Nat.zero")
NAT_SUCC = Const("Nat.succ")


class UnaryTypeChecker(TypeChecker):
    """The kernel's checker with the Nat literal extension switched off: no ``NatLit`` folding of
    ``Nat.succ`` and no Python-int arithmetic for ``Nat.add`` & co.; everything is iota/delta."""

    def _reduce_nat(self, e: Expr) -> Expr | None:
        return None


def unary(n: int) -> Expr:
    e: Expr = NAT_ZERO
    for _ in range(n):
        e = App(NAT_SUCC, e)
    return e


def nat_value(tc: TypeChecker, e: Expr) -> tuple[int, int]:
    """Normalise a closed ``Nat`` term to a number by repeated ``whnf``.

    Returns (value, number of ``Nat.succ`` layers peeled); the latter is 0 when the fast path
    produced a literal directly."""
    peeled = 0
    while True:
        w = tc.whnf(e)
        if isinstance(w, NatLit):
            return peeled + w.value, peeled
        if w is NAT_ZERO:
            return peeled, peeled
        fn, args = get_app_fn_args(w)
        if fn is not NAT_SUCC or len(args) != 1:
            raise AssertionError(f"not a numeral in whnf: {w!r}"[:300])
        peeled += 1
        e = args[0]


def fib_env(base: Environment) -> Environment:
    checker = FileChecker(base, Options())
    results = run_deep(checker.check_text, FIB_TM, "<bench>/fib.tm")
    bad = [r for r in results if not r.ok]
    if bad:
        raise SystemExit(f"fib definitions rejected: {bad[0].name}: {bad[0].message}")
    return checker.env


def fib_run(env: Environment, cls: type[TypeChecker], fn: str, arg: Expr) -> tuple[float, int, int]:
    """Time the normalisation of ``fn arg`` with a fresh checker (empty caches)."""

    def go() -> tuple[int, int]:
        return nat_value(cls(env), App(Const(fn), arg))

    gc.collect()
    t0 = time.perf_counter()
    value, peeled = run_deep(go)
    return time.perf_counter() - t0, value, peeled


def _expected_fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def bench_fib(
    env: Environment,
    n: int,
    unary_n: int,
    fast_runs: int,
    unary_runs: int,
    extra_n: int | None,
    budget_s: float,
) -> dict[str, Any]:
    header(f"3. whnf of Nat recursor programs: fib by Nat.rec on Prod Nat Nat (fast path n = {n})")
    env = fib_env(env)

    def fast_at(k: int, runs: int) -> list[float]:
        times = []
        for _ in range(runs):
            t, value, peeled = fib_run(env, TypeChecker, "fib", NatLit(k))
            assert value == _expected_fib(k) and peeled == 0, (value, peeled)
            times.append(t)
        return times

    fast = fast_at(n, fast_runs)
    fast_med = statistics.median(fast)
    say(f"   (a) fast path: fib {n} (a NatLit), stock TypeChecker:  {fmt_s(fast_med)}  ({spread(fast)})")
    say(f"       = {_expected_fib(n)}, a literal straight from whnf (Nat.add on Python ints)")

    # Probe a small n first: if unary evaluation regressed, pick the largest n that fits ~20 s.
    probe_n = min(unary_n, 18)
    t_probe, value, _ = fib_run(env, UnaryTypeChecker, "ufib", unary(probe_n))
    assert value == _expected_fib(probe_n)
    phi = (1 + 5**0.5) / 2
    estimate = t_probe * phi ** (unary_n - probe_n)
    if estimate > budget_s:
        wanted = unary_n
        while unary_n > probe_n and t_probe * phi ** (unary_n - probe_n) > 20.0:
            unary_n -= 1
        say(f"   unary fib {wanted} estimated at {estimate:.0f} s (> {budget_s:.0f} s): using n = {unary_n}")
    slow = []
    peeled_u = 0
    for _ in range(unary_runs):
        t, value, peeled_u = fib_run(env, UnaryTypeChecker, "ufib", unary(unary_n))
        assert value == _expected_fib(unary_n), value
        slow.append(t)
    slow_med = statistics.median(slow)
    say(f"   (b) unary: ufib (succ^{unary_n} zero), literal extension off: {fmt_s(slow_med)}  ({spread(slow)})")
    say(
        f"       = {_expected_fib(unary_n)}, read off {peeled_u} Nat.succ layers (uadd by Nat.rec, no literal anywhere)"
    )
    if unary_n == n:
        base = fast_med
    else:
        base = statistics.median(fast_at(unary_n, fast_runs))
        say(f"       fast path at n = {unary_n} for comparison: {fmt_s(base)}")
    ratio = slow_med / base
    say(f"   ratio unary / fast path at n = {unary_n}: {ratio:,.0f}×")
    out: dict[str, Any] = {
        "n": n,
        "value": _expected_fib(n),
        "fast_s": fast_med,
        "fast_runs": fast,
        "unary_n": unary_n,
        "unary_value": _expected_fib(unary_n),
        "unary_s": slow_med,
        "unary_runs": slow,
        "fast_s_at_unary_n": base,
        "ratio": ratio,
    }

    if extra_n is not None:
        say(f"   supplementary variants (1 run each, n = {extra_n}):")
        t_fast_x = statistics.median(fast_at(extra_n, 3))
        t_d, v_d, _ = fib_run(env, UnaryTypeChecker, "fib", NatLit(extra_n))
        assert v_d == _expected_fib(extra_n), v_d
        say(
            f"   (c) prelude `+`, literal extension off (same term as (a)): {fmt_s(t_d)}"
            f"  = {t_d / t_fast_x:,.0f}× fast path ({fmt_s(t_fast_x)})"
        )
        t_c, v_c, _ = fib_run(env, TypeChecker, "ufib", unary(extra_n))
        assert v_c == _expected_fib(extra_n), v_c
        say(
            f"   (d) ufib on the stock TypeChecker (only Nat.succ folds to literals): {fmt_s(t_c)}"
            f"  = {t_c / t_fast_x:,.0f}× fast path"
        )
        out["extra"] = {"n": extra_n, "fast_s": t_fast_x, "prelude_add_ext_off_s": t_d, "ufib_stock_s": t_c}
    return out


# ---------------------------------------------------------------------------------------------
# 4. import / start-up times
# ---------------------------------------------------------------------------------------------


def _cli_command() -> list[str]:
    script = Path(sys.executable).parent / "tactic-mesh"
    if script.exists():
        return [str(script), "--help"]
    found = shutil.which("tactic-mesh")
    if found:
        return [found, "--help"]
    return [sys.executable, "-m", "tactic_mesh.cli.main", "--help"]


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, cwd=ROOT, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode()[-2000:]}")
    return elapsed


def _importtime(module: str, env: dict[str, str]) -> tuple[float, list[tuple[float, str]]]:
    """Import time of ``module`` beyond interpreter start-up, from ``-X importtime``: the summed
    cumulative times of the top-level imports that ``python -c pass`` does not do, and the self
    time of everything under them grouped by root package."""

    def parse(code: str) -> list[tuple[str, float, list[tuple[str, float]]]]:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=ROOT,
            env=env, check=True,
        )  # fmt: skip
        trees: list[tuple[str, float, list[tuple[str, float]]]] = []
        pending: list[tuple[str, float]] = []  # children are printed before their parent
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            self_us, cumulative_us, name = line[len("import time:") :].split("|")
            pending.append((name.strip(), int(self_us) / 1e6))
            if not name[1:].startswith(" "):  # depth 0: nesting is shown by extra indentation
                trees.append((name.strip(), int(cumulative_us) / 1e6, pending))
                pending = []
        return trees

    seen = {name for name, _, _ in parse("pass")}
    total = 0.0
    by_root: dict[str, float] = {}
    for name, cumulative, subtree in parse(f"import {module}"):
        if name in seen:
            continue
        total += cumulative
        for sub, self_s in subtree:
            root = sub.split(".")[0]
            by_root[root] = by_root.get(root, 0.0) + self_s
    return total, sorted(((v, k) for k, v in by_root.items()), reverse=True)


def bench_imports(rounds: int) -> dict[str, Any]:
    header("4. start-up: fresh subprocesses, minus `python -c pass` measured in the same rounds")
    # Byte-code is cached as after `pip install`, but in a private directory so that nothing is
    # written into the source tree (PYTHONDONTWRITEBYTECODE may be set in the caller's environment).
    cache = tempfile.mkdtemp(prefix="tactic-mesh-bench-pycache-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPYCACHEPREFIX"] = cache
    try:
        return _bench_imports(rounds, env)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _bench_imports(rounds: int, env: dict[str, str]) -> dict[str, Any]:
    cases = {
        "import tactic_mesh": [sys.executable, "-c", "import tactic_mesh"],
        "import tactic_mesh.kernel.prelude": [sys.executable, "-c", "import tactic_mesh.kernel.prelude"],
        "tactic-mesh --help": _cli_command(),
    }
    baseline_cmd = [sys.executable, "-c", "pass"]
    for cmd in [baseline_cmd, *cases.values()]:  # warm-up: byte-code caches, file system caches
        _wall(cmd, env)
    base: list[float] = []
    raw: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(rounds):
        base.append(_wall(baseline_cmd, env))
        for name, cmd in cases.items():
            raw[name].append(_wall(cmd, env))
    base_med = statistics.median(base)
    say(f"   baseline `python -c pass`: {fmt_s(base_med)}  ({spread(base)})")
    out: dict[str, Any] = {"baseline_s": base_med, "rounds": rounds, "goal_s": IMPORT_GOAL_S}
    for name, times in raw.items():
        net = [t - b for t, b in zip(times, base, strict=True)]
        net_med = statistics.median(net)
        line = f"   {name:<34} {fmt_s(statistics.median(times)):>9} wall, {fmt_s(net_med):>9} over baseline"
        if name == "import tactic_mesh":
            line += f"  (goal < {IMPORT_GOAL_S * 1e3:.0f} ms: {'met' if net_med < IMPORT_GOAL_S else 'MISSED'})"
        say(line)
        out[name] = {"wall_s": statistics.median(times), "net_s": net_med, "runs": times}
    for module in ("tactic_mesh", "tactic_mesh.kernel.prelude"):
        total, heavy = _importtime(module, env)
        top = ", ".join(f"{k} {v * 1e3:.0f} ms" for v, k in heavy[:4])
        say(f"   -X importtime {module}: {fmt_s(total)}  (self time by package: {top})")
        out[f"importtime {module}"] = {"cumulative_s": total, "top": {k: v for v, k in heavy[:8]}}
    return out


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------


def summary(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    p = res["prelude"]
    rows.append(("prelude check, cold (fresh process)", fmt_s(p["cold_s"]), f"{p['commands']} commands"))
    rows.append(("prelude check, warm (median)", fmt_s(p["warm_s"]), f"{p['warm_commands_per_s']:.0f} commands/s"))
    s = res["stream"]
    rows.append((f"{s['theorems']} small theorems", fmt_s(s["check_s"]), f"{s['theorems_per_s']:.0f} theorems/s"))
    c = s["congr_arg_literal"]
    rows.append(("congrArg (fun t => t + 1000) h", fmt_s(c["n1000_s"]), f"{c['ratio']:.0f}× the N = 10 case"))
    f = res["fib"]
    rows.append((f"fib {f['n']}, literal fast path", fmt_s(f["fast_s"]), f"= {f['value']}"))
    if f["unary_n"] != f["n"]:
        rows.append((f"fib {f['unary_n']}, literal fast path", fmt_s(f["fast_s_at_unary_n"]), f"= {f['unary_value']}"))
    rows.append(
        (f"fib {f['unary_n']}, unary (extension off)", fmt_s(f["unary_s"]), f"{f['ratio']:,.0f}× fast path, same n")
    )
    if "extra" in f:
        x = f["extra"]
        rows.append(
            (f"fib {x['n']}, prelude + with ext. off", fmt_s(x["prelude_add_ext_off_s"]),
             f"{x['prelude_add_ext_off_s'] / x['fast_s']:,.0f}× fast")
        )  # fmt: skip
        rows.append(
            (f"fib {x['n']}, ufib on stock checker", fmt_s(x["ufib_stock_s"]),
             f"{x['ufib_stock_s'] / x['fast_s']:,.0f}× fast")
        )  # fmt: skip
    i = res["imports"]
    for name in ("import tactic_mesh", "import tactic_mesh.kernel.prelude", "tactic-mesh --help"):
        note = "over `python -c pass`"
        if name == "import tactic_mesh":
            verdict = "met" if i[name]["net_s"] < IMPORT_GOAL_S else "MISSED"
            note = f"goal < {IMPORT_GOAL_S * 1e3:.0f} ms: {verdict}"
        rows.append((name, fmt_s(i[name]["net_s"]), note))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tactic-mesh kernel benchmarks (figures are reported, not asserted)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (well under a minute)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the generated theorem stream")
    parser.add_argument("--theorems", type=int, default=1000, help="size of the generated theorem stream")
    parser.add_argument("--fib", type=int, default=25, help="fib argument (default 25)")
    args = parser.parse_args(argv)
    if args.json:
        to_stderr()
    quick = args.quick
    started = time.perf_counter()
    say(
        f"tactic-mesh kernel benchmark ({'quick' if quick else 'full'}) - Python "
        f"{sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs"
    )
    res: dict[str, Any] = {"mode": "quick" if quick else "full", "python": sys.version.split()[0]}
    res["prelude"] = bench_prelude(warm_runs=3 if quick else 10, cold_runs=1 if quick else 5)
    env = prelude()
    res["stream"] = bench_stream(env, args.theorems, args.seed, runs=1 if quick else 5, breakdown=not quick)
    res["fib"] = bench_fib(
        env,
        args.fib,
        unary_n=min(args.fib, 20) if quick else args.fib,
        fast_runs=3 if quick else 7,
        unary_runs=1 if quick else 3,
        extra_n=min(args.fib, 18) if quick else args.fib,
        budget_s=120.0,
    )
    res["imports"] = bench_imports(rounds=5 if quick else 15)
    return finish(res, started, summary, args.json)


if __name__ == "__main__":
    sys.exit(main())
