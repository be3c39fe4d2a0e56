"""Assembly tracking and sequential replay (DESIGN §8).

While tracing is on (``with tracing(): …``), every committed step — a kernel-handler operation
that assigns a goal and records a ``StepPack`` — also records a ``Commit``: the StepPack and the
exact change it made to the metavariable context (new declarations, assignments, delayed
assignments, universe metavariables), as a ``MetavarContext`` holding only the new entries.
Commits live in the proof state (``ProofState.trail``), so backtracking drops the commits of the
branches it abandons; previews (``PreviewAssign``) change no state and record nothing.

``replay(initial, commits)`` rebuilds the proof from a fresh state with every goal visible: it
applies the commits one after the other, without branching, and checks each one (its target is
an open goal; what it declares is new; every value it assigns has the type of its metavariable,
by the checker of the elaboration layer).  Any failure aborts with the step and the reason
(``ReplayError``); nothing is repaired.  The result is the ``ProofAssemblyTrace``: for each step
the goal it targeted (``cp<checkpoint>:<mvar>``), the partial term before and after with its open
holes and their types, the goals opened and closed; and, when every goal is closed, the
completed term — which is then checked by the trusted kernel against the statement.  The final
proof term is only ever taken from such a replay, never from a (possibly masked) search state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import attrs

from tactic_mesh.calculus.commits import Commit, mctx_changes
from tactic_mesh.calculus.state import ProofState, Provenance
from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.declarations import axioms_of
from tactic_mesh.kernel.environment import Environment, TheoremDecl
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr, MVar
from tactic_mesh.kernel.mctx import MetavarContext
from tactic_mesh.kernel.unify import MetaChecker

T = TypeVar("T")
TRACING: ContextVar[bool] = ContextVar("tactic_mesh_tracing", default=False)


@contextmanager
def tracing(on: bool = True) -> Iterator[None]:
    """Record a ``Commit`` for every committed step of the runs inside the block."""
    token = TRACING.set(on)
    try:
        yield
    finally:
        TRACING.reset(token)


Holes = tuple[tuple[int, Expr], ...]  # open goals (metavariable, instantiated type), in agenda order


@attrs.frozen
class AssemblyStep:
    """A step of the assembly: the commit, and the partial term before and after it (open goals
    as metavariables) with the open goals and their types."""

    index: int
    commit: Commit
    before: Expr  # delayed assignments unfolded: the open goals appear as themselves
    after: Expr
    holes_before: Holes
    holes_after: Holes


class ReplayError(TacticMeshError):
    """A replay step failed; ``step`` is its index (``-1``: the end of the replay)."""

    def __init__(self, step: int, reason: str) -> None:
        where = f"replay step {step}" if step >= 0 else "replay"
        super().__init__(f"{where}: {reason}")
        self.step = step
        self.reason = reason


@attrs.frozen
class Replayed:
    steps: tuple[AssemblyStep, ...]
    mctx: MetavarContext
    goals: tuple[int, ...]  # the goals still open at the end
    term: Expr | None  # the completed proof term (None while goals or holes remain)


def _holes(mctx: MetavarContext, goals: Sequence[int]) -> Holes:
    return tuple((g, mctx.instantiate(mctx.decl(g).type)) for g in goals)


def merge_changes(mctx: MetavarContext, changes: MetavarContext) -> MetavarContext:
    """``mctx`` with ``changes`` merged in, unchecked (for views of a trace already replayed)."""
    return MetavarContext(
        decls=mctx.decls.update(changes.decls),
        assignments=mctx.assignments.update(changes.assignments),
        delayed=mctx.delayed.update(changes.delayed),
        level_decls=mctx.level_decls.update(changes.level_decls),
        level_assignments=mctx.level_assignments.update(changes.level_assignments),
        postponed_levels=(*mctx.postponed_levels, *changes.postponed_levels),
    )


KNOWN_OPERATIONS = ("AssignMetavar", "Rewrite", "Rewrite at")  # the operations that commit steps


def _apply(env: Environment, mctx: MetavarContext, changes: MetavarContext, index: int) -> MetavarContext:
    """``mctx`` with ``changes`` merged in, each entry checked (raises ``ReplayError``): new or
    renamed declarations only; assignments through the context's own checks (occurs, scope);
    delayed assignments over the pending hole's variables; universe assignments without cycles;
    then every assigned value must have its metavariable's type."""
    for k, decl in sorted(changes.decls.items()):
        if decl.id != k:
            raise ReplayError(index, f"declaration ?{k} carries the id {decl.id}")
        old = mctx.decls.get(k)
        if old is not None and (old.type != decl.type or old.lctx != decl.lctx or old.kind != decl.kind):
            raise ReplayError(index, f"?{k} is declared again with another type or context")
        mctx = attrs.evolve(mctx, decls=mctx.decls.set(k, decl))
    for k in sorted(changes.level_decls):
        if k in mctx.level_decls:
            raise ReplayError(index, f"universe metavariable ?u{k} is declared twice")
        mctx = attrs.evolve(mctx, level_decls=mctx.level_decls.set(k, True))
    for k, level in sorted(changes.level_assignments.items()):
        if k not in mctx.level_decls:
            raise ReplayError(index, f"assignment of the undeclared universe metavariable ?u{k}")
        if k in mctx.level_assignments:
            raise ReplayError(index, f"universe metavariable ?u{k} is assigned twice")
        if lv.occurs(lv.LMVar(k), mctx.instantiate_level(level)):
            raise ReplayError(index, f"cyclic assignment of the universe metavariable ?u{k}")
        mctx = attrs.evolve(mctx, level_assignments=mctx.level_assignments.set(k, level))
    for k, delayed in sorted(changes.delayed.items()):
        if k not in mctx.decls or delayed.pending not in mctx.decls or delayed.pending == k:
            raise ReplayError(index, f"delayed assignment of ?{k} mentions an undeclared metavariable or itself")
        if mctx.is_assigned(k):
            raise ReplayError(index, f"?{k} is assigned twice")
        if any(f not in mctx.decl(delayed.pending).lctx for f in delayed.fvars):
            raise ReplayError(index, f"delayed assignment of ?{k}: a variable is not in the pending hole's context")
        mctx = mctx.assign_delayed(MVar(k), delayed.fvars, MVar(delayed.pending))
    for k, value in sorted(changes.assignments.items()):
        if k not in mctx.decls:
            raise ReplayError(index, f"assignment of the undeclared metavariable ?{k}")
        try:
            mctx = mctx.assign(MVar(k), value)
        except TacticMeshError as err:
            raise ReplayError(index, err.message) from None
    mctx = attrs.evolve(mctx, postponed_levels=(*mctx.postponed_levels, *changes.postponed_levels))
    for k, value in sorted(changes.assignments.items()):  # every value has its metavariable's type
        decl = mctx.decl(k)
        checker = MetaChecker(env, mctx, decl.lctx)
        try:
            found = checker.infer(value)
            ok = checker.is_def_eq(found, decl.type)
        except TacticMeshError as err:
            raise ReplayError(index, f"the value of ?{k} does not type-check: {err.message}") from None
        if not ok:
            raise ReplayError(index, f"the value of ?{k} does not have the type of ?{k}")
    return mctx


