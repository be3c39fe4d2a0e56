"""Entry points of the typing judgment: programs, ``by`` blocks and ``.tm`` files.

* ``check(term, I_in, delta)`` — ``Δ ; I_in ⊢ term : I_out ! Φ``: ``I_in`` is an ``Interface`` or a
  ``ProofState`` (then its interface, with the environment and metavariable context for shapes and
  names).  Returns ``Typed(out, effects, value)``; ``out is None`` means no run succeeds (the
  ``failure`` says where and why); ``require_success=True`` turns that into a ``TypingError``.
* ``check_block(calls, state)`` — a ``by`` block (``TacticCall``s from ``tactic_syntax.split_block``)
  as the program the block runs, ``defer_seq(calls)``, on ``state``: it must be able to succeed and
  to leave no goal.
* ``typecheck_tm(text, filename)`` — every ``by`` block of a ``.tm`` file against its theorem's
  initial state.  **Choice**: the file is processed by the ordinary ``FileChecker`` with a tactic
  runner that first type-checks the block (on the statement's state after the declaration's binders
  are introduced — the same state ``prove_by_block`` starts from; the block itself is not run for
  this) and records the result, then runs the block with ``prove_by_block`` so that the theorem
  enters the environment as usual.  Later theorems that use earlier ones (library dependencies)
  are then checked against the real environment; a placeholder proof would corrupt it.  The
  records say both whether the block type-checks (``ok``) and whether the proof then ran
  (``proved``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_block import HANDLERS, block_start_state, defer_seq, prove_by_block
from tactic_mesh.calculus.tactic_syntax import TacticCall, split_block
from tactic_mesh.calculus.terms import Term
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.declarations import CommandResult, Options
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import Location, TacticMeshError
from tactic_mesh.kernel.expr import Const, Expr, mk_app
from tactic_mesh.kernel.mctx import MetavarContext
from tactic_mesh.kernel.typechecker import TypeChecker
from tactic_mesh.typing.derived import Checker
from tactic_mesh.typing.errors import Diagnostic, TypingError
from tactic_mesh.typing.interface import Interface, describe_bounds, interface_of_state
from tactic_mesh.typing.judgment import Delta, Typed


def check(
    term: Term,
    i_in: Interface | ProofState,
    delta: Delta | None = None,
    *,
    env: Environment | None = None,
    mctx: MetavarContext | None = None,
    handlers: Iterable[str] | None = None,
    foreign_symbols: Iterable[str] | None = None,
    scorers: Iterable[str] | None = None,
    require_success: bool = False,
    locations: dict[str, TacticCall] | None = None,
    filename: str = "<tactic>",
) -> Typed:
    """Type ``term`` on ``i_in`` (see the module docstring); raises ``TypingError``."""
    provenance = None
    if isinstance(i_in, ProofState):
        env = env if env is not None else i_in.environment
        mctx = mctx if mctx is not None else i_in.metavar_graph
        provenance = i_in.provenance
        iface = interface_of_state(i_in)
    else:
        iface = i_in
    checker = Checker(env, mctx, handlers=handlers, foreign_symbols=foreign_symbols, scorers=scorers,
                      provenance=provenance, locations=locations, filename=filename)
    typed: Typed = run_deep(checker.check, term, iface, delta if delta is not None else Delta(), "$")
    if require_success and typed.out is None:
        raise TypingError.of(typed.failure or Diagnostic("$", "the program never succeeds"))
    return typed


def block_program(calls: Sequence[TacticCall]) -> tuple[Term, dict[str, TacticCall]]:
    """The program a ``by`` block runs and where each of its tactics sits in it."""
    locations: dict[str, TacticCall] = {}
    path = "$"
    for i, call in enumerate(calls):
        locations[path if i == len(calls) - 1 else f"{path}.first"] = call
        path = f"{path}.rest"
    return defer_seq(list(calls)), locations


def check_block(calls: Sequence[TacticCall], state: ProofState, filename: str = "<tactic>",
                where: Location | None = None) -> Typed:
    """Type a ``by`` block on ``state``: it must be able to succeed and leave no goal."""
    program, locations = block_program(calls)
    typed = check(program, state, handlers=HANDLERS, foreign_symbols=("tactic",), locations=locations,
                  filename=filename, require_success=True)
    assert typed.out is not None
    lo, hi = typed.out.bounds()
    if lo > 0:
        raise TypingError("unsolved goals at the end of the block", "$", "0 goals", describe_bounds(lo, hi), where)
    return typed


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


__all__ = [
    "TheoremTyping",
    "TypecheckSession",
    "block_program",
    "check",
    "check_block",
    "initial_state",
    "typecheck_files",
    "typecheck_tm",
]
