"""A recording handler: wraps a handler and logs every operation and foreign symbol it performs.

The type-soundness property test runs a program under ``recording_tactic_machine`` and checks that
what was performed lies in the program's effect row Φ.  An operation counts as performed by a
handler when the handler does not forward it (it answered with a value, a failure, a refinement,
a panic or a replay incompatibility).  ``Backtrack``, ``Cut`` and ``ConsumeFuel`` are interpreted
by the machine itself and never reach a handler, so they are never recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

import attrs

from tactic_mesh.calculus.machine import Budget, Machine
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Value
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.handlers.protocol import Forward, Handler, HandlerResult
from tactic_mesh.handlers.tactic import TacticHandler
from tactic_mesh.typing.interface import EffectRow

S = TypeVar("S")


@attrs.frozen
class Performed:
    kind: str  # "op" | "foreign"
    name: str  # the operation, or the foreign symbol
    handler: str


class RecordingHandler(Generic[S]):
    """``inner`` with a log of what it performs (shared with other recorders when ``log`` is given)."""

    def __init__(self, inner: Handler[S], log: list[Performed] | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.log: list[Performed] = log if log is not None else []

    def operation(self, name: str, operands: Sequence[Value], state: S) -> HandlerResult[S]:
        result = self.inner.operation(name, operands, state)
        if not isinstance(result, Forward):
            self.log.append(Performed("op", name, self.name))
        return result

    def foreign(self, symbol: str, payload: Value, state: S) -> HandlerResult[S]:
        result = self.inner.foreign(symbol, payload, state)
        if not isinstance(result, Forward):
            self.log.append(Performed("foreign", symbol, self.name))
        return result


def performed_row(log: Iterable[Performed]) -> EffectRow:
    entries = list(log)
    return EffectRow(frozenset(p.name for p in entries if p.kind == "op"),
                     frozenset(p.name for p in entries if p.kind == "foreign"))


def outside(log: Iterable[Performed], row: EffectRow) -> list[Performed]:
    """What was performed but is not in ``row``."""
    return [p for p in log if not row.allows(p.kind, p.name)]


def recording_tactic_machine(budget: Budget | None = None) -> tuple[Machine[ProofState], list[Performed]]:
    """``tactic_machine`` (kernel + tactic handlers) with both handlers recorded in one log."""
    log: list[Performed] = []
    handlers: dict[str, Handler[ProofState]] = {
        "kernel": RecordingHandler(KernelHandler(), log),
        "tactic": RecordingHandler(TacticHandler(), log),
    }
    return Machine(handlers, budget=budget), log


__all__ = ["Performed", "RecordingHandler", "outside", "performed_row", "recording_tactic_machine"]
