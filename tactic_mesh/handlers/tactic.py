"""The tactic handler: refines ``foreign "tactic"`` nodes (a deferred derived tactic) into the core
program the tactic compiles to on the state the node meets (``calculus/tactics.compile_tactic``).
The machine then runs that program in the node's place — a known refinement, never an opaque call."""

from __future__ import annotations

from collections.abc import Sequence

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import compile_tactic, decode_call
from tactic_mesh.calculus.terms import Value, VStr
from tactic_mesh.handlers.protocol import Forward, HandlerResult, Raise, Refine
from tactic_mesh.kernel.errors import TacticMeshError


class TacticHandler:
    """Refines ``foreign "tactic"`` nodes into their core programs on the state they meet."""

    name = "tactic"

    def operation(self, name: str, operands: Sequence[Value], state: ProofState) -> HandlerResult[ProofState]:
        return Forward()

    def foreign(self, symbol: str, payload: Value, state: ProofState) -> HandlerResult[ProofState]:
        if symbol != "tactic":
            return Forward()
        try:
            call = decode_call(payload)
            return Refine(compile_tactic(call, state))
        except TacticMeshError as err:
            return Raise(VStr(err.message))
