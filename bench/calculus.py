"""Tactic-calculus performance figures for tactic-mesh.

Run from the repository root::

    .venv/bin/python bench/calculus.py            # full run (about a minute)
    .venv/bin/python bench/calculus.py --quick    # fewer repetitions (about 20 s)
    .venv/bin/python bench/calculus.py --json     # machine-readable results on stdout

Figures are *reported*, never asserted (DESIGN §12): every ratio is against a baseline measured
in the same run, so the numbers are comparable between machines.  The only assertions are about
correctness (the counter ends at N, every tree yields the expected successes in the expected
order, every theorem is accepted).

1. the continuation machine on a long ``bind`` chain of counter operations, against a plain
   Python loop calling the same handler;
2. ``choice`` trees (complete binary trees of BACKTRACK, COMMIT and FAIR choices): time to the
   first success when only the last leaf succeeds, and enumeration of all successes when every
   leaf succeeds, against a plain Python search over the same tree;
3. a file of small tactic proofs (``by`` blocks run by the machine with the kernel handler)
   against the same statements proved in term mode;
4. the proof library ``basics.tm`` + ``tactics.tm`` checked with the tactic runner, when
   ``tactics.tm`` exists (skipped otherwise).

Only the standard library and the project are used.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/calculus.py` without installing
    sys.path.insert(0, str(ROOT))

from report import finish, fmt_s, header, say, spread, timed, to_stderr  # noqa: E402

from tactic_mesh.calculus.machine import Budget, Machine, collect  # noqa: E402
from tactic_mesh.calculus.outcomes import Success  # noqa: E402
from tactic_mesh.calculus.state import ProofState  # noqa: E402
from tactic_mesh.calculus.terms import (  # noqa: E402
    Bind,
    Choice,
    Fail,
    Op,
    Policy,
    Pure,
    Term,
    Value,
    VNum,
    VStr,
    VUnit,
    VVar,
)
from tactic_mesh.handlers.blocks import prove_by_block  # noqa: E402
from tactic_mesh.handlers.kernel import KernelHandler  # noqa: E402
from tactic_mesh.handlers.protocol import Forward, HandlerResult  # noqa: E402
from tactic_mesh.kernel.commands import CommandResult, FileChecker  # noqa: E402
from tactic_mesh.kernel.deep import run_deep  # noqa: E402
from tactic_mesh.kernel.environment import Environment  # noqa: E402
from tactic_mesh.kernel.expr import Const  # noqa: E402
from tactic_mesh.kernel.prelude import prelude  # noqa: E402
from tactic_mesh.kernel.syntax import parse_file  # noqa: E402

PROOFS = ROOT / "tactic_mesh" / "proofs"
TRUE = Const("True")

# ---------------------------------------------------------------------------------------------
# output helpers (as in bench/kernel.py)
# ---------------------------------------------------------------------------------------------









def fmt_rate(per_s: float) -> str:
    if per_s >= 1e6:
        return f"{per_s / 1e6:.2f} M"
    if per_s >= 1e3:
        return f"{per_s / 1e3:.0f} k"
    return f"{per_s:.0f} "






def rounds(cases: dict[str, Callable[[], Any]], runs: int) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Time each case ``runs`` times, interleaved round by round (so that a slow phase of the
    machine hits every case alike); returns the times and the last value of each case."""
    times: dict[str, list[float]] = {k: [] for k in cases}
    last: dict[str, Any] = {}
    for _ in range(runs):
        for name, fn in cases.items():
            elapsed, last[name] = timed(fn)
            times[name].append(elapsed)
    return times, last


def repeated(fn: Callable[[], Any], machine_fn: Callable[[], Any]) -> tuple[int, Callable[[], Any]]:
    """A baseline ``fn`` much faster than ``machine_fn``, repeated ``k`` times so that one run of
    it lasts about as long as one run of ``machine_fn`` (each is run once to calibrate ``k``):
    returns ``k`` and the repeated function (whose time is then divided by ``k``)."""
    t_machine, _ = timed(machine_fn)
    t_fn, _ = timed(fn)
    k = max(1, min(1000, round(t_machine / max(t_fn, 1e-7))))

    def run() -> Any:
        value = None
        for _ in range(k):
            value = fn()
        return value

    return k, run


def per_call(fn: Callable[[], Any], min_s: float = 0.05, batches: int = 5) -> float:
    """Median time of one call of a fast ``fn`` (batches of calls lasting about ``min_s``)."""
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        if time.perf_counter() - t0 >= min_s / 4 or reps >= 1 << 16:
            break
        reps *= 2
    out = []
    for _ in range(batches):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        out.append((time.perf_counter() - t0) / reps)
    return statistics.median(out)


# ---------------------------------------------------------------------------------------------
# a toy handler: a counter (as in tests/calculus/test_machine.py)
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Counter:
    n: int = 0


