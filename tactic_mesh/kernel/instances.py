"""Type class resolution: instance problems are solved as soon as their class arguments are
known, by a depth-limited search over local instances (innermost first) and global instances
(newest first); an instance argument that unification assigned is checked against the one the
search finds."""

from __future__ import annotations

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.elab_core import NOWHERE, ElabCore, classes, instances
from tactic_mesh.kernel.expr import App, BinderInfo, Const, Expr, MVar, Pi, const_name, instantiate1
from tactic_mesh.kernel.mctx import MVarKind
from tactic_mesh.kernel.syntax import Pos

MAX_INSTANCE_DEPTH = 16


class InstanceSynthesis(ElabCore):
    def ensure_has_type(self, e: Expr, expected: Expr | None, pos: Pos) -> Expr:
        if expected is None:
            return e
        actual = self.infer(e)
        if self.is_def_eq(actual, expected):
            return e
        self.synthesize_pending()
        if self.is_def_eq(actual, expected):
            return e
        raise self.error(
            f"type mismatch: {self.show(e)} has type {self.show(actual)} "
            f"but is expected to have type {self.show(expected)}",
            pos,
        )

    def synthesize_pending(self, ready_only: bool = False) -> None:
        progress = True
        while progress:
            progress = False
            remaining: list[tuple[MVar, Pos]] = []
            for m, pos in self.pending_instances:
                if self.mctx.is_assigned(m):
                    self.check_assigned_instance(m, pos)
                    continue
                goal = self.instantiate(self.mctx.decl(m).type)
                if goal.has_mvar:
                    remaining.append((m, pos))
                    continue
                found = self.synth_instance(goal, MAX_INSTANCE_DEPTH)
                if found is None:
                    raise self.error(f"failed to synthesize instance {self.show(goal)}", pos)
                self.tc.assign(m, found)
                progress = True
            self.pending_instances = remaining
        if not ready_only:
            for a, b in self.tc.solve_postponed_levels():
                if not (lv.has_mvar(a) or lv.has_mvar(b)):
                    raise self.error(f"universe level mismatch: {a} ≠ {b}", NOWHERE)
            for m, pos in self.pending_instances:
                goal = self.instantiate(self.mctx.decl(m).type)
                raise self.error(
                    f"typeclass instance problem is stuck: {self.show(goal)} (add a type ascription)", pos
                )

    def check_assigned_instance(self, m: MVar, pos: Pos) -> None:
        """An instance argument fixed by unification must be the instance the search finds."""
        value = self.instantiate(m)
        goal = self.instantiate(self.mctx.decl(m).type)
        if value.has_mvar or goal.has_mvar:
            return
        found = self.synth_instance(goal, MAX_INSTANCE_DEPTH)
        if found is None or not self.is_def_eq(found, value):
            raise self.error(
                f"the instance {self.show(value)} fixed by unification is not the one type class "
                f"resolution finds for {self.show(goal)}",
                pos,
            )

    def synth_instance(self, goal: Expr, depth: int) -> Expr | None:
        if depth <= 0:
            return None
        goal = self.instantiate(goal)
        cls = const_name(self.whnf(goal) if const_name(goal) not in classes(self.env) else goal)
        candidates: list[Expr] = []
        for decl in reversed(self.lctx):
            if const_name(self.instantiate(decl.type)) == cls:
                candidates.append(decl.fvar)
        for inst_name, inst_cls in reversed(instances(self.env)):
            if inst_cls == cls:
                info = self.env.find(inst_name)
                if info is not None:
                    candidates.append(Const(inst_name, tuple(self.new_level_mvar() for _ in info.level_params)))
        for cand in candidates:
            saved = self.tc.mctx
            result = self._try_instance(cand, goal, depth)
            if result is not None:
                return result
            self.tc._restore(saved)
        return None

    def _try_instance(self, cand: Expr, goal: Expr, depth: int) -> Expr | None:
        t = self.infer(cand)
        value = cand
        subgoals: list[MVar] = []
        while True:
            t = t if isinstance(t, Pi) else self.whnf(t)
            if not isinstance(t, Pi):
                break
            m = self.new_mvar(t.type, MVarKind.NATURAL)
            if t.bi is BinderInfo.INST_IMPLICIT:
                subgoals.append(m)
            value = App(value, m)
            t = instantiate1(t.body, m)
        if not self.is_def_eq(t, goal):
            return None
        for sub in subgoals:
            sub_goal = self.instantiate(self.mctx.decl(sub).type)
            found = self.synth_instance(sub_goal, depth - 1)
            if found is None or not self.is_def_eq(sub, found):
                return None
        value = self.instantiate(value)
        return None if value.has_mvar else value


