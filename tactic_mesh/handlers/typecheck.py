"""Type-checking ``.tm`` files and ``.tac`` programs, then running their blocks (``tactic-mesh
typecheck``).

**Choice**: a file is processed by the ordinary ``FileChecker`` with a tactic runner that first
type-checks the block (``typing.api.check_block``, on the statement's state after the
declaration's binders are introduced — the state ``prove_by_block`` starts from; the block itself
is not run for this) and records the result, then runs the block with ``prove_by_block`` so that
the theorem enters the environment as usual.  Later theorems that use earlier ones are then
checked against the real environment; a placeholder proof would corrupt it.  The records say both
whether the block type-checks (``ok``) and whether the proof then ran (``proved``).  This runs
blocks, so it lives above the typing layer, with the handlers it runs them on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import split_block
from tactic_mesh.calculus.tactics import HANDLERS
from tactic_mesh.handlers.blocks import block_start_state, prove_by_block
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.declarations import CommandResult, Options
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import Location, TacticMeshError
from tactic_mesh.kernel.expr import Const, Expr, mk_app
from tactic_mesh.kernel.typechecker import TypeChecker
from tactic_mesh.typing.api import check, check_block
from tactic_mesh.typing.errors import TypingError
from tactic_mesh.typing.interface import Interface


def initial_state(env: Environment, statement: Expr, level_params: tuple[str, ...],
                  binder_names: Sequence[str]) -> ProofState:
    """The state a declaration's ``by`` block starts from (as ``prove_by_block`` makes it)."""
    return block_start_state(env, statement, level_params, binder_names)


@attrs.frozen
class TheoremTyping:
    """The typing of one declaration's ``by`` block (plain data for the CLI)."""

    name: str
    kind: str
    ok: bool  # the block type-checks
    message: str
    location: Location
    interface_out: str  # the block's output interface (a summary), or "" when it does not type
    effects: tuple[str, ...]  # the block's effect row
    proved: bool | None = None  # the block then ran and the declaration was admitted (None: not run)
    path: str = ""  # the sub-term a type error names


class TypecheckSession:
    """A ``FileChecker`` whose ``by`` blocks are type-checked before they run."""

    def __init__(self, env: Environment | None = None, options: Options | None = None, run: bool = True) -> None:
        """``run``: after type-checking, run each block and admit its theorem through the kernel;
        without it no block runs and each theorem enters the environment as ``sorryAx`` (so later
        blocks can use it) — a type-checking pass only, which proves nothing."""
        if env is None:
            from tactic_mesh.kernel.prelude import prelude

            env = prelude()
        self.run = run
        if not run:
            options = attrs.evolve(options or Options(), allow_sorry=True)
        self.checker = FileChecker(env, options or Options(), tactic_runner=self._runner)
        self._pending: list[TheoremTyping] = []
        self.results: list[TheoremTyping] = []

    @property
    def env(self) -> Environment:
        return self.checker.env

    def _runner(self, env: Environment, statement: Expr, level_params: tuple[str, ...], binder_names: list[str],
                text: str, line: int, col: int, filename: str) -> Expr:
        where = Location(filename, line, col)
        try:
            state = initial_state(env, statement, level_params, binder_names)
            typed = check_block(split_block(text, line, col), state, filename, where)
            assert typed.out is not None
            record = TheoremTyping("", "", True, "ok", where, typed.out.summary(), typed.effects.names())
        except TypingError as err:
            record = TheoremTyping("", "", False, err.message, err.loc or where, "", (), path=err.path)
        except TacticMeshError as err:
            record = TheoremTyping("", "", False, err.message, err.loc or where, "", ())
        self._pending.append(record)
        if not self.run:
            tc = TypeChecker(env, level_params=level_params)
            sort = tc.ensure_sort(tc.infer(statement))
            return mk_app(Const("sorryAx", (sort.level,)), statement)
        return prove_by_block(env, statement, level_params, binder_names, text, line, col, filename)

    def _on_result(self, result: CommandResult) -> None:
        if self._pending:
            record = self._pending.pop()
            self._pending.clear()
            proved = result.ok if self.run else None
            self.results.append(attrs.evolve(record, name=result.name, kind=result.kind, proved=proved))
        elif not result.ok and result.kind in ("theorem", "def", "abbrev"):
            self.results.append(TheoremTyping(result.name, result.kind, False, result.message, result.loc, "", (),
                                              proved=False))

    def check_text(self, text: str, filename: str) -> list[TheoremTyping]:
        start = len(self.results)
        outcome: list[CommandResult] = run_deep(self.checker.check_text, text, filename, None, self._on_result)
        if outcome and outcome[0].kind == "syntax" and not outcome[0].ok:
            self.results.append(TheoremTyping("", "syntax", False, outcome[0].message, outcome[0].loc, "", ()))
        return self.results[start:]

    def check_file(self, path: str | Path) -> list[TheoremTyping]:
        p = Path(path)
        return self.check_text(p.read_text(encoding="utf-8"), str(p))


def typecheck_tm(text: str, filename: str = "<input>", env: Environment | None = None) -> list[TheoremTyping]:
    """Type-check every ``by`` block of a ``.tm`` file (``env``: the environment it is checked in,
    the prelude by default; see the module docstring for how declarations enter it)."""
    return TypecheckSession(env).check_text(text, filename)


def typecheck_tac(text: str, filename: str = "<input>", goals: int = 1) -> TheoremTyping:
    """Type-check a DSL program (``.tac``) on ``goals`` goals about which nothing is known (the
    kernel handler and the tactic handler in scope); it must be able to succeed."""
    from tactic_mesh.codecs.dsl import parse_program

    where = Location(filename, 1, 1)
    try:
        term = parse_program(text, filename)
        typed = check(term, Interface.goals(goals), env=None, handlers=HANDLERS, scorers=(), require_success=True,
                      filename=filename)
    except TypingError as err:
        return TheoremTyping(filename, "program", False, err.message, err.loc or where, "", (), path=err.path)
    except TacticMeshError as err:
        return TheoremTyping(filename, "program", False, err.message, err.loc or where, "", ())
    assert typed.out is not None
    return TheoremTyping(filename, "program", True, "ok", where, typed.out.summary(), typed.effects.names())


def typecheck_files(
    paths: Iterable[str | Path], env: Environment | None = None, run: bool = True
) -> list[TheoremTyping]:
    """Several files in order, each seeing the declarations of the previous ones."""
    session = TypecheckSession(env, run=run)
    out: list[TheoremTyping] = []
    for p in paths:
        if str(p).endswith(".tac"):
            out.append(typecheck_tac(Path(p).read_text(encoding="utf-8"), str(p)))
        else:
            out += session.check_file(p)
    return out
