"""Entry points of the typing judgment: programs and ``by`` blocks.

* ``check(term, I_in, delta)`` — ``Δ ; I_in ⊢ term : I_out ! Φ``: ``I_in`` is an ``Interface`` or a
  ``ProofState`` (then its interface, with the environment and metavariable context for shapes and
  names).  Returns ``Typed(out, effects, value)``; ``out is None`` means no run succeeds (the
  ``failure`` says where and why); ``require_success=True`` turns that into a ``TypingError``.
* ``check_block(calls, state)`` — a ``by`` block (``TacticCall``s from ``tactic_syntax.split_block``)
  as the program the block runs, ``defer_seq(calls)``, on ``state``: it must be able to succeed and
  to leave no goal.
* files (``typecheck_tm``, ``TypecheckSession``) run their blocks and live in ``handlers/typecheck.py``.

"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics import HANDLERS, defer_seq
from tactic_mesh.calculus.terms import Term
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import Location
from tactic_mesh.kernel.mctx import MetavarContext
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


__all__ = [
    "block_program",
    "check",
    "check_block",
]
