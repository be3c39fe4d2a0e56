"""Running ``by`` blocks on the standard handler stack (kernel + tactic): the runner ``.tm`` files
plug into the kernel's ``FileChecker`` (``prove_by_block``), the state a declaration's block starts
from, and ``tactic_machine``.

A block's tactics run one after the other and each commits to its first success; a failing tactic
stops the block with its location and the goals it was applied to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar

import attrs

from tactic_mesh.calculus.assembly import TRACING, ReplayError, assemble
from tactic_mesh.calculus.machine import Budget, Machine
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, is_elim_with, split_block
from tactic_mesh.calculus.tactics import HANDLERS, compile_tactic, goals_text, stop_reason
from tactic_mesh.calculus.tactics.common import STEP_FUEL, STEP_SECONDS
from tactic_mesh.calculus.tactics.intro import intro_program
from tactic_mesh.calculus.tactics.tacticals import alternative
from tactic_mesh.calculus.terms import Term
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.handlers.protocol import Handler
from tactic_mesh.handlers.tactic import TacticHandler
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import ElabError, Location, TacticMeshError
from tactic_mesh.kernel.expr import Expr

# Called with (state before, tactic, state after) for every tactic a ``by`` block runs successfully
# (inside bullets and alternatives too): how the learners read the library's proofs step by step.
StepObserver = Callable[[ProofState, TacticCall, ProofState], None]
STEP_OBSERVER: ContextVar[StepObserver | None] = ContextVar("tactic_mesh_step_observer", default=None)


# Handlers installed above the kernel and tactic ones for the current context, innermost last —
# the symbolic handler serving ``foreign "eprover"`` (``handlers.symbolic.symbolic_handlers``).
EXTRA_HANDLERS: ContextVar[tuple[tuple[str, Handler[ProofState]], ...]] = ContextVar(
    "tactic_mesh_extra_handlers", default=())


def tactic_machine(budget: Budget | None = None) -> Machine[ProofState]:
    """A machine with the kernel handler, the tactic handler and the context's extra handlers."""
    return Machine({"kernel": KernelHandler(), "tactic": TacticHandler(), **dict(EXTRA_HANDLERS.get())},
                   budget=budget)


def handler_stack() -> tuple[str, ...]:
    """The handler names a program runs under (outermost first): ``HANDLERS`` and the extra ones."""
    return (*HANDLERS, *(name for name, _ in EXTRA_HANDLERS.get()))


def run_block(
    text: str, line: int, col: int, state: ProofState, filename: str
) -> tuple[ProofState, list[tuple[TacticCall, Term]]]:
    """Run a ``by`` block; returns the final state (complete) and the programs that ran."""
    log: list[tuple[TacticCall, Term]] = []
    try:
        calls = split_block(text, line, col)
    except TacticMeshError as err:  # a malformed tactical: located in this file
        where = Location(filename, err.loc.line, err.loc.col) if err.loc else Location(filename, line, col)
        raise ElabError(err.message, where) from None
    state = run_calls(calls, state, filename, log)
    if state.active_obligations:  # reported at the block's last tactic
        where = Location(filename, calls[-1].line, calls[-1].col) if calls else Location(filename, line, col)
        raise ElabError(f"unsolved goals\n{goals_text(state)}", where)
    return state, log


def run_calls(
    calls: list[TacticCall] | tuple[TacticCall, ...], state: ProofState, filename: str,
    log: list[tuple[TacticCall, Term]],
) -> ProofState:
    for call in calls:
        state = _run_call(call, state, filename, log)
    return state


