"""The Lean handler's data: provenance, the proof state it runs on, what a backend reports.

``LeanState`` is the state type ``S`` of the Lean handler (``lean/handler.py``): a proof state of
the Lean side (the REPL's ``proofState`` id, or LeanDojo's tactic-state id) with its goals as Lean
printed them and as we read them back (``lean/goals.py``), the tactic texts that led to it (the
script the final re-check elaborates), the focus, and checkpoints.  It is immutable, and so are
the Lean side's proof states (a REPL proof-state id names one snapshot forever), so ``Checkpoint``
and ``Rollback`` are exact and the machine may backtrack freely.

Goals are named ``VGoal("ps<proof state>:<index>")`` (0-based index into the goal list) — ids are
proof-state-scoped, as the kernel's are checkpoint-scoped; ``VGoal("main")`` is the first goal in
focus.

Focus: a window of consecutive goals (``focus == None``: all of them).  Narrowing picks one goal;
a tactic run on a one-goal window that is not the whole list is sent as ``focus`` (preceded by
``rotate_left k`` and followed by ``rotate_right k`` when the goal is the k-th), so Lean touches
that goal only and its results take its place — exactly the window's growth the state records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from tactic_mesh.calculus.terms import Value, VGoal, VRecord, VStr
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.lean.goals import LeanGoal
from tactic_mesh.version import __version__

HANDLER_VERSION = f"tactic-mesh-lean-handler/{__version__}"


@attrs.frozen
class LeanProvenance:
    """What a Lean proof state's meaning depends on; replay requires every field to match."""

    backend: str  # "lean-repl" | "lean-dojo"
    toolchain: str  # the Lean toolchain (e.g. leanprover/lean4:v4.15.0), "unknown" when not reported
    repl_revision: str  # the REPL's (or LeanDojo's) revision
    header: str  # the command that created the base environment (`import …` / `prelude`)
    handler: str = HANDLER_VERSION
    extra: tuple[tuple[str, str], ...] = ()  # everything else the backend reported

    FIELDS = ("backend", "toolchain", "repl_revision", "header", "handler")

    def record(self) -> VRecord:
        fields = [(f, VStr(getattr(self, f))) for f in self.FIELDS]
        fields += [(k, VStr(v)) for k, v in self.extra if k not in self.FIELDS]
        return VRecord(tuple(fields))


class LeanBackendError(TacticMeshError):
    """The Lean side failed as a process or protocol (``fatal``: it cannot go on — the run must
    stop), or refused one request (not fatal: a timeout, a limit, an answer we cannot use)."""

    def __init__(self, message: str, *, fatal: bool, kind: str = "") -> None:
        super().__init__(message)
        self.fatal = fatal
        self.kind = kind


class LeanStartError(TacticMeshError):
    """The declaration could not be started: no proof state to work on."""


@attrs.frozen
class LeanStep:
    """What the Lean side reports after starting a declaration or running one tactic."""

    proof_state: int
    goals: tuple[str, ...]  # Lean's text of each goal
    status: str | None  # the backend's proof status (REPL: proofStatus), None when it gave none
    completed: bool  # the backend says the proof is complete (REPL: proofStatus == "Completed")
    errors: tuple[str, ...] = ()  # error messages: the step failed
    uses_sorry: bool = False


@attrs.frozen
class Recheck:
    """The whole declaration with the script, elaborated again from scratch by the Lean side."""

    ok: bool
    text: str  # what was elaborated (REPL: the command; LeanDojo: the proof given to check_proof)
    problems: tuple[str, ...] = ()  # errors, sorry warnings, or why it could not run


@attrs.frozen
class LeanVerdict:
    """``proved`` only when the Lean side reported the proof complete *and* the declaration, with
    the script, re-elaborates with no error and no sorry."""

    proved: bool
    reason: str
    declaration: str
    script: tuple[str, ...]
    status: str | None
    recheck: Recheck | None = None

    @property
    def source(self) -> str | None:
        """What the re-check elaborated (the declaration with its tactic proof), if it ran."""
        return self.recheck.text if self.recheck is not None else None


def proof_block(script: Sequence[str]) -> str:
    """``by`` and the script, one tactic per line, each indented by two spaces (a multi-line
    tactic keeps its relative indentation)."""
    lines = [("  " + line if line.strip() else "") for t in script for line in t.strip("\n").split("\n")]
    return "\n".join(["by", *lines])


