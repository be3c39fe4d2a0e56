"""Automatic proof search: best-first over the derived tactic vocabulary.

A node is a proof state with the tactic script that reached it.  The next node expanded is the
one with the fewest open goals, then the shortest script, then the smallest goals.  From a node
the candidate tactics are: ``intro`` on a ∀/→ goal, ``rfl``, ``assumption``, ``simp`` (also with the
hypotheses), ``constructor`` /
``left`` / ``right``, ``induction`` on a variable of an inductive type the goal mentions,
``rw`` with the equations among the hypotheses (both directions) and with the library's
``@[simp]`` lemmas, and ``apply`` of library theorems whose conclusion has the goal's head.
Each candidate runs on the kernel handler; a success is a complete state whose term the caller
re-checks with the kernel.
"""

from __future__ import annotations

import heapq
import itertools
import time

import attrs

from tactic_mesh.calculus.assembly import ReplayError, replay_from
from tactic_mesh.calculus.machine import Budget, Machine, Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.steppack import CouplingKind, coupling_of
from tactic_mesh.calculus.tactic_block import HANDLERS, compile_tactic, fresh_binder_name, tactic_machine
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.kernel.environment import InductiveInfo, TheoremInfo
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import (
    Binding,
    Const,
    Expr,
    Pi,
    collect_fvars,
    const_name,
    expr_size,
    get_app_fn_args,
)
from tactic_mesh.kernel.printer import Printer

STEP_FUEL = 50_000


@attrs.frozen
class SearchResult:
    state: ProofState | None  # complete, or None when nothing was found
    script: tuple[str, ...]
    expanded: int
    generated: int
    seconds: float
    reason: str = ""  # why the search stopped without a proof
    # what it tried: per tactic (its first word), how often it was tried and how often it applied
    tried: tuple[tuple[str, int, int], ...] = ()
    best_script: tuple[str, ...] = ()  # the furthest it got (fewest goals left): that script …
    best_goals: tuple[str, ...] = ()  # … and the goals it left


def _goal_key(state: ProofState) -> tuple[str, ...]:
    out: list[str] = []
    for ob in state.goals():
        names = {d.fvar: d.user_name for d in ob.local_context}
        p = Printer(state.environment, names, display=True)
        hyps = ", ".join(f"{d.user_name}:{p.print(state.metavar_graph.instantiate(d.type))}" for d in ob.local_context)
        out.append(f"{hyps} ⊢ {p.print(ob.target_type)}")
    return tuple(out)


def _score(state: ProofState, depth: int) -> tuple[int, int, int]:
    size = sum(expr_size(ob.target_type) for ob in state.goals())
    return (len(state.active_obligations), depth, size)


def _solved(state: ProofState) -> bool:
    """Every goal solved — or, in a masked branch, every visible goal."""
    return state.is_complete if not state.masked else not state.focus_goals()


def _independent_goals(state: ProofState) -> bool:
    """Two or more goals in focus, no two of them coupled (no shared metavariable)."""
    goals = state.focus_goals()
    return len(goals) >= 2 and coupling_of(state.metavar_graph, goals).kind is CouplingKind.INDEPENDENT


def _committed(state: ProofState) -> bool:
    """A traced state's last commit is its current context (branches diff against it, so a change
    made since would land in every branch)."""
    return state.trail_start is None or state.trail_base is state.metavar_graph


def bullet(script: tuple[str, ...]) -> list[str]:
    """A branch's script as a bullet block (``·`` focuses the main goal and must solve it)."""
    if not script:
        return []
    return [f"· {script[0]}", *(f"  {line}" for line in script[1:])]


