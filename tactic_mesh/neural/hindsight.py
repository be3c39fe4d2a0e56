"""Hindsight replay: the sub-goals a search closed — even a search that failed — become training
theorems of their own, each re-checked by the kernel.

A search node ``D`` carries its path, the steps ``(state_i, call_i)`` that reached it.  Step ``i``
acted on the main goal ``g_i`` of ``state_i``; the **subtree** of ``g_i`` is the steps after it that
acted on ``g_i`` or on an obligation a subtree step created.  ``g_i`` is **closed in D** when its
metavariable is fully instantiated in ``D``'s context.  Then

* the statement is ``g_i``'s target closed over its local context (``∀ (h : A) …, T``, the context
  as it was at step ``i``), and the proof is ``g_i``'s term in ``D`` closed over the same context;
* the kernel admits ``proof : statement`` in the theorem's environment (``assembly.kernel_check``,
  which refuses ``sorry``) before the sub-proof is used;
* its training steps are the subtree's steps, each with the size of its own goal's subtree from it:
  the steps left to close the goal it acted on (the progress critic's label).

Only goals whose type mentions no metavariable at step ``i`` are taken (a goal coupled to another
one is not a theorem on its own), and nothing with a ``let`` in its context.  The search's own
proof, when it found one, is the sub-proof of the root goal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from tactic_mesh.calculus.assembly import ReplayError, kernel_check
from tactic_mesh.calculus.tactics import GoalView
from tactic_mesh.handlers.policy import SearchNode, Step
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import BinderInfo, Expr, FVar, MVar, alpha_equiv, mk_lambda, mk_pi
from tactic_mesh.neural.features import canonical_expr, canonical_text, goal_hash
from tactic_mesh.neural.search_graph import step_children


@attrs.frozen
class SubProof:
    goal: str  # the goal's canonical hash
    statement: Expr
    proof: Expr = attrs.field(repr=False)
    steps: tuple[Step, ...] = attrs.field(repr=False)  # the subtree's steps, in order
    follow: tuple[tuple[int, ...], ...]  # per step: the positions in ``steps`` of the steps that closed its goal
    first: int  # the index on the path of the step that opened it (0: the root goal)

    @property
    def remaining(self) -> tuple[int, ...]:
        """Per step: how many steps closed the goal it acted on (itself included)."""
        return tuple(len(f) for f in self.follow)


def subtree(path: Sequence[Step], final_goals: Sequence[int], i: int) -> list[int]:
    """The indices of the steps of ``path`` in the subtree of the goal step ``i`` acted on."""
    goals: set[int] = set()
    out: list[int] = []
    for j in range(i, len(path)):
        state, _ = path[j]
        view = GoalView.of(state)
        if view is None:
            continue
        if j == i:
            goals.add(view.goal)
        if view.goal not in goals:
            continue
        out.append(j)
        after = path[j + 1][0] if j + 1 < len(path) else None
        if after is not None:
            goals.update(step_children(state, after))
        else:
            goals.update(g for g in final_goals if g not in state.active_obligations)
    return out


def _closed(node: SearchNode, i: int) -> SubProof | None:
    state, _ = node.path[i]
    view = GoalView.of(state)
    if view is None or view.target.has_mvar:
        return None
    proof = node.state.metavar_graph.instantiate(MVar(view.goal))
    if proof.has_mvar:
        return None
    binders: list[tuple[str, FVar, Expr, BinderInfo]] = []
    for d in view.hypotheses:
        if d.value is not None or d.type.has_mvar:
            return None
        binders.append((d.user_name, d.fvar, d.type, d.bi))
    final = node.state.active_obligations
    steps = subtree(node.path, final, i)
    position = {j: k for k, j in enumerate(steps)}
    follow = tuple(tuple(position[t] for t in subtree(node.path, final, j)) for j in steps)
    return SubProof(goal_hash(state, view.goal), mk_pi(binders, view.target), mk_lambda(binders, proof),
                    tuple(node.path[j] for j in steps), follow, i)


def root_proof(node: SearchNode) -> SubProof | None:
    """The sub-proof of the root goal in a node that closed it (a search's proof), unchecked."""
    return _closed(node, 0) if node.path else None


def closed_subproofs(node: SearchNode) -> list[SubProof]:
    """Every goal on ``node``'s path that is closed in ``node`` (unchecked)."""
    out = []
    for i in range(len(node.path)):
        sub = _closed(node, i)
        if sub is not None:
            out.append(sub)
    return out


def checked(sub: SubProof, env: Environment, level_params: tuple[str, ...]) -> bool:
    """Whether the kernel admits ``sub.proof : sub.statement`` in ``env``."""
    try:
        kernel_check(env, sub.proof, sub.statement, level_params)
    except (TacticMeshError, ReplayError, RecursionError):
        return False
    return True


def harvest(nodes: Iterable[SearchNode], env: Environment, level_params: tuple[str, ...],
            limit: int = 200) -> list[SubProof]:
    """The kernel-checked closed sub-goals of the nodes a search reached, one per statement (the
    one with the fewest steps), at most ``limit`` kernel checks."""
    buckets: dict[str, list[SubProof]] = {}  # canonical text (coarse: modulo commutativity) → distinct statements
    for node in nodes:
        for sub in closed_subproofs(node):
            bucket = buckets.setdefault(canonical_text(canonical_expr(sub.statement)), [])
            for k, old in enumerate(bucket):
                if alpha_equiv(old.statement, sub.statement):
                    if len(sub.steps) < len(old.steps):
                        bucket[k] = sub
                    break
            else:
                bucket.append(sub)
    best = [sub for bucket in buckets.values() for sub in bucket]
    out = []
    for sub in sorted(best, key=lambda s: (len(s.steps), s.goal)):
        if limit <= 0:
            break
        limit -= 1
        if checked(sub, env, level_params):
            out.append(sub)
    return out
