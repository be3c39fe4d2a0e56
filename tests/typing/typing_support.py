"""Shared data of the typing tests (the fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, split_block
from tactic_mesh.handlers.typecheck import initial_state
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import Expr

REPO = Path(__file__).resolve().parents[2]
BASICS = REPO / "tactic_mesh" / "proofs" / "basics.tm"
TACTICS = REPO / "tactic_mesh" / "proofs" / "tactics.tm"


@attrs.frozen
class TheoremBlock:
    """A theorem's ``by`` block as the file checker hands it to the tactic runner."""

    env: Environment  # the environment the theorem is checked in
    statement: Expr
    level_params: tuple[str, ...]
    binders: tuple[str, ...]
    text: str
    line: int
    col: int
    filename: str

    def state(self) -> ProofState:
        return initial_state(self.env, self.statement, self.level_params, self.binders)

    def calls(self) -> list[TacticCall]:
        return split_block(self.text, self.line, self.col)


@attrs.frozen
class Library:
    checker: FileChecker
    blocks: tuple[TheoremBlock, ...]  # the `by` blocks of tactics.tm, in order


@attrs.frozen
class Sample:
    """A real proof state and the rest of the script that proves it."""

    name: str
    state: ProofState
    script: tuple[TacticCall, ...]