class Searcher:
    def __init__(self, max_nodes: int = 2000, seconds: float = 5.0) -> None:
        self.max_nodes = max_nodes
        self.seconds = seconds
        self.machine: Machine[ProofState] = tactic_machine()

    def search(self, state: ProofState, deadline: float | None = None, max_nodes: int | None = None) -> SearchResult:
        """Best-first search until every visible goal is solved (masked goals are another
        branch's business).  A node whose goals are independent of each other is not expanded
        as a whole: each goal is searched on its own, the others masked (``_split``)."""
        start = time.monotonic()
        deadline = start + self.seconds if deadline is None else deadline
        max_nodes = self.max_nodes if max_nodes is None else max_nodes
        counter = itertools.count()
        queue: list[tuple[tuple[int, int, int], int, ProofState, tuple[str, ...]]] = []
        heapq.heappush(queue, (_score(state, 0), next(counter), state, ()))
        seen = {_goal_key(state)}
        expanded = generated = 0
        tried: dict[str, list[int]] = {}
        best: tuple[tuple[int, int, int], ProofState, tuple[str, ...]] = (_score(state, 0), state, ())

        def stop(reason: str, final: ProofState | None = None, script: tuple[str, ...] = ()) -> SearchResult:
            _, best_state, best_script = best
            return SearchResult(
                final, script, expanded, generated, time.monotonic() - start, reason,
                tuple((k, v[0], v[1]) for k, v in sorted(tried.items())),
                best_script, _goal_key(best_state) if final is None else (),
            )

        while queue:
            if expanded >= max_nodes:
                return stop("node limit reached")
            if time.monotonic() > deadline:
                return stop("time budget exhausted")
            _, _, node, script = heapq.heappop(queue)
            expanded += 1
            if _independent_goals(node) and _committed(node):  # solve each goal on its own, the others masked
                split = self._split(node, deadline, max_nodes - expanded)
                expanded += split.expanded
                generated += split.generated
                if split.state is not None:
                    return stop("", split.state, (*script, *split.script))
                continue  # the goals are independent: one of them cannot be solved (in the budget)
            for tactic in self.candidates(node, script):
                child = self.apply(node, tactic)
                counts = tried.setdefault(tactic.split(" ", 1)[0], [0, 0])
                counts[0] += 1
                if child is None:
                    continue
                counts[1] += 1
                generated += 1
                new_script = (*script, tactic)
                if _solved(child):
                    return stop("", child, new_script)
                key = _goal_key(child)
                if key in seen:
                    continue
                seen.add(key)
                score = _score(child, len(new_script))
                if (score[0], -score[1]) < (best[0][0], -best[0][1]):
                    best = (score, child, new_script)
                heapq.heappush(queue, (score, next(counter), child, new_script))
        return stop("search space exhausted")

    def _split(self, state: ProofState, deadline: float, max_nodes: int) -> SearchResult:
        """Solve independent goals one by one, each in a branch where the others are masked, then
        rebuild the proof by replaying every branch's committed steps in one state with all goals
        visible (the final term is never taken from a masked branch)."""
        base = state if state.trail_start is not None else state.traced()
        branches: list[ProofState] = []
        script: list[str] = []
        expanded = generated = 0
        for goal in base.focus_goals():
            result = self.search(base.masked_to((goal,)), deadline, max_nodes - expanded)
            expanded += result.expanded
            generated += result.generated
            if result.state is None:
                return SearchResult(None, (), expanded, generated, 0.0, result.reason)
            branches.append(result.state)
            script += bullet(result.script)
        commits = (*base.trail, *(c for b in branches for c in b.trail[len(base.trail):]))
        assert base.trail_start is not None
        try:
            replayed = replay_from(base.trail_start, commits)
        except ReplayError as err:
            return SearchResult(None, (), expanded, generated, 0.0, err.message)
        if any(g not in state.masked for g in replayed.goals):  # only goals another branch owns may remain
            return SearchResult(None, (), expanded, generated, 0.0, "the branches leave goals open")
        steps = (*state.steps, *(st for b in branches for st in b.steps[len(state.steps):]))
        traced = state.trail_start is not None
        final = attrs.evolve(
            state, metavar_graph=replayed.mctx, active_obligations=replayed.goals, focus=(), steps=steps,
            trail=commits if traced else (), trail_base=replayed.mctx if traced else None,
            trail_start=base.trail_start if traced else None,
        )
        return SearchResult(final, tuple(script), expanded, generated, 0.0)

    def apply(self, state: ProofState, tactic: str) -> ProofState | None:
        name, _, arg = tactic.partition(" ")
        try:
            program = compile_tactic(TacticCall(name, arg, 1, 1), state)
        except TacticMeshError:
            return None
        self.machine.budget = Budget(fuel=STEP_FUEL)
        result = self.machine.first(program, state, HANDLERS)
        return result.state if isinstance(result, Success) else None

    # -- candidates ------------------------------------------------------------------------------

    def candidates(self, state: ProofState, script: tuple[str, ...] = ()) -> list[str]:
        goals = state.focus_goals()
        if not goals:
            return []
        decl = state.metavar_graph.decl(goals[0])
        target = state.metavar_graph.instantiate(decl.type)
        env = state.environment
        out: list[str] = []
        taken = {d.user_name for d in decl.lctx}
        if isinstance(target, Pi):
            out.append(f"intro {fresh_binder_name(target, taken)}")
            return out  # introducing first loses nothing
        out += ["rfl", "assumption", "simp", "simp [*]"]
        head = const_name(target)
        info = env.find(head) if head else None
        if isinstance(info, InductiveInfo):
            if head == "Or":
                out += ["left", "right"]
            elif len(info.constructors) == 1:
                out.append("constructor")
        # induction on variables the goal mentions
        for d in decl.lctx:
            if d.fvar in _fvars(target):
                ty_head = const_name(state.metavar_graph.instantiate(d.type))
                ind = env.find(ty_head) if ty_head else None
                if isinstance(ind, InductiveInfo) and ind.is_recursive and not ind.num_indices:
                    out.append(f"induction {d.user_name}")
        # case analysis on hypotheses of non-recursive inductive types (∧, ∨, ∃, ↔, False)
        for d in reversed(list(decl.lctx)):
            ty_head = const_name(state.metavar_graph.instantiate(d.type))
            ind = env.find(ty_head) if ty_head else None
            done = f"cases {d.user_name}" in script  # the old hypothesis stays (no `clear`): once is enough
            if isinstance(ind, InductiveInfo) and not ind.is_recursive and not ind.num_indices and ind.num_params \
                    and not done:
                out.append(f"cases {d.user_name}")
        # rewriting with equations among the hypotheses
        for d in reversed(list(decl.lctx)):
            if const_name(state.metavar_graph.instantiate(d.type)) == "Eq":
                out += [f"rw [{d.user_name}]", f"rw [← {d.user_name}]"]
        attrs_ext = env.extension("attributes", {})
        simp = attrs_ext.get("simp", ()) if isinstance(attrs_ext, dict) else ()
        out += [f"rw [{lemma}]" for lemma in simp]
        # library theorems concluding with the goal's head
        if head is not None:
            for name in env.names():
                thm = env.find(name)
                if isinstance(thm, TheoremInfo) and _conclusion_head(thm.type) == head and not name.startswith("_"):
                    out.append(f"apply {name}")
        return out



def _fvars(e: Expr) -> set[object]:
    return set(collect_fvars(e))


def _conclusion_head(t: Expr) -> str | None:
    while isinstance(t, Binding):
        t = t.body
    head = get_app_fn_args(t)[0]
    return head.name if isinstance(head, Const) else None
