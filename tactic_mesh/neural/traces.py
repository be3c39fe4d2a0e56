"""What the learners learn from: checked steps, each a proof state with the tactic run on it.

Two sources, both kernel-checked:

* **the library's proofs** (``library_theorems``): every theorem of a library is checked again
  with a step observer (``handlers.blocks.STEP_OBSERVER``), which records each tactic of its
  ``by`` block — inside bullets and alternatives too — with the state it ran on.  A theorem is
  kept with the environment it was checked in (everything declared before it), its statement and
  its steps; a theorem proved by a term has no steps.
* **searches** of a theorem's statement in that environment (``neural/iteration.py``): the steps
  of a proof are kept only after the kernel admitted it, those of a closed sub-goal only after the
  kernel re-checked it as a theorem of its own (``neural/hindsight.py``).
"""

from __future__ import annotations

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.handlers.blocks import STEP_OBSERVER, prove_by_block
from tactic_mesh.handlers.policy import Step
from tactic_mesh.kernel.commands import CommandResult, FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment, TheoremInfo
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.proofs.library import library_sources


@attrs.frozen
class LibraryTheorem:
    name: str
    statement: Expr
    level_params: tuple[str, ...]
    environment: Environment = attrs.field(repr=False, eq=False)  # everything declared before it
    steps: tuple[Step, ...] = attrs.field(repr=False, eq=False)  # its by-block's tactics, in order
    file: str = ""


def library_theorems(library: str = "all") -> list[LibraryTheorem]:
    """The theorems of ``library`` in declaration order, each with the steps of its proof."""
    checker = FileChecker(prelude(), tactic_runner=prove_by_block)
    out: list[LibraryTheorem] = []
    pending: list[Step] = []
    before = [checker.env]

    def observe(state: ProofState, call: TacticCall, _after: ProofState) -> None:
        pending.append((state, call))

    def on_result(r: CommandResult, file: str) -> None:
        info = checker.env.find(r.name) if r.ok else None
        if r.kind == "theorem" and isinstance(info, TheoremInfo):
            out.append(LibraryTheorem(r.name, info.type, tuple(info.level_params), before[0], tuple(pending), file))
        pending.clear()
        before[0] = checker.env

    token = STEP_OBSERVER.set(observe)
    try:
        for name, text in library_sources(library)[1:]:
            run_deep(checker.check_text, text, f"<library>/{name}", None,
                     lambda r, name=name: on_result(r, name))
    finally:
        STEP_OBSERVER.reset(token)
    return out
