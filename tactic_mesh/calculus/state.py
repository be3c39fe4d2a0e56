"""Proof states and obligations (DESIGN §4).

``ProofState`` = ⟨provenance, environment, active obligations, focus, metavariable graph,
constraint store, partial term, options⟩ and ``Obligation`` = ⟨id, local context, target,
local assignments, visibility, provenance reference⟩.  Both are immutable: every step yields a
new state, so checkpoint and rollback are exact.  Goals are synthetic-opaque metavariables of the
kernel's metavariable context; the partial term is the root hole with the assignments made so far.
"""

from __future__ import annotations

import enum
import hashlib
from typing import TYPE_CHECKING

import attrs

from tactic_mesh.calculus.commits import Commit, mctx_changes
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import Expr, MVar
from tactic_mesh.kernel.fingerprint import environment_hash
from tactic_mesh.kernel.local_context import LocalContext
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.version import KERNEL_VERSION as KERNEL_VERSION  # re-exported

if TYPE_CHECKING:
    from tactic_mesh.calculus.steppack import StepPack

@attrs.frozen
class Provenance:
    """What a proof state's meaning depends on; replay requires the critical fields to match."""

    kernel_version: str
    environment_hash: str
    options: tuple[tuple[str, str], ...] = ()

    REPLAY_CRITICAL = ("kernel_version", "environment_hash", "options")

    @staticmethod
    def of(env: Environment, options: tuple[tuple[str, str], ...] = ()) -> Provenance:
        return Provenance(KERNEL_VERSION, environment_hash(env), tuple(sorted(options)))

    def digest(self) -> str:
        text = "\x00".join([self.kernel_version, self.environment_hash, repr(self.options)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def mismatch(self, other: Provenance) -> tuple[str, object, object] | None:
        """The first replay-critical field that differs: (field, expected, found)."""
        for field in self.REPLAY_CRITICAL:
            mine, theirs = getattr(self, field), getattr(other, field)
            if mine != theirs:
                return field, mine, theirs
        return None


class Visibility(enum.Enum):
    VISIBLE = "visible"
    MASKED = "masked"  # hidden by search bookkeeping; final terms are never taken from a masked state


@attrs.frozen
class Obligation:
    obligation_id: str
    mvar: int
    local_context: LocalContext
    target_type: Expr
    local_assignments: tuple[tuple[int, Expr], ...]
    visibility: Visibility
    provenance_ref: str


@attrs.frozen
class ProofState:
    provenance: Provenance
    environment: Environment
    active_obligations: tuple[int, ...]  # goal metavariables, in order
    focus: tuple[int, ...]  # the goals operations act on (a sub-sequence of the active ones)
    metavar_graph: MetavarContext
    partial_term: Expr  # the root hole; instantiate it to see the proof built so far
    options: tuple[tuple[str, str], ...] = ()
    checkpoint: int = 0
    masked: frozenset[int] = frozenset()
    level_params: tuple[str, ...] = ()  # universe parameters of the statement
    saved: tuple[ProofState, ...] = ()  # checkpoints: `Rollback n` restores saved[n] exactly
    steps: tuple[StepPack, ...] = ()  # the StepPacks of the steps taken so far
    # assembly tracking (``calculus.assembly``): the commits since the trace started, and the
    # metavariable context as of the last one (None: not traced).  Not part of equality or codecs.
    trail: tuple[Commit, ...] = attrs.field(default=(), eq=False, repr=False)
    trail_base: MetavarContext | None = attrs.field(default=None, eq=False, repr=False)
    trail_start: ProofState | None = attrs.field(default=None, eq=False, repr=False)

    @staticmethod
    def initial(
        env: Environment,
        statement: Expr,
        options: tuple[tuple[str, str], ...] = (),
        level_params: tuple[str, ...] = (),
    ) -> ProofState:
        """One goal: a proof of ``statement`` (a closed proposition or type)."""
        mctx, root = MetavarContext().declare(statement, LocalContext(), MVarKind.SYNTHETIC_OPAQUE)
        return ProofState(
            provenance=Provenance.of(env, options),
            environment=env,
            active_obligations=(root.id,),
            focus=(root.id,),
            metavar_graph=mctx,
            partial_term=root,
            options=tuple(sorted(options)),
            level_params=level_params,
        )

    @property
    def constraint_store(self) -> tuple[object, ...]:
        """Constraints postponed by unification (universe constraints for now)."""
        return self.metavar_graph.postponed_levels

    def obligation_id(self, mvar: int) -> str:
        return f"cp{self.checkpoint}:{mvar}"

    def obligation(self, mvar: int) -> Obligation:
        decl = self.metavar_graph.decl(mvar)
        return Obligation(
            obligation_id=self.obligation_id(mvar),
            mvar=mvar,
            local_context=decl.lctx,
            target_type=self.metavar_graph.instantiate(decl.type),
            local_assignments=tuple(
                (d.fvar.id, d.value) for d in decl.lctx if d.value is not None
            ),
            visibility=Visibility.MASKED if mvar in self.masked else Visibility.VISIBLE,
            provenance_ref=self.provenance.digest(),
        )

    def goals(self) -> list[Obligation]:
        return [self.obligation(m) for m in self.active_obligations]

    def proof_term(self) -> Expr:
        """The partial term with every assignment substituted (may still contain holes)."""
        return self.metavar_graph.instantiate(self.partial_term)

    def open_holes(self) -> list[MVar]:
        return self.metavar_graph.unassigned_mvars(self.partial_term)

    def progressed_from(self, before: object) -> bool:
        """Did the state change since ``before`` (``scoped "progress"``, Rocq's ``progress``)?  The
        goal list, the proof built so far, or a goal's context or target (after instantiation)
        differs; moving the focus alone is no progress."""
        if not isinstance(before, ProofState):
            return True
        if self.active_obligations != before.active_obligations or self.proof_term() != before.proof_term():
            return True
        new, old = self.metavar_graph, before.metavar_graph
        for g in self.active_obligations:
            a, b = new.decl(g), old.decl(g)
            if new.instantiate(a.type) != old.instantiate(b.type):
                return True
            if [new.instantiate(d.type) for d in a.lctx] != [old.instantiate(d.type) for d in b.lctx]:
                return True
        return False

    @property
    def is_complete(self) -> bool:
        return not self.active_obligations and not self.open_holes()

    # -- focus (the protocol the machine's `focus` uses) -------------------------------------

    def narrow(self, selector: str) -> tuple[ProofState, object] | str:
        """Narrow the focus: ``main`` (the first goal), ``last``, ``all``, a 1-based index, a
        goal id (``cp<k>:<m>``), or a goal tag (``succ``: the first goal tagged so)."""
        goals = self.focus_goals()
        if selector == "all":
            chosen = goals
        elif not goals:
            return "no goals to focus on"
        elif selector in ("main", "first"):
            chosen = goals[:1]
        elif selector == "last":
            chosen = goals[-1:]
        elif selector.isdigit() and 1 <= int(selector) <= len(goals):
            chosen = (goals[int(selector) - 1],)
        elif ":" in selector and any(self.obligation_id(g) == selector for g in goals):
            chosen = tuple(g for g in goals if self.obligation_id(g) == selector)
        elif any(self.tag(g) == selector for g in goals):
            chosen = next((g,) for g in goals if self.tag(g) == selector)
        else:
            return f"no goal '{selector}' among {len(goals)} goal(s)"
        first = goals.index(chosen[0]) if chosen else 0
        before = tuple(g for g in goals[:first] if g not in chosen)
        after = tuple(g for g in goals[first:] if g not in chosen)
        return attrs.evolve(self, focus=chosen), (before, after)

    def widen(self, token: object) -> ProofState:
        """Put the other goals back around the focused one's results, which take its place (as
        Lean's ``focus`` and ``all_goals``: goal order is kept)."""
        assert isinstance(token, tuple) and len(token) == 2
        before, after = token
        alive = set(self.active_obligations)
        inner = tuple(g for g in self.focus if g in alive and g not in before and g not in after)
        return attrs.evolve(self, focus=(*(g for g in before if g in alive), *inner, *(g for g in after if g in alive)))

    def tag(self, goal: int) -> str:
        """The goal's tag (``zero``, ``succ`` after ``induction``; empty when it has none)."""
        return self.metavar_graph.decl(goal).user_name

    def focus_goals(self) -> tuple[int, ...]:
        alive = set(self.active_obligations)
        return tuple(g for g in self.focus if g in alive)

    def traced(self) -> ProofState:
        """This state as the start of an assembly trace: no commits yet, its context the base."""
        start = attrs.evolve(self, trail=(), trail_base=self.metavar_graph, trail_start=None)
        return attrs.evolve(start, trail_start=start)

    def masked_to(self, goals: tuple[int, ...]) -> ProofState:
        """Search bookkeeping: only ``goals`` stay visible (in focus); the other active goals are
        masked.  A masked state's proof term has holes for the masked goals, so a final term is
        never taken from it (``final_proof_term``)."""
        hidden = frozenset(g for g in self.active_obligations if g not in goals)
        return attrs.evolve(self, focus=tuple(g for g in self.focus if g in goals), masked=self.masked | hidden)

    def replace_goal(
        self, goal: int, new_goals: tuple[int, ...], mctx: MetavarContext, step: StepPack | None = None,
        via: str = "",
    ) -> ProofState:
        """``goal`` was assigned; ``new_goals`` take its place, in the agenda and in the focus.
        Goals that unification solved on the way (e.g. ``?b`` of ``Eq.trans``) leave the agenda.
        A single untagged new goal inherits the goal's tag (``intro`` keeps the case's name)."""
        tag = mctx.decl(goal).user_name
        if tag and len(new_goals) == 1 and not mctx.decl(new_goals[0]).user_name:
            mctx = mctx.with_user_name(new_goals[0], tag)

        def splice(goals: tuple[int, ...]) -> tuple[int, ...]:
            out: list[int] = []
            for g in goals:
                if g == goal:
                    out.extend(n for n in new_goals if n not in out)
                elif g not in new_goals:
                    out.append(g)
            return tuple(g for g in out if not mctx.is_assigned(g))

        trail, base = self.trail, self.trail_base
        if step is not None and base is not None:  # a committed step of a traced run
            commit = Commit(goal, tuple(new_goals), tuple(step.delta.closed), via, self.checkpoint,
                            mctx_changes(base, mctx))
            trail, base = (*trail, commit), mctx
        return attrs.evolve(
            self,
            metavar_graph=mctx,
            active_obligations=splice(self.active_obligations),
            focus=splice(self.focus),
            steps=self.steps if step is None else (*self.steps, step),
            trail=trail,
            trail_base=base,
        )