def _run_call(call: TacticCall, state: ProofState, filename: str, log: list[tuple[TacticCall, Term]]) -> ProofState:
    """Run one tactic.  Blocks (``·``, ``case``, ``next``, the alternatives of ``induction x with``)
    are stepped through here, tactic by tactic, so a failure inside is reported where it happens;
    their core programs (``compile_tactic``) do the same with ``focus`` and are what ``expand``
    shows."""
    where = Location(filename, call.line, call.col)
    if call.name in ("·", "focus"):
        return _run_focused("main", [], call, state, filename, log, must_solve=call.name == "·")
    if call.name in ("case", "next"):
        tag, *names = call.arg.split() if call.name == "case" else ["main", *call.arg.split()]
        if not tag:
            raise ElabError("case: expected `case tag x… => tactics`", where)
        return _run_focused(tag, names, call, state, filename, log)
    if is_elim_with(call):
        state = _run_program(attrs.evolve(call, arg=call.arg[: -len("with")].strip(), children=()),
                             state, filename, log)
        for alt in call.children:
            try:
                tag, _ = alternative(alt)
            except TacticMeshError as err:
                raise ElabError(err.message, Location(filename, alt.line, alt.col)) from None
            state = _run_focused(tag, alt.arg.split()[1:], alt, state, filename, log)
        return state
    return _run_program(call, state, filename, log)


def _run_focused(
    selector: str, names: list[str], call: TacticCall, state: ProofState, filename: str,
    log: list[tuple[TacticCall, Term]], must_solve: bool = True,
) -> ProofState:
    """Focus on one goal, introduce ``names``, run the block's tactics; the goal must be solved
    (except for ``focus``, whose remaining goals come first after it)."""
    where = Location(filename, call.line, call.col)
    narrowed = state.narrow(selector)
    if isinstance(narrowed, str):
        raise ElabError(f"{call.name}: {narrowed}", where)
    inner, token = narrowed
    intro_call = [TacticCall("intro", " ".join(names), call.line, call.col)] if names else []
    inner = run_calls([*intro_call, *call.children], inner, filename, log)
    if must_solve and inner.focus_goals():
        raise ElabError(f"{call.name}: the goal is not solved\n{goals_text(inner)}", where)
    return inner.widen(token)


def _run_program(call: TacticCall, state: ProofState, filename: str, log: list[tuple[TacticCall, Term]]) -> ProofState:
    where = Location(filename, call.line, call.col)
    try:
        program = compile_tactic(call, state)
    except TacticMeshError as err:
        raise ElabError(f"{err.message}\n{goals_text(state)}", where) from None
    result = tactic_machine(Budget(fuel=STEP_FUEL, seconds=STEP_SECONDS)).first(program, state, handler_stack())
    if not isinstance(result, Success):
        raise ElabError(f"{call.name} failed: {stop_reason(result)}\n{goals_text(state)}", where)
    log.append((call, program))
    observer = STEP_OBSERVER.get()
    if observer is not None:
        observer(state, call, result.state)
    return result.state


def block_start_state(
    env: Environment, statement: Expr, level_params: tuple[str, ...], binder_names: Sequence[str],
    where: Location | None = None,
) -> ProofState:
    """The state a declaration's ``by`` block starts from: its binders introduced, as in Lean."""
    state = ProofState.initial(env, statement, level_params=level_params)
    if TRACING.get():
        state = state.traced()
    if not binder_names:
        return state
    result = Machine({"kernel": KernelHandler()}).first(intro_program(list(binder_names), state), state, ["kernel"])
    if not isinstance(result, Success):
        raise ElabError("cannot introduce the declaration's binders", where)
    return result.state


def prove_by_block(
    env: Environment,
    statement: Expr,
    level_params: tuple[str, ...],
    binder_names: list[str],
    text: str,
    line: int,
    col: int,
    filename: str,
) -> Expr:
    """The kernel term proving ``statement`` (``∀ binders, T``) built by the ``by`` block; the
    declaration's binders are introduced first, as in Lean."""
    state = block_start_state(env, statement, level_params, binder_names, Location(filename, line, col))
    final, _ = run_block(text, line, col, state, filename)
    if final.trail_start is not None:  # traced: the term is the replay's, kernel-checked there
        try:
            replayed = assemble(final).proof_term
        except ReplayError as err:
            raise ElabError(err.message, Location(filename, line, col)) from None
        if replayed is None:
            raise ElabError("the tactic block left holes in the proof", Location(filename, line, col))
        return replayed
    term = final.proof_term()
    if term.has_mvar:
        raise ElabError("the tactic block left holes in the proof", Location(filename, line, col))
    return term