def replay(env: Environment, root: int, mctx: MetavarContext, goals: Sequence[int],
           commits: Sequence[Commit], checkpoint: int = 0) -> Replayed:
    """Apply ``commits`` in order from the context ``mctx`` whose open goals are ``goals`` (all
    visible), checking each; ``root`` is the metavariable the proof term is the value of, and
    ``checkpoint`` the checkpoint the replay starts at."""
    try:
        return _replay(env, root, mctx, goals, commits, checkpoint)
    except RecursionError:
        raise ReplayError(-1, "a term of the trace is nested too deeply (or cyclic)") from None


def _replay(env: Environment, root: int, mctx: MetavarContext, goals: Sequence[int],
            commits: Sequence[Commit], checkpoint: int) -> Replayed:
    agenda = list(goals)
    steps: list[AssemblyStep] = []
    for i, commit in enumerate(commits):
        parent, opened = commit.parent, commit.opened
        if parent not in agenda:
            raise ReplayError(i, f"its target ?{parent} is not an open goal of the replay")
        if parent not in commit.changes.assignments and parent not in commit.changes.delayed:
            raise ReplayError(i, f"it does not assign its target ?{parent}")
        if commit.closed != (parent,):
            raise ReplayError(i, f"it records closing {list(commit.closed)}, but a step closes its target ?{parent}")
        if commit.via not in KNOWN_OPERATIONS:
            raise ReplayError(i, f"unknown committing operation {commit.via!r}")
        if commit.checkpoint < checkpoint:
            raise ReplayError(i, f"its checkpoint cp{commit.checkpoint} is earlier than cp{checkpoint}")
        checkpoint = commit.checkpoint
        before = mctx.instantiate(MVar(root), eager_delayed=True)
        holes_before = _holes(mctx, agenda)
        mctx = _apply(env, mctx, commit.changes, i)
        for o in opened:
            if o not in mctx.decls:
                raise ReplayError(i, f"it opens the undeclared goal ?{o}")
            if o in agenda or mctx.is_assigned(o):
                raise ReplayError(i, f"it opens ?{o}, which is not a new open goal")
        spliced: list[int] = []
        for g in agenda:
            if g == parent:
                spliced.extend(o for o in opened if o not in spliced)
            elif g not in opened:
                spliced.append(g)
        agenda = [g for g in spliced if not mctx.is_assigned(g)]
        after = mctx.instantiate(MVar(root), eager_delayed=True)
        steps.append(AssemblyStep(i, commit, before, after, holes_before, _holes(mctx, agenda)))
    final = mctx.instantiate(MVar(root))
    term = None if agenda or final.has_mvar else final
    return Replayed(tuple(steps), mctx, tuple(agenda), term)


