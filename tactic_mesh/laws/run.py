"""Running law instances: the handlers and scorers laws are stated over, the fuel budget, and
observation under them.

The base stack is the kernel handler and the tactic handler (``tactic_machine``'s stack).  More
handlers are registered for ``handle`` (handler-composition laws): ``deny-*`` handlers refuse one
operation (a catchable failure) and forward everything else.  ``handled_operations`` says what a
registered handler answers — the side condition of handler commutation.  The ``cost`` scorer ranks
the branches of a scored choice by their number of operations and tactic calls (fewer first), so
equal costs tie.
"""

from __future__ import annotations

from collections.abc import Sequence

from tactic_mesh.calculus.machine import Scorer
from tactic_mesh.calculus.observe import Observation, observe, same_state
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Foreign, Op, Term, Value, VStr
from tactic_mesh.handlers.kernel import KernelHandler
from tactic_mesh.handlers.protocol import Forward, Handler, HandlerResult, Raise
from tactic_mesh.handlers.tactic import TacticHandler

LAW_FUEL = 20_000  # machine steps per side of an instance
LAW_LIMIT = 8  # successes compared per side
BASE_HANDLERS = ("kernel", "tactic")


class DenyHandler:
    """Refuses the operations in ``denied`` (a catchable failure); forwards the rest."""

    def __init__(self, name: str, denied: frozenset[str]) -> None:
        self.name = name
        self.denied = denied

    def operation(self, name: str, operands: Sequence[Value], state: ProofState) -> HandlerResult[ProofState]:
        if name in self.denied:
            return Raise(VStr(f"{self.name}: {name} is not allowed here"))
        return Forward()

    def foreign(self, symbol: str, payload: Value, state: ProofState) -> HandlerResult[ProofState]:
        return Forward()


DENY = {
    "deny-assign": frozenset({"AssignMetavar"}),
    "deny-rewrite": frozenset({"Rewrite"}),
    "deny-elaborate": frozenset({"Elaborate"}),
}
HANDLER_NAMES = (*BASE_HANDLERS, *DENY)


def law_handlers() -> dict[str, Handler[ProofState]]:
    """Every handler laws may name; the first two (kernel, tactic) are the base stack."""
    out: dict[str, Handler[ProofState]] = {"kernel": KernelHandler(), "tactic": TacticHandler()}
    for name, denied in DENY.items():
        out[name] = DenyHandler(name, denied)
    return out


def handled_operations(name: str) -> frozenset[str]:
    """The operations (and ``foreign`` symbols, as ``foreign:<symbol>``) the handler answers."""
    if name == "kernel":
        return frozenset(m[3:] for m in dir(KernelHandler) if m.startswith("op_"))
    if name == "tactic":
        return frozenset({"foreign:tactic"})
    return DENY[name]


def operations_of(t: Term) -> int:
    """The number of operations and foreign calls in a program (its cost as a scorer sees it)."""
    own = 1 if isinstance(t, (Op, Foreign)) else 0
    return own + sum(operations_of(c) for c in t.children())


def cost_scorer(branch: Term, _state: object) -> float:
    return -float(operations_of(branch))


LAW_SCORERS: dict[str, Scorer] = {"cost": cost_scorer}


_RUNS: dict[tuple[Term, int, int, int], tuple[ProofState, Observation]] = {}
_RUNS_KEPT = 2048


def run_side(term: Term, state: ProofState, fuel: int = LAW_FUEL, limit: int = LAW_LIMIT) -> Observation:
    """Observe ``term`` on ``state`` under the base stack (memoised: a side condition and the
    comparison often run the same program on the same state)."""
    key = (term, id(state), fuel, limit)
    hit = _RUNS.get(key)
    if hit is not None and hit[0] is state:
        return hit[1]
    obs = observe(term, state, law_handlers(), fuel=fuel, limit=limit, scorers=LAW_SCORERS,
                  installed=BASE_HANDLERS)
    if len(_RUNS) >= _RUNS_KEPT:
        _RUNS.clear()
    _RUNS[key] = (state, obs)
    return obs


def observations_agree(a: Observation, b: Observation) -> bool:
    """``obs_equal`` on two observations already made (same outcome class, same number of
    successes, pairwise ``same_state``)."""
    if a.outcome != b.outcome or len(a.successes) != len(b.successes):
        return False
    return all(same_state(x, y) for x, y in zip(a.successes, b.successes, strict=True))
