"""The derived tactic vocabulary: one module per tactic family, each registering its tactics'
compilation, typing rule and search proposer (``registry.py``).  Importing this package imports
every module, so the registry is complete; ``compile_tactic`` and ``spec_of`` are the entry points.
"""

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import split_tactics
from tactic_mesh.calculus.tactics import (  # noqa: F401  (each module registers its tactics)
    apply,
    calc,
    closers,
    eprover,
    eq_search,
    exact,
    induction,
    intro,
    rewrite,
    simp,
    tacticals,
)
from tactic_mesh.calculus.tactics.common import goals_text, stop_reason
from tactic_mesh.calculus.tactics.registry import (
    DONE,
    FAMILIES,
    HANDLERS,
    Candidate,
    GoalView,
    TacticSpec,
    compile_seq,
    compile_tactic,
    decode_call,
    defer,
    defer_seq,
    proposers,
    spec_of,
    specs,
)
from tactic_mesh.calculus.terms import Term


def expand(text: str, state: ProofState) -> Term:
    """The core program of a tactic script on ``state``: the first tactic fully expanded, the
    later ones as ``foreign "tactic"`` nodes refined when they run (they need the state then)."""
    return compile_seq(split_tactics(text, 1, 1), state)


__all__ = [
    "DONE",
    "FAMILIES",
    "HANDLERS",
    "Candidate",
    "GoalView",
    "TacticSpec",
    "compile_seq",
    "compile_tactic",
    "decode_call",
    "defer",
    "defer_seq",
    "expand",
    "goals_text",
    "proposers",
    "spec_of",
    "specs",
    "stop_reason",
]
