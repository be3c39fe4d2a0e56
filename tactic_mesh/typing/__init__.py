"""Typing (DESIGN §5): obligation interfaces, effect rows and the judgment ``Δ ; I_in ⊢ t : I_out ! Φ``.

* ``interface`` — ``Interface`` (slots, arity variables, frame, checkpoint), ``EffectRow``, the
  lattice (join, widening), ``interface_of_state`` and ``conforms``;
* ``judgment`` — the core rules (``CoreChecker``), Δ (``Delta``), value types, ``Typed``;
* ``derived`` — the derived tactic vocabulary (``Checker``);
* ``api`` — ``check``, ``check_block`` (files, which run their blocks: ``handlers/typecheck.py``);
* ``coupling`` — when branch permutation is justified (the recording handler: ``handlers/recording.py``);
* ``errors`` — ``TypingError`` (a path into the term and the mismatch) and ``Diagnostic``.
"""

from tactic_mesh.typing.api import check, check_block
from tactic_mesh.typing.coupling import Justification, branch_permutation_justified, coupling_components
from tactic_mesh.typing.derived import Checker
from tactic_mesh.typing.errors import Diagnostic, TypingError
from tactic_mesh.typing.interface import (
    Arity,
    EffectRow,
    Interface,
    Shape,
    Slot,
    conforms,
    interface_of_state,
    join,
)
from tactic_mesh.typing.judgment import Delta, Typed, VType

__all__ = [
    "Arity",
    "Checker",
    "Delta",
    "Diagnostic",
    "EffectRow",
    "Interface",
    "Justification",
    "Shape",
    "Slot",
    "Typed",
    "TypingError",
    "VType",
    "branch_permutation_justified",
    "check",
    "check_block",
    "conforms",
    "coupling_components",
    "interface_of_state",
    "join",
]
