"""Running law instances: the kernel handler stack, the fuel budget, and observation under it."""

from __future__ import annotations

from tactic_mesh.calculus.kernel_handler import KernelHandler
from tactic_mesh.calculus.machine import Handler
from tactic_mesh.calculus.observe import Observation, observe, same_state
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_block import TacticHandler
from tactic_mesh.calculus.terms import Term

LAW_FUEL = 20_000  # machine steps per side of an instance
LAW_LIMIT = 8  # successes compared per side


def law_handlers() -> dict[str, Handler[ProofState]]:
    """The kernel handler and the tactic handler (``tactic_machine``'s stack), in that order."""
    return {"kernel": KernelHandler(), "tactic": TacticHandler()}


def run_side(term: Term, state: ProofState, fuel: int = LAW_FUEL, limit: int = LAW_LIMIT) -> Observation:
    return observe(term, state, law_handlers(), fuel=fuel, limit=limit)


def observations_agree(a: Observation, b: Observation) -> bool:
    """``obs_equal`` on two observations already made (same outcome class, same number of
    successes, pairwise ``same_state``)."""
    if a.outcome != b.outcome or len(a.successes) != len(b.successes):
        return False
    return all(same_state(x, y) for x, y in zip(a.successes, b.successes, strict=True))