class CounterHandler:
    name = "counter"

    def operation(self, name: str, operands: Sequence[Value], state: Counter) -> HandlerResult[Counter]:
        if name == "Inc":
            return VUnit(), Counter(state.n + 1)
        if name == "Get":
            return VNum(state.n), state
        return Forward()

    def foreign(self, symbol: str, payload: Value, state: Counter) -> HandlerResult[Counter]:
        return Forward()


def counter_machine() -> Machine[Counter]:
    return Machine({"counter": CounterHandler()}, budget=Budget())


# ---------------------------------------------------------------------------------------------
# 1. a long bind chain
# ---------------------------------------------------------------------------------------------


def bind_chain(n: int, var: str = "_") -> Term:
    """``bind var <- Inc ; … ; bind var <- Inc ; pure …`` (``n`` binds, right-nested)."""
    prog: Term = Pure(VVar(var) if var != "_" else VNum(n))
    for _ in range(n):
        prog = Bind(var, Op("Inc"), prog)
    return prog


def bench_bind_chain(n: int, runs: int, named: bool) -> dict[str, Any]:
    header(f"1. bind chain: {n:,} × `bind _ <- Inc` on a counter handler, vs a Python loop over the handler")
    build_s, prog = timed(lambda: bind_chain(n))
    handler = CounterHandler()
    steps = 0

    def machine_run() -> Success[Counter]:
        nonlocal steps
        m = counter_machine()
        result = m.first(prog, Counter(), ["counter"])
        steps = m.budget.steps
        return result  # type: ignore[return-value]

    def python_loop() -> Counter:
        state = Counter()
        op = handler.operation
        for _ in range(n):
            outcome = op("Inc", (), state)
            assert isinstance(outcome, tuple)
            state = outcome[1]
        return state

    times, last = rounds({"machine": machine_run, "python": python_loop}, runs)
    result = last["machine"]
    assert isinstance(result, Success) and result.state == Counter(n) and result.value == VNum(n), result
    assert last["python"] == Counter(n)
    med_m, med_p = statistics.median(times["machine"]), statistics.median(times["python"])
    ratio = med_m / med_p
    say(f"   program built in {fmt_s(build_s)} ({n:,} Bind nodes, right-nested; no RecursionError on the way)")
    say(f"   machine: {fmt_s(med_m)}  ({spread(times['machine'])}), {steps:,} steps")
    say(
        f"            {fmt_rate(steps / med_m)}steps/s, {fmt_rate(n / med_m)}binds/s, {med_m / n * 1e9:.0f} ns per bind"
    )
    say(f"   Python loop calling CounterHandler.operation {n:,} times: {fmt_s(med_p)}  ({spread(times['python'])})")
    say(f"            {fmt_rate(n / med_p)}operations/s")
    say(f"   ratio machine / Python loop: {ratio:.1f}×  (the handler's own work is the same in both)")
    out: dict[str, Any] = {
        "binds": n,
        "build_s": build_s,
        "steps": steps,
        "machine_s": med_m,
        "machine_runs": times["machine"],
        "steps_per_s": steps / med_m,
        "python_s": med_p,
        "python_runs": times["python"],
        "ratio": ratio,
    }
    if named:
        prog_x = bind_chain(n, "x")

        def named_run() -> Success[Counter]:
            return counter_machine().first(prog_x, Counter(), ["counter"])  # type: ignore[return-value]

        t_named, _ = rounds({"named": named_run}, max(1, runs // 2))
        med_x = statistics.median(t_named["named"])
        r = named_run()
        assert isinstance(r, Success) and r.state == Counter(n) and r.value == VUnit(), r
        say(
            f"   1b. the same chain binding a named variable (`bind x <- Inc`, an environment update per"
            f" bind): {fmt_s(med_x)} = {med_x / med_m:.2f}× the `_` chain"
        )
        out["named_var_s"] = med_x
        out["named_var_ratio"] = med_x / med_m
    return out


# ---------------------------------------------------------------------------------------------
# 2. choice trees
# ---------------------------------------------------------------------------------------------

FAIL_LEAF = Fail(VStr("leaf"))


def choice_tree(depth: int, policy: Policy, all_succeed: bool) -> Term:
    """A complete binary tree of ``choice policy [l, r]`` of the given depth.  Leaf ``i`` (left to
    right) is ``pure i``; when not ``all_succeed``, every leaf but the last is ``fail``."""
    n = 1 << depth
    level: list[Term] = [Pure(VNum(i)) if all_succeed or i == n - 1 else FAIL_LEAF for i in range(n)]
    while len(level) > 1:
        level = [Choice(policy, (level[i], level[i + 1])) for i in range(0, len(level), 2)]
    return level[0]


def py_dfs(tree: Term) -> Iterator[Value]:
    """Baseline: depth-first search over the same tree with an explicit stack, yielding the values
    of the succeeding leaves left to right (what BACKTRACK yields; COMMIT stops at the first)."""
    stack: list[Term] = [tree]
    while stack:
        t = stack.pop()
        if type(t) is Choice:
            stack.extend(reversed(t.branches))
        elif type(t) is Pure:
            yield t.value


_END = object()


def py_interleave(tree: Term) -> Iterator[Value]:
    """Baseline for FAIR: recursive generators, successes of the branches alternate round by
    round (LogicT ``interleave`` generalised to n branches, as the machine documents it)."""
    if type(tree) is Pure:
        yield tree.value
        return
    if type(tree) is not Choice:
        return
    active = [py_interleave(b) for b in tree.branches]
    while active:
        still = []
        for source in active:
            v = next(source, _END)
            if v is not _END:
                yield v  # type: ignore[misc]
                still.append(source)
        active = still


def bench_trees(depth: int, runs: int) -> dict[str, Any]:
    n = 1 << depth
    header(f"2. choice trees: complete binary trees of depth {depth} ({n:,} leaves), vs a Python search")
    say("   (a) only the last leaf succeeds: time to the first success (every other leaf is tried first)")
    say("   (b) every leaf succeeds: time to the first success, and to enumerate all successes")
    say("   baseline: iterative depth-first search over the same Term tree (FAIR also: recursive")
    say("   Python generators interleaving round by round, the same order as the machine's)")
    out: dict[str, Any] = {"depth": depth, "leaves": n}
    for policy in (Policy.BACKTRACK, Policy.COMMIT, Policy.FAIR):
        out[policy.name] = _bench_policy(depth, policy, runs)
    return out


def _bench_policy(depth: int, policy: Policy, runs: int) -> dict[str, Any]:
    n = 1 << depth
    say(f"   -- {policy.name}")
    res: dict[str, Any] = {}
    failing = choice_tree(depth, policy, all_succeed=False)
    steps: dict[str, int] = {}

    def first_of(tree: Term, key: str) -> Callable[[], Any]:
        def go() -> Any:
            m = counter_machine()
            r = m.first(tree, Counter(), ["counter"])
            steps[key] = m.budget.steps
            return r

        return go

    def all_of(tree: Term, key: str) -> Callable[[], Any]:
        def go() -> Any:
            m = counter_machine()
            r = collect(m.run(tree, Counter(), ["counter"]), limit=n + 1)
            steps[key] = m.budget.steps
            return r

        return go

    # (a) the last leaf is the only success
    k, baseline = repeated(lambda: next(py_dfs(failing)), first_of(failing, "a"))
    times, last = rounds({"machine": first_of(failing, "a"), "python": baseline}, runs)
    r = last["machine"]
    assert isinstance(r, Success) and r.value == VNum(n - 1), r
    assert last["python"] == VNum(n - 1)
    med_m, med_p = statistics.median(times["machine"]), statistics.median(times["python"]) / k
    say(
        f"   (a) first success: {fmt_s(med_m)} ({spread(times['machine'])}), {steps['a']:,} steps,"
        f" {fmt_rate(steps['a'] / med_m)}steps/s"
    )
    say(f"       Python DFS: {fmt_s(med_p)};  ratio {med_m / med_p:.1f}×")
    res["last_leaf"] = {
        "machine_s": med_m, "machine_runs": times["machine"], "steps": steps["a"],
        "steps_per_s": steps["a"] / med_m, "python_s": med_p, "ratio": med_m / med_p,
    }  # fmt: skip
    if policy is Policy.FAIR:
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            first_of(failing, "a_nogc")()
            no_gc = time.perf_counter() - t0
        finally:
            gc.enable()
        say(
            f"       with the garbage collector disabled: {fmt_s(no_gc)}"
            f" (so about {max(0.0, 1 - no_gc / med_m) * 100:.0f}% of (a) is cyclic GC)"
        )
        res["last_leaf"]["machine_no_gc_s"] = no_gc

    # (b) every leaf succeeds
    full = choice_tree(depth, policy, all_succeed=True)
    first_m = per_call(first_of(full, "b1"))
    first_p = per_call(lambda: next(py_dfs(full)))
    expected: list[Value]
    if policy is Policy.BACKTRACK:
        expected = [VNum(i) for i in range(n)]
    elif policy is Policy.COMMIT:
        expected = [VNum(0)]
    else:
        expected = list(py_interleave(full))
        assert sorted(v.value for v in expected) == list(range(n))  # type: ignore[attr-defined]
    if policy is Policy.COMMIT:  # one success: a fast run, timed in batches; the baseline stops at it too
        machine_all = all_of(full, "b")
        successes, stop = machine_all()
        times = {"machine": [per_call(machine_all)]}
        med_p = first_p
    else:
        k, baseline = repeated(lambda: list(py_dfs(full)), all_of(full, "b"))
        cases = {"machine": all_of(full, "b"), "python": baseline}
        if policy is Policy.FAIR:
            cases["python_fair"] = lambda: list(py_interleave(full))
        times, last = rounds(cases, runs)
        successes, stop = last["machine"]
        med_p = statistics.median(times["python"]) / k
    got = [s.value for s in successes]
    assert got == expected, (policy, got[:8], expected[:8])
    assert stop is not None and type(stop).__name__ == "Failure", stop
    med_m = statistics.median(times["machine"])
    say(f"   (b) first success: {fmt_s(first_m)} ({steps['b1']} steps); Python DFS {fmt_s(first_p)}")
    say(
        f"       all successes: {len(got):,} in {fmt_s(med_m)} ({spread(times['machine'])}),"
        f" {steps['b']:,} steps, {fmt_rate(steps['b'] / med_m)}steps/s, {fmt_rate(len(got) / med_m)}successes/s"
    )
    if policy is Policy.COMMIT:
        line = f"       Python DFS to the first leaf: {fmt_s(med_p)};  ratio {med_m / med_p:.1f}×"
    else:
        line = f"       Python DFS (all {n:,} leaves): {fmt_s(med_p)};  ratio {med_m / med_p:.1f}×"
    res["all"] = {
        "first_s": first_m, "first_steps": steps["b1"], "python_first_s": first_p,
        "successes": len(got), "machine_s": med_m, "machine_runs": times["machine"], "steps": steps["b"],
        "steps_per_s": steps["b"] / med_m, "python_s": med_p, "ratio": med_m / med_p,
    }  # fmt: skip
    say(line)
    if policy is Policy.COMMIT:
        say("       (COMMIT keeps only the first success: the cut drops the other choice points)")
    if policy is Policy.FAIR:
        med_f = statistics.median(times["python_fair"])
        say(f"       Python interleaving generators: {fmt_s(med_f)};  ratio {med_m / med_f:.1f}×")
        res["all"]["python_fair_s"] = med_f
        res["all"]["ratio_fair"] = med_m / med_f
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            all_of(full, "b_nogc")()
            no_gc = time.perf_counter() - t0
        finally:
            gc.enable()
        say(f"       with the garbage collector disabled: {fmt_s(no_gc)}")
        res["all"]["machine_no_gc_s"] = no_gc
    return res


# ---------------------------------------------------------------------------------------------
# 3. tactic proofs vs term proofs
# ---------------------------------------------------------------------------------------------

# (name, statement, tactic lines of the `by` block, term-mode proof); names get a `bt_` prefix.
THEOREMS: list[tuple[str, str, list[str], str]] = [
    ("and_swap", "(p q : Prop) (h : p ∧ q) : q ∧ p", ["constructor", "exact h.2", "exact h.1"], "⟨h.2, h.1⟩"),
    ("or_swap", "(p q : Prop) (h : p ∨ q) : q ∨ p",
     ["cases h", "intro hp; right; exact hp", "intro hq; left; exact hq"],
     "Or.elim (c := q ∨ p) h (fun hp => Or.inr hp) (fun hq => Or.inl hq)"),
    ("imp_self", ": ∀ p : Prop, p → p", ["intro p hp", "assumption"], "fun p hp => hp"),
    ("zero_add", "(n : Nat) : 0 + n = n", ["induction n", "rfl", "intro k ih", "exact congrArg Nat.succ ih"],
     "Nat.rec (motive := fun n => 0 + n = n) rfl (fun k ih => congrArg Nat.succ ih) n"),
    ("succ_add", "(n m : Nat) : n + 1 + m = n + m + 1",
     ["induction m", "rfl", "intro k ih", "exact congrArg Nat.succ ih"],
     "Nat.rec (motive := fun m => n + 1 + m = n + m + 1) rfl (fun k ih => congrArg Nat.succ ih) m"),
    ("add_comm", "(n m : Nat) : n + m = m + n",
     ["induction m", "exact Eq.symm (bt_zero_add n)", "intro k ih",
      "exact Eq.trans (congrArg Nat.succ ih) (Eq.symm (bt_succ_add k n))"],
     "Nat.rec (motive := fun m => n + m = m + n) (Eq.symm (bt_zero_add n))"
     " (fun k ih => Eq.trans (congrArg Nat.succ ih) (Eq.symm (bt_succ_add k n))) m"),
    ("add_assoc", "(a b c : Nat) : a + b + c = a + (b + c)",
     ["induction c", "rfl", "intro k ih", "exact congrArg Nat.succ ih"],
     "Nat.rec (motive := fun c => a + b + c = a + (b + c)) rfl (fun k ih => congrArg Nat.succ ih) c"),
    ("add_zero", "(n : Nat) : n + 0 = n", ["rfl"], "rfl"),
    ("mul_one", "(n : Nat) : n * 1 = n", ["exact bt_zero_add n"], "bt_zero_add n"),
    ("rw_trans", "(a b c : Nat) (h₁ : a = b) (h₂ : b = c) : a = c", ["rw [h₁, h₂]"], "Eq.trans h₁ h₂"),
    ("rw_symm", "(a b : Nat) (h : a = b) : b + 1 = a + 1", ["rw [← h]"], "congrArg (fun t => t + 1) (Eq.symm h)"),
    ("rw_lemma", "(n : Nat) : n + 0 + 0 = n", ["rw [bt_add_zero, bt_add_zero]"], "rfl"),
    ("rw_list", "(l : List Nat) (h : l = [1]) : l ++ l = [1, 1]", ["rw [h]"],
     "Eq.mpr (congrArg (fun x => x ++ x = [1, 1]) h) rfl"),
    ("ex_lit", ": ∃ n : Nat, n + 2 = 5", ["exists 3"], "⟨3, rfl⟩"),
    ("ex_succ", "(n : Nat) : ∃ m : Nat, m = n + 1", ["exists n + 1"], "⟨n + 1, rfl⟩"),
    ("le_two", ": 2 ≤ 4", ["apply Nat.le.step", "apply Nat.le.step", "exact Nat.le.refl"],
     "Nat.le.step (Nat.le.step Nat.le.refl)"),
    ("falso", "(p : Prop) (h : False) : p", ["exfalso", "exact h"], "False.elim h"),
    ("and_assoc", "(p q r : Prop) (h : (p ∧ q) ∧ r) : p ∧ (q ∧ r)",
     ["constructor", "exact h.1.1", "constructor", "exact h.1.2", "exact h.2"], "⟨h.1.1, h.1.2, h.2⟩"),
    ("and_comm_iff", "(p q : Prop) : p ∧ q ↔ q ∧ p",
     ["constructor", "intro h; exact ⟨h.2, h.1⟩", "intro h; exact ⟨h.2, h.1⟩"],
     "⟨fun h => ⟨h.2, h.1⟩, fun h => ⟨h.2, h.1⟩⟩"),
    ("mt", "(p q : Prop) (hpq : p → q) (hnq : ¬q) : ¬p", ["intro hp", "exact hnq (hpq hp)"], "fun hp => hnq (hpq hp)"),
    ("or_left", "(p q : Prop) (hp : p) : p ∨ q", ["left", "assumption"], "Or.inl hp"),
    ("not_not_bool", "(b : Bool) : Bool.not (Bool.not b) = b", ["cases b", "rfl", "rfl"],
     "Bool.rec (motive := fun b => Bool.not (Bool.not b) = b) rfl rfl b"),
    ("show_symm", "(a b : Nat) (h : a = b) : b = a", ["show b = a", "exact Eq.symm h"], "Eq.symm h"),
    ("length_append", "(xs ys : List Nat) : List.length (xs ++ ys) = List.length xs + List.length ys",
     ["induction xs", "exact Eq.symm (bt_zero_add (List.length ys))", "intro x t ih",
      "exact Eq.trans (congrArg Nat.succ ih) (Eq.symm (bt_succ_add (List.length t) (List.length ys)))"],
     "List.rec (motive := fun xs => List.length (xs ++ ys) = List.length xs + List.length ys)"
     " (Eq.symm (bt_zero_add (List.length ys)))"
     " (fun x t ih => Eq.trans (congrArg Nat.succ ih) (Eq.symm (bt_succ_add (List.length t) (List.length ys)))) xs"),
]  # fmt: skip


def proof_texts() -> tuple[str, str, int]:
    """The tactic-mode file, the term-mode file, and the number of tactic calls."""
    tactic, term = [], []
    calls = 0
    for name, stmt, lines, proof in THEOREMS:
        sep = "" if stmt.startswith(":") else " "
        tactic.append(f"theorem bt_{name}{sep}{stmt} := by\n" + "".join(f"  {line}\n" for line in lines))
        term.append(f"theorem bt_{name}{sep}{stmt} :=\n  {proof}\n")
        calls += sum(len(line.split(";")) for line in lines)
    return "\n".join(tactic), "\n".join(term), calls


class TimedRunner:
    """``prove_by_block`` with the time spent in it (the machine, the tactic compiler and the
    kernel handler; not the parser, the statement's elaboration or the kernel's re-check)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, *args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return prove_by_block(*args)
        finally:
            self.seconds += time.perf_counter() - t0


def check(env: Environment, text: str, filename: str, runner: Any = prove_by_block) -> list[CommandResult]:
    return run_deep(FileChecker(env, tactic_runner=runner).check_text, text, filename)


def _assert_all_ok(results: list[CommandResult], count: int, what: str) -> None:
    bad = [r for r in results if not r.ok]
    if bad or len(results) != count:
        for r in bad[:5]:
            say(f"   REJECTED {r.loc.file}:{r.loc.line}:{r.loc.col} {r.name}: {r.message}")
        raise SystemExit(f"{what}: {len(bad)} of {count} theorems rejected ({len(results)} results)")


def bench_tactic_file(env: Environment, runs: int, breakdown: bool) -> dict[str, Any]:
    tactic_text, term_text, calls = proof_texts()
    count = len(THEOREMS)
    header(
        f"3. tactic proofs: {count} theorems in `by` blocks ({calls} tactic calls) vs the same theorems in term mode"
    )
    say("   FileChecker(prelude(), tactic_runner=prove_by_block).check_text on each file (a fresh checker per run)")
    runner = TimedRunner()
    times, last = rounds(
        {
            "tactic": lambda: check(env, tactic_text, "<bench>/tactics.tm", runner),
            "term": lambda: check(env, term_text, "<bench>/terms.tm"),
        },
        runs,
    )
    _assert_all_ok(last["tactic"], count, "tactic file")
    _assert_all_ok(last["term"], count, "term file")
    med_t, med_e = statistics.median(times["tactic"]), statistics.median(times["term"])
    in_runner = runner.seconds / runs
    ratio = med_t / med_e
    say(f"   tactic mode: {fmt_s(med_t)}  ({spread(times['tactic'])}), {count / med_t:.0f} theorems/s")
    say(f"      {calls / med_t:.0f} tactic calls/s, {med_t / calls * 1e3:.1f} ms per tactic call")
    say(f"      of which in prove_by_block (state set-up, tactic compiler, machine, kernel handler): {fmt_s(in_runner)}"
        f" ({100 * in_runner / med_t:.0f}%)")  # fmt: skip
    say(f"   term mode:   {fmt_s(med_e)}  ({spread(times['term'])}), {count / med_e:.0f} theorems/s")
    say(f"   ratio tactic / term: {ratio:.1f}×")
    out: dict[str, Any] = {
        "theorems": count,
        "tactic_calls": calls,
        "tactic_s": med_t,
        "tactic_runs": times["tactic"],
        "term_s": med_e,
        "term_runs": times["term"],
        "in_runner_s": in_runner,
        "ratio": ratio,
    }
    if breakdown:
        out["per_theorem"] = _per_theorem(env, tactic_text, term_text)
        out["operations"] = _operation_profile(env, tactic_text, count)
    return out


def _per_theorem(env: Environment, tactic_text: str, term_text: str) -> dict[str, dict[str, float]]:
    per: dict[str, dict[str, float]] = {}
    for mode, text in (("tactic", tactic_text), ("term", term_text)):
        commands = parse_file(text, f"<bench>/{mode}.tm")
        checker = FileChecker(env, tactic_runner=prove_by_block)

        def run_each(commands: list[Any] = commands, checker: FileChecker = checker, mode: str = mode) -> None:
            for cmd in commands:
                t0 = time.perf_counter()
                r = checker.run(cmd, "<bench>")
                per.setdefault(r.name, {})[mode] = time.perf_counter() - t0
                assert r.ok, r

        run_deep(run_each)
    slowest = sorted(per.items(), key=lambda kv: -kv[1]["tactic"])
    say("   slowest tactic proofs (tactic time, × the term-mode proof of the same statement):")
    tactics = {f"bt_{name}": len(lines) for name, _, lines, _ in THEOREMS}
    for name, t in slowest[:5]:
        say(
            f"     {name:<18} {t['tactic'] * 1e3:7.2f} ms  {t['tactic'] / t['term']:5.1f}×"
            f"  ({tactics[name]} line{'s' if tactics[name] != 1 else ''})"
        )
    return per


def _operation_profile(env: Environment, tactic_text: str, count: int) -> dict[str, Any]:
    """Time spent in each kernel-handler operation during one check of the tactic file (by
    wrapping ``KernelHandler.operation`` for the duration of the run)."""
    original = KernelHandler.operation
    spent: dict[str, list[float]] = {}

    def wrapped(self: KernelHandler, name: str, operands: Sequence[Value], state: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(self, name, operands, state)
        finally:
            spent.setdefault(name, []).append(time.perf_counter() - t0)

    original_initial = ProofState.__dict__["initial"]
    setup: list[float] = []

    def initial(*args: Any, **kwargs: Any) -> ProofState:
        t0 = time.perf_counter()
        try:
            return original_initial.__func__(*args, **kwargs)  # type: ignore[no-any-return]
        finally:
            setup.append(time.perf_counter() - t0)

    runner = TimedRunner()
    KernelHandler.operation = wrapped  # type: ignore[method-assign]
    ProofState.initial = staticmethod(initial)  # type: ignore[method-assign]
    try:
        elapsed, results = timed(lambda: check(env, tactic_text, "<bench>/tactics.tm", runner))
    finally:
        KernelHandler.operation = original  # type: ignore[method-assign]
        ProofState.initial = original_initial  # type: ignore[method-assign]
    _assert_all_ok(results, count, "tactic file (profiled)")
    total_ops = sum(sum(v) for v in spent.values())
    parts = ", ".join(
        f"{name} {sum(v) * 1e3:.1f} ms ×{len(v)}" for name, v in sorted(spent.items(), key=lambda kv: -sum(kv[1]))
    )
    say(f"   kernel-handler operations (one run, {fmt_s(elapsed)}): {parts}")
    setup_s = sum(setup)
    rest = runner.seconds - total_ops - setup_s
    say(
        f"   in prove_by_block {fmt_s(runner.seconds)} = ProofState.initial {fmt_s(setup_s)} (×{len(setup)},"
        f" {fmt_s(setup_s / max(1, len(setup)))} each, {100 * setup_s / runner.seconds:.0f}%)"
    )
    say(f"      + kernel-handler operations {fmt_s(total_ops)} + machine and tactic compiler {fmt_s(rest)}")
    return {
        "check_s": elapsed,
        "runner_s": runner.seconds,
        "initial_state_s": setup_s,
        "initial_states": len(setup),
        "operations_s": total_ops,
        "by_operation": {k: {"s": sum(v), "calls": len(v)} for k, v in spent.items()},
    }


# ---------------------------------------------------------------------------------------------
# 4. the proof library with tactics
# ---------------------------------------------------------------------------------------------


def bench_library(
    runs: int, basics: Path = PROOFS / "basics.tm", tactics: Path = PROOFS / "tactics.tm"
) -> dict[str, Any]:
    header(f"4. proof library: {basics.name} + {tactics.name} with the tactic runner")
    if not tactics.exists():
        say(f"   skipped: {tactics} does not exist")
        return {"skipped": f"{tactics.name} does not exist"}
    try:
        return _bench_library(basics, tactics, runs)
    except Exception as err:  # a file being edited concurrently may break anything: report, go on
        say(f"   skipped: {type(err).__name__}: {err}")
        if not isinstance(err, OSError):
            for line in traceback.format_exc().rstrip().splitlines()[-6:]:
                say(f"     {line}")
        return {"skipped": f"{type(err).__name__}: {err}"}


def _bench_library(basics: Path, tactics: Path, runs: int) -> dict[str, Any]:
    text_b = basics.read_text(encoding="utf-8")
    text_t = tactics.read_text(encoding="utf-8")
    by_blocks = text_t.count(":= by")

    checker = FileChecker(prelude(), tactic_runner=prove_by_block)

    def both() -> tuple[float, list[CommandResult], float, list[CommandResult]]:
        nonlocal checker
        checker = FileChecker(prelude(), tactic_runner=prove_by_block)
        t0 = time.perf_counter()
        rb = run_deep(checker.check_text, text_b, str(basics))
        t1 = time.perf_counter()
        rt = run_deep(checker.check_text, text_t, str(tactics))
        return t1 - t0, rb, time.perf_counter() - t1, rt

    tb: list[float] = []
    tt: list[float] = []
    for _ in range(runs):
        gc.collect()
        b_s, rb, t_s, rt = both()
        bad = [r for r in rb + rt if not r.ok]
        if bad:
            say(f"   skipped: {len(bad)} of {len(rb) + len(rt)} declarations rejected, e.g.")
            for r in bad[:3]:
                say(f"     {r.loc.file}:{r.loc.line}:{r.loc.col} {r.name}: {r.message.splitlines()[0][:150]}")
            return {"skipped": f"{len(bad)} declarations rejected", "rejected": [r.name for r in bad]}
        tb.append(b_s)
        tt.append(t_s)
    med_b, med_t = statistics.median(tb), statistics.median(tt)
    nb, nt = len(rb), len(rt)
    per_b, per_t = med_b / nb, med_t / nt
    say(f"   {basics.name}: {nb} declarations (term mode) in {fmt_s(med_b)}  ({spread(tb)}), {per_b * 1e3:.2f} ms each")
    say(
        f"   {tactics.name}: {nt} declarations ({by_blocks} `by` blocks) in {fmt_s(med_t)}  ({spread(tt)}),"
        f" {per_t * 1e3:.2f} ms each"
    )
    say(f"   both files: {fmt_s(med_b + med_t)};  per declaration {tactics.name} / {basics.name}: {per_t / per_b:.1f}×")
    setup_prelude = per_call(lambda: ProofState.initial(prelude(), TRUE), min_s=0.2, batches=3)
    setup_after = per_call(lambda: ProofState.initial(checker.env, TRUE), min_s=0.2, batches=3)
    say(
        f"   the initial proof state of a `by` block (ProofState.initial): {fmt_s(setup_prelude)} on the prelude,"
        f" {fmt_s(setup_after)} after both files"
    )
    return {
        "initial_state_prelude_s": setup_prelude,
        "initial_state_after_s": setup_after,
        "basics_declarations": nb,
        "basics_s": med_b,
        "basics_runs": tb,
        "tactics_declarations": nt,
        "tactics_by_blocks": by_blocks,
        "tactics_s": med_t,
        "tactics_runs": tt,
        "total_s": med_b + med_t,
        "per_declaration_ratio": per_t / per_b,
    }


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------


PROVE_EXAMPLES = [
    "∀ n : Nat, n + 0 = n",
    "∀ n : Nat, 0 + n = n",
    "∀ a b : Nat, a + b = b + a",
    "∀ a b c : Nat, a + b + c = a + (b + c)",
    "∀ p q : Prop, p ∧ q → q ∧ p",
    "∀ (α : Type) (l : List α), l ++ [] = l",
]


def bench_prove() -> dict[str, Any]:
    """Automatic search on the required examples (nodes, time), and `tactic-mesh prove` end to end."""
    import subprocess

    from tactic_mesh.cli.prove import _library_env
    from tactic_mesh.handlers.search import Searcher
    from tactic_mesh.kernel.elab import elaborate_closed
    from tactic_mesh.kernel.syntax import parse_term

    header("5. automatic proof search (best-first over the tactic vocabulary and library lemmas)")
    env = _library_env()
    assert isinstance(env, Environment)
    rows: list[dict[str, Any]] = []
    for statement in PROVE_EXAMPLES:
        goal = elaborate_closed(env, parse_term(statement))[0]
        elapsed, result = timed(lambda goal=goal: run_deep(Searcher(5000, 60.0).search, ProofState.initial(env, goal)))
        assert result.state is not None, statement
        say(f"   {statement:<42} {result.expanded:4d} nodes expanded, {result.generated:4d} generated, "
            f"{fmt_s(elapsed)}  [{'; '.join(result.script)}]")
        rows.append({"statement": statement, "expanded": result.expanded, "generated": result.generated,
                     "seconds": elapsed})
    cmd = [sys.executable, "-m", "tactic_mesh.cli.main", "prove", PROVE_EXAMPLES[0]]
    baseline = [sys.executable, "-c", "pass"]
    walls, bases = [], []
    for _ in range(3):
        bases.append(timed(lambda: subprocess.run(baseline, capture_output=True, check=True))[0])
        walls.append(timed(lambda: subprocess.run(cmd, capture_output=True, check=True))[0])
    wall, base = statistics.median(walls), statistics.median(bases)
    say(f"   `tactic-mesh prove \"{PROVE_EXAMPLES[0]}\"` end to end: {fmt_s(wall)} "
        f"({fmt_s(wall - base)} over `python -c pass`; loads the prelude and basics.tm)")
    return {"examples": rows, "cli_wall_s": wall, "cli_over_baseline_s": wall - base}


def summary(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    b = res["bind_chain"]
    rows.append(
        (f"bind chain, {b['binds']:,} × Inc", fmt_s(b["machine_s"]),
         f"{fmt_rate(b['steps_per_s'])}steps/s, {b['ratio']:.1f}× a Python loop")
    )  # fmt: skip
    t = res["trees"]
    for policy in ("BACKTRACK", "COMMIT", "FAIR"):
        a, al = t[policy]["last_leaf"], t[policy]["all"]
        rows.append(
            (f"{policy} d={t['depth']}, last leaf only", fmt_s(a["machine_s"]),
             f"{fmt_rate(a['steps_per_s'])}steps/s, {a['ratio']:.1f}× Python DFS")
        )  # fmt: skip
        note = f"{al['successes']:,} success{'es' if al['successes'] != 1 else ''}, {al['ratio']:.1f}× Python DFS"
        if "ratio_fair" in al:
            note += f", {al['ratio_fair']:.1f}× Python interleave"
        rows.append((f"{policy} d={t['depth']}, all successes", fmt_s(al["machine_s"]), note))
    f = res["tactic_file"]
    rows.append((f"{f['theorems']} theorems, tactic mode", fmt_s(f["tactic_s"]), f"{f['ratio']:.1f}× term mode"))
    rate = f"{f['theorems'] / f['term_s']:.0f} theorems/s"
    rows.append((f"{f['theorems']} theorems, term mode", fmt_s(f["term_s"]), rate))
    lib = res["library"]
    if "skipped" in lib:
        rows.append(("basics.tm + tactics.tm", "-", f"skipped: {lib['skipped']}"))
    else:
        rows.append(("basics.tm", fmt_s(lib["basics_s"]), f"{lib['basics_declarations']} declarations"))
        rows.append(
            ("tactics.tm (after basics.tm)", fmt_s(lib["tactics_s"]),
             f"{lib['tactics_declarations']} declarations, {lib['per_declaration_ratio']:.1f}× per decl.")
        )  # fmt: skip
    pr = res.get("prove")
    if pr:
        for row in pr["examples"]:
            rows.append((f"prove {row['statement']}", fmt_s(row["seconds"]), f"{row['expanded']} nodes expanded"))
        rows.append(("tactic-mesh prove (CLI, end to end)", fmt_s(pr["cli_wall_s"]), "n + 0 = n"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tactic-mesh calculus benchmarks (figures are reported, not asserted)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (about 20 s)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    parser.add_argument("--chain", type=int, default=100_000, help="length of the bind chain (default 100 000)")
    parser.add_argument("--depth", type=int, default=14, help="depth of the choice trees (default 14)")
    args = parser.parse_args(argv)
    if args.json:
        to_stderr()
    quick = args.quick
    started = time.perf_counter()
    say(
        f"tactic-mesh calculus benchmark ({'quick' if quick else 'full'}) - Python "
        f"{sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs"
    )
    res: dict[str, Any] = {"mode": "quick" if quick else "full", "python": sys.version.split()[0]}
    res["bind_chain"] = bench_bind_chain(args.chain, runs=3 if quick else 7, named=not quick)
    res["trees"] = bench_trees(args.depth, runs=2 if quick else 5)
    env = prelude()
    res["tactic_file"] = bench_tactic_file(env, runs=2 if quick else 7, breakdown=not quick)
    res["library"] = bench_library(runs=1 if quick else 3)
    res["prove"] = bench_prove()
    return finish(res, started, summary, args.json)


if __name__ == "__main__":
    sys.exit(main())