class LeanBackend(Protocol):
    """The Lean side the handler talks to: the REPL (``handler_repl.ReplBackend``) or LeanDojo
    (``dojo.DojoBackend``).  Process and protocol failures are ``LeanBackendError``."""

    name: str

    def provenance(self) -> LeanProvenance: ...

    def start(self, declaration: str) -> LeanStep: ...

    def run_tactic(self, proof_state: int, tactic: str) -> LeanStep: ...

    def recheck(self, declaration: str, script: Sequence[str]) -> Recheck: ...

    def constant_type(self, name: str) -> str:
        """The type of a constant of the base environment, as Lean prints it (``LeanUnsupported``-
        style ``TacticMeshError`` when unknown; ``LeanBackendError`` when the backend has no
        command mode)."""
        ...


@attrs.frozen
class LeanState:
    provenance: LeanProvenance
    declaration: str  # the statement, `theorem name binders : type` (no `:=`)
    proof_state: int
    goals: tuple[LeanGoal, ...]
    status: str | None = None
    completed: bool = False  # the backend's claim only: `LeanHandler.verify` decides "proved"
    script: tuple[str, ...] = ()  # the tactic texts sent, in order
    focus: tuple[int, int] | None = None  # (start, count) window of goals; None: all
    checkpoint: int = 0
    saved: tuple[LeanState, ...] = ()

    # -- goals ---------------------------------------------------------------------------------

    def goal_id(self, index: int) -> str:
        return f"ps{self.proof_state}:{index}"

    def window(self) -> tuple[int, int]:
        return self.focus if self.focus is not None else (0, len(self.goals))

    def focus_indices(self) -> tuple[int, ...]:
        start, count = self.window()
        return tuple(range(start, start + count))

    def goal_index(self, goal: Value) -> int:
        """The index of a goal named by a ``VGoal`` (``main``: the first in focus)."""
        if not isinstance(goal, VGoal):
            raise TacticMeshError(f"a goal is expected, got {goal!r}")
        gid = goal.id
        focused = self.focus_indices()
        if gid == "main":
            if not focused:
                raise TacticMeshError("no goals")
            return focused[0]
        for i in range(len(self.goals)):
            if self.goal_id(i) == gid:
                return i
        why = ""
        if gid.startswith("ps") and ":" in gid:
            why = f" (goal ids are proof-state-scoped: the current proof state is ps{self.proof_state})"
        raise TacticMeshError(f"unknown goal {gid}{why}")

    @property
    def is_complete(self) -> bool:
        """No goals and the backend reports completion (still not "proved": see ``verify``)."""
        return not self.goals and self.completed

    # -- focus (the machine's protocol) -----------------------------------------------------------

    def narrow(self, selector: str) -> tuple[LeanState, object] | str:
        """``all``, ``main``/``first``, ``last``, a 1-based index into the focus, a goal id, or a
        ``case`` tag."""
        focused = self.focus_indices()
        if selector == "all":
            return self, (self.focus, len(self.goals))
        if not focused:
            return "no goals to focus on"
        chosen: int | None = None
        if selector in ("main", "first"):
            chosen = focused[0]
        elif selector == "last":
            chosen = focused[-1]
        elif selector.isdigit() and 1 <= int(selector) <= len(focused):
            chosen = focused[int(selector) - 1]
        else:
            chosen = next((i for i in focused if self.goal_id(i) == selector), None)
            if chosen is None:
                chosen = next((i for i in focused if self.goals[i].tag == selector), None)
        if chosen is None:
            return f"no goal '{selector}' among {len(focused)} goal(s)"
        return attrs.evolve(self, focus=(chosen, 1)), (self.focus, len(self.goals))

    def widen(self, token: object) -> LeanState:
        """Back to the enclosing window, grown (or shrunk) by the goals the focused run added (or
        closed): those goals stand where the focused one stood."""
        assert isinstance(token, tuple) and len(token) == 2
        outer, total_before = token
        if outer is None:
            return attrs.evolve(self, focus=None)
        assert isinstance(outer, tuple) and isinstance(total_before, int)
        start, count = outer
        return attrs.evolve(self, focus=(start, max(0, count + len(self.goals) - total_before)))

    def progressed_from(self, before: object) -> bool:
        """Lean's notion: the goals (as printed) changed."""
        if not isinstance(before, LeanState):
            return True
        return tuple(g.text for g in self.goals) != tuple(g.text for g in before.goals)
