"""Shared fixtures of the typing tests: the theorem library (prelude, basics.tm, tactics.tm) with every
theorem's statement and ``by`` block, and real proof states drawn from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typing_support import BASICS, TACTICS, Library, Sample, TheoremBlock

from tactic_mesh.calculus.machine import Budget
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.tactics import HANDLERS, defer_seq
from tactic_mesh.handlers.blocks import prove_by_block, tactic_machine
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.prelude import prelude


@pytest.fixture(scope="session")
def library() -> Library:
    blocks: list[TheoremBlock] = []

    def runner(env: Environment, statement: Expr, levels: tuple[str, ...], binders: list[str], text: str,
               line: int, col: int, filename: str) -> Expr:
        if filename == str(TACTICS):
            blocks.append(TheoremBlock(env, statement, levels, tuple(binders), text, line, col, filename))
        return prove_by_block(env, statement, levels, binders, text, line, col, filename)

    fc = FileChecker(prelude(), tactic_runner=runner)
    for path in (BASICS, TACTICS):
        out = run_deep(fc.check_text, path.read_text(encoding="utf-8"), str(path))
        assert all(r.ok for r in out), [f"{r.loc}: {r.message}" for r in out if not r.ok]
    return Library(fc, tuple(blocks))


@pytest.fixture(scope="session")
def samples(library: Library) -> list[Sample]:
    """Initial states of every third theorem of tactics.tm and the states after the first one or
    two tactics of its script."""
    out: list[Sample] = []
    for i, block in enumerate(library.blocks):
        if i % 3:
            continue
        state, calls = block.state(), block.calls()
        name = f"{Path(block.filename).name}:{block.line}"
        out.append(Sample(name, state, tuple(calls)))
        for k in (1, 2):
            if k >= len(calls):
                break
            result = tactic_machine(Budget(fuel=50_000)).first(defer_seq(calls[:k]), state, HANDLERS)
            if isinstance(result, Success):
                out.append(Sample(f"{name}+{k}", result.state, tuple(calls[k:])))
    return out