@attrs.frozen
class ProofAssemblyTrace:
    """How a proof term was assembled (``*_assembly.json.gz``): the theorem, its statement, the
    state the trace starts from, the steps, and the completed term (None while goals remain).
    ``source`` says how to rebuild the environment for a replay (``("files", …)``, ``("before",
    name)``, ``("library", …)``)."""

    theorem: str
    statement: Expr
    level_params: tuple[str, ...]
    initial: ProofState
    steps: tuple[AssemblyStep, ...]
    proof_term: Expr | None
    source: tuple[tuple[str, str], ...] = ()

    @property
    def provenance(self) -> Provenance:
        return self.initial.provenance

    @property
    def commits(self) -> tuple[Commit, ...]:
        return tuple(s.commit for s in self.steps)


ASSEMBLY_SINK: ContextVar[Callable[[ProofAssemblyTrace], None] | None] = ContextVar("tactic_mesh_assembly_sink",
                                                                                    default=None)


def root_of(state: ProofState) -> int:
    root = state.partial_term
    if not isinstance(root, MVar):
        raise ReplayError(-1, "the trace does not start from a fresh state (its partial term is not a hole)")
    return root.id


def replay_from(initial: ProofState, commits: Sequence[Commit]) -> Replayed:
    """``replay`` from a state: every active goal visible, whatever the state masked."""
    return replay(initial.environment, root_of(initial), initial.metavar_graph, initial.active_obligations, commits,
                  initial.checkpoint)


def assemble(final: ProofState, theorem: str = "", source: tuple[tuple[str, str], ...] = ()) -> ProofAssemblyTrace:
    """The assembly trace of a traced run that ended in ``final``: its commits replayed from the
    state the trace started from; a completed term is checked by the kernel.  The result is
    handed to the ``ASSEMBLY_SINK`` when one is set."""
    start = final.trail_start
    if start is None:
        raise ReplayError(-1, "the run was not traced (``with tracing():``)")
    replayed = replay_from(start, final.trail)
    statement = start.metavar_graph.decl(root_of(start)).type
    if replayed.term is not None:
        try:
            kernel_check(start.environment, replayed.term, statement, start.level_params)
        except ReplayError:
            raise
        except TacticMeshError as err:
            raise ReplayError(-1, f"the kernel rejects the replayed term: {err.message}") from None
    trace = ProofAssemblyTrace(theorem, statement, start.level_params, start, replayed.steps, replayed.term, source)
    sink = ASSEMBLY_SINK.get()
    if sink is not None:
        sink(trace)
    return trace


def final_proof_term(state: ProofState) -> Expr:
    """The proof term of a finished state, never of a masked one: a masked state leaves holes (or
    placeholders) for the goals it hid; its commits must be replayed (``assemble``) instead."""
    if state.masked:
        raise ReplayError(-1, f"a final proof term is never taken from a masked state ({len(state.masked)} goal(s) "
                              "masked): replay the committed steps in a fresh state")
    if not state.is_complete:
        raise ReplayError(-1, "the proof is not complete")
    return state.proof_term()


PROOF_NAME = "_replayed_proof"


def kernel_check(env: Environment, term: Expr, statement: Expr, level_params: tuple[str, ...]) -> tuple[str, ...]:
    """The trusted check of a replayed term: the kernel admits ``term : statement`` as a theorem
    (so the statement must be a well-typed proposition or type, and the universe parameters
    right); the axioms it depends on are returned.  A proof that rests on ``sorryAx`` is refused
    (raises ``ReplayError``); the kernel's own errors are raised as they are."""
    extended = add_decl(env, TheoremDecl(PROOF_NAME, level_params, statement, term))
    axioms = axioms_of(extended, PROOF_NAME)
    if "sorryAx" in axioms:
        raise ReplayError(-1, "the proof rests on sorry (sorryAx): it is not a proof")
    return axioms


__all__ = [
    "ASSEMBLY_SINK", "TRACING", "AssemblyStep", "Commit", "Holes", "ProofAssemblyTrace", "ReplayError", "Replayed",
    "assemble", "final_proof_term", "kernel_check", "mctx_changes", "merge_changes", "replay", "replay_from", "tracing",
]
