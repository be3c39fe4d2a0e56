"""Automatic proof search: best-first over the derived tactic vocabulary, driven by a
``SearchPolicy`` (``handlers/policy.py``).

A node is a proof state with the tactic script that reached it; the policy's ``priority`` orders
the open nodes.  Expanding a node runs the policy's candidates for its main goal as the branches of
**one** ``choice[scored]`` program, scored by the policy (each branch ``once`` and with its own
``scoped fuel``, tagged with its index), and every success is a child.  A node whose goals are
independent of each other is not expanded as a whole: each goal is searched on its own, the others
masked, and the proof rebuilt by replaying the branches' commits.  A success is a complete state
whose term the caller (``tactic_mesh.api``) replays and re-checks with the kernel.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Iterator

import attrs

from tactic_mesh.calculus.assembly import ReplayError, replay_from
from tactic_mesh.calculus.machine import Budget, Machine
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.steppack import CouplingKind, coupling_of
from tactic_mesh.calculus.tactics import Candidate, GoalView, compile_tactic
from tactic_mesh.calculus.terms import Choice, Policy, Pure, Scoped, Term, VNum, seq
from tactic_mesh.handlers.blocks import handler_stack, tactic_machine
from tactic_mesh.handlers.policy import HeuristicPolicy, SearchNode, SearchPolicy, Step
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.printer import Printer

STEP_FUEL = 50_000  # machine steps one candidate may take
STEP_SECONDS = 10.0  # wall clock one expansion may take

# told of every candidate the search tried: the node, the candidate, and the child it left (None: it
# did not apply) — how a learner records a search's AND/OR graph (``neural/search_graph.py``)
Observer = Callable[[SearchNode, Candidate, SearchNode | None], None]


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
    path: tuple[Step, ...] = ()  # the proof's steps, each with the state it ran on


def _goal_key(state: ProofState) -> tuple[str, ...]:
    out: list[str] = []
    for ob in state.goals():
        names = {d.fvar: d.user_name for d in ob.local_context}
        p = Printer(state.environment, names, display=True)
        hyps = ", ".join(f"{d.user_name}:{p.print(state.metavar_graph.instantiate(d.type))}" for d in ob.local_context)
        out.append(f"{hyps} ⊢ {p.print(ob.target_type)}")
    return tuple(out)


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


@attrs.define
class _Pending:
    """A node of a lazy search with the candidates it has not tried yet, best-scored first."""

    view: GoalView
    ranked: list[tuple[Candidate, float]]
    cursor: int = 0
    scores: dict[Candidate, float] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.scores = dict(self.ranked)

    def score_of(self, candidate: Candidate) -> float:
        return self.scores[candidate]


class Searcher:
    """Best-first search with a policy (default: ``heuristic``).  ``max_nodes`` bounds the nodes
    expanded, ``seconds`` the wall clock, ``step_seconds`` one expansion; ``observer`` is told of
    every candidate tried (``Observer``).

    With ``lazy=True`` an expansion does not run all of a node's candidates: it runs them in the
    policy's score order until one applies and leaves a state not seen before, queues that child,
    and puts the node back with the priority its next child would have (its scores plus the next
    candidate's score) — the lazy best-first search of a scored policy, where a candidate scored far
    below the others is only run when nothing better is left.  ``max_nodes`` then bounds these
    expansions, each of which runs candidates until one child."""

    def __init__(self, max_nodes: int = 2000, seconds: float = 5.0, policy: SearchPolicy | None = None,
                 step_seconds: float = STEP_SECONDS, observer: Observer | None = None, lazy: bool = False) -> None:
        self.observer = observer
        self.lazy = lazy
        self.max_nodes = max_nodes
        self.seconds = seconds
        self.step_seconds = step_seconds
        self.policy: SearchPolicy = policy if policy is not None else HeuristicPolicy()
        self.machine: Machine[ProofState] = tactic_machine()
        self.handlers = handler_stack()

    def search(self, state: ProofState, deadline: float | None = None, max_nodes: int | None = None) -> SearchResult:
        """Best-first search until every visible goal is solved (masked goals are another
        branch's business).  A node whose goals are independent of each other is not expanded
        as a whole: each goal is searched on its own, the others masked (``_split``)."""
        start = time.monotonic()
        deadline = start + self.seconds if deadline is None else deadline
        max_nodes = self.max_nodes if max_nodes is None else max_nodes
        counter = itertools.count()
        root = SearchNode(state, ())
        queue: list[tuple[tuple[float, ...], int, SearchNode, _Pending | None]] = [
            (self.policy.priority(root), next(counter), root, None)]
        seen = {_goal_key(state)}
        expanded = generated = 0
        tried: dict[str, list[int]] = {}
        best = root  # the furthest it got: fewest goals left, then the longest script

        def stop(reason: str, final: ProofState | None = None, script: tuple[str, ...] = (),
                 path: tuple[Step, ...] = ()) -> SearchResult:
            return SearchResult(
                final, script, expanded, generated, time.monotonic() - start, reason,
                tuple((k, v[0], v[1]) for k, v in sorted(tried.items())),
                best.script, _goal_key(best.state) if final is None else (), path,
            )

        while queue:
            if expanded >= max_nodes:
                return stop("node limit reached")
            if time.monotonic() > deadline:
                return stop("time budget exhausted")
            _, _, node, pending = heapq.heappop(queue)
            expanded += 1
            fresh = pending is None
            if fresh and _independent_goals(node.state) and _committed(node.state):  # each goal alone, others masked
                split = self._split(node.state, deadline, max_nodes - expanded)
                expanded += split.expanded
                generated += split.generated
                if split.state is not None:
                    return stop("", split.state, (*node.script, *split.script), (*node.path, *split.path))
                continue  # the goals are independent: one of them cannot be solved (in the budget)
            seconds = min(self.step_seconds, max(deadline - time.monotonic(), 0.05))
            if self.lazy:
                pending = pending if pending is not None else self._pending(node)
                if pending is None:
                    continue
                expansions: Iterator[tuple[Candidate, ProofState | None]] = self._next_child(node, pending, seconds)
                score_of: Callable[[Candidate], float] = pending.score_of
            else:
                expansions = self.expansions(node, seconds)
                score_of = self._score_on(GoalView.of(node.state, node.script))
            for candidate, child in expansions:  # stops at the first child that is solved
                counts = tried.setdefault(candidate.call.name, [0, 0])
                counts[0] += 1
                if child is None:
                    if self.observer is not None:
                        self.observer(node, candidate, None)
                    continue
                counts[1] += 1
                generated += 1
                new = SearchNode(child, (*node.script, candidate.text), (*node.path, (node.state, candidate.call)),
                                 (*node.scores, score_of(candidate)))
                if self.observer is not None:
                    self.observer(node, candidate, new)
                if _solved(child):
                    return stop("", child, new.script, new.path)
                key = _goal_key(child)
                if key in seen:
                    continue
                seen.add(key)
                if (len(child.active_obligations), -new.depth) < (len(best.state.active_obligations), -best.depth):
                    best = new
                heapq.heappush(queue, (self.policy.priority(new), next(counter), new, None))
                if self.lazy:
                    break  # one new child per lazy expansion
            if pending is not None and pending.cursor < len(pending.ranked):  # the node again, for its next child
                following = attrs.evolve(node, scores=(*node.scores, pending.ranked[pending.cursor][1]))
                heapq.heappush(queue, (self.policy.priority(following), next(counter), node, pending))
        return stop("search space exhausted")

    def _score_on(self, view: GoalView | None) -> Callable[[Candidate], float]:
        def score(candidate: Candidate) -> float:
            assert view is not None
            return self.policy.score(candidate, view)

        return score

    def _pending(self, node: SearchNode) -> _Pending | None:
        view = GoalView.of(node.state, node.script)
        if view is None:
            return None
        candidates = list(self.policy.candidates(view))
        ranked = [(c, self.policy.score(c, view)) for c in candidates]  # right after: a policy may cache scores
        order = sorted(range(len(ranked)), key=lambda i: (-ranked[i][1], i))
        return _Pending(view, [ranked[i] for i in order])

    def _next_child(self, node: SearchNode, pending: _Pending,
                    seconds: float) -> Iterator[tuple[Candidate, ProofState | None]]:
        """A lazy expansion: ``pending``'s next candidates, each run alone, until the caller stops
        (at the first new child)."""
        deadline = time.monotonic() + seconds
        while pending.cursor < len(pending.ranked):
            candidate = pending.ranked[pending.cursor][0]
            pending.cursor += 1
            yield candidate, self._run_one(node.state, candidate, max(deadline - time.monotonic(), 0.05))
            if time.monotonic() > deadline:
                return

    def _run_one(self, state: ProofState, candidate: Candidate, seconds: float) -> ProofState | None:
        """The state ``candidate`` leaves on ``state`` (once, with its own fuel), None when it fails."""
        try:
            program = compile_tactic(candidate.call, state)
        except TacticMeshError:
            return None
        self.machine.budget = Budget(seconds=min(self.step_seconds, seconds))
        branch = seq(Scoped(f"fuel {STEP_FUEL}", Choice(Policy.COMMIT, (program,))), Pure(VNum(0)))
        for result in self.machine.run(branch, state, self.handlers):
            return result.state if isinstance(result, Success) else None
        return None

    def _split(self, state: ProofState, deadline: float, max_nodes: int) -> SearchResult:
        """Solve independent goals one by one, each in a branch where the others are masked, then
        rebuild the proof by replaying every branch's committed steps in one state with all goals
        visible (the final term is never taken from a masked branch)."""
        base = state if state.trail_start is not None else state.traced()
        branches: list[ProofState] = []
        script: list[str] = []
        path: list[Step] = []
        expanded = generated = 0
        for goal in base.focus_goals():
            result = self.search(base.masked_to((goal,)), deadline, max_nodes - expanded)
            expanded += result.expanded
            generated += result.generated
            if result.state is None:
                return SearchResult(None, (), expanded, generated, 0.0, result.reason)
            branches.append(result.state)
            script += bullet(result.script)
            path += result.path
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
        return SearchResult(final, tuple(script), expanded, generated, 0.0, path=tuple(path))

    def expand(self, node: SearchNode, seconds: float | None = None) -> list[tuple[Candidate, ProofState | None]]:
        """Every candidate of the policy on ``node`` with the state it leaves (``None``: it does not
        apply), found by one run of ``choice[scored] {once (fuel N: c₁); pure 0 | …}`` — the
        successes in the order the machine's scored choice ran them (the policy's score), then the
        candidates that failed."""
        return list(self.expansions(node, seconds))

    def expansions(self, node: SearchNode,
                   seconds: float | None = None) -> Iterator[tuple[Candidate, ProofState | None]]:
        """``expand`` lazily: each success as soon as the scored choice produces it, so a caller
        that stops at a solved child does not run the candidates scored below it."""
        view = GoalView.of(node.state, node.script)
        if view is None:
            return
        candidates = list(self.policy.candidates(view))
        branches: list[Term] = []
        index_of: dict[int, int] = {}
        for i, cand in enumerate(candidates):
            try:
                program = compile_tactic(cand.call, node.state)
            except TacticMeshError:
                continue
            branch = seq(Scoped(f"fuel {STEP_FUEL}", Choice(Policy.COMMIT, (program,))), Pure(VNum(i)))
            index_of[id(branch)] = i
            branches.append(branch)
        children: dict[int, ProofState] = {}
        if branches:
            scores = {i: self.policy.score(c, view) for i, c in enumerate(candidates)}

            def scorer(branch: Term, _state: object) -> float:
                return scores[index_of[id(branch)]]

            self.machine.scorers[self.policy.name] = scorer
            self.machine.budget = Budget(seconds=self.step_seconds if seconds is None else seconds)
            program = Choice(Policy.SCORED, tuple(branches), scorer=self.policy.name)
            for result in self.machine.run(program, node.state, self.handlers):
                if not isinstance(result, Success):
                    break
                assert isinstance(result.value, VNum)
                children[result.value.value] = result.state
                yield candidates[result.value.value], result.state
        for i, cand in enumerate(candidates):  # then the candidates that failed
            if i not in children:
                yield cand, None
