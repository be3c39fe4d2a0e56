"""The kernel handler: the effect signature interpreted over ``ProofState`` with the embedded engine.

Goals are named by ``VGoal``: ``VGoal("main")`` is the first goal in focus, ``VGoal("cp<k>:<m>")``
a goal by its checkpoint-scoped id (an id of another checkpoint is refused).  Every operation of
the signature is implemented here except ``Backtrack``, ``Cut`` and ``ConsumeFuel``, which the
machine interprets: inspection, ``FreshMetavar``/``SpawnObligations``/``AssignMetavar``/
``RegisterResidualBuilder`` (goal-closing steps record a StepPack), ``Elaborate`` (a surface term
in a goal's context), ``Rewrite`` (motive abstraction, ``Eq.mpr``; premises of conditional
equations become goals), ``Unify``, ``Normalize``, ``SynthesizeInstance``, ``CheckWitness`` (the
trusted kernel), ``Checkpoint``/``Rollback`` (exact: states are persistent), and provenance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from tactic_mesh.calculus.goals import goal_elaborator, goal_mvar, show_in_goal
from tactic_mesh.calculus.outcomes import ReplayIncompatible
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.steppack import make_step
from tactic_mesh.calculus.terms import (
    Value,
    VExpr,
    VGoal,
    VList,
    VName,
    VNum,
    VRecord,
    VStr,
    VSurface,
    VUnit,
)
from tactic_mesh.handlers.protocol import Forward, HandlerResult, Raise
from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import (
    App,
    BVar,
    Const,
    Expr,
    FVar,
    Lam,
    MVar,
    Pi,
    Sort,
    expr_size,
    get_app_fn_args,
    instantiate1,
    kabstract,
    lift_loose_bvars,
    mk_app,
    replace,
    subterms,
)
from tactic_mesh.kernel.local_context import LocalDecl
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.reduce import normalize
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.kernel.typechecker import TypeChecker
from tactic_mesh.kernel.unify import MetaChecker


class KernelHandler:
    name = "kernel"

    def operation(self, name: str, operands: Sequence[Value], state: ProofState) -> HandlerResult[ProofState]:
        method = getattr(self, f"op_{name}", None)
        if method is None:
            return Forward()
        try:
            result: HandlerResult[ProofState] = method(state, *operands)
        except TacticMeshError as err:
            return Raise(VStr(err.message))
        except TypeError as err:  # wrong operand sorts
            return Raise(VStr(f"{name}: bad operands ({err})"))
        return result

    def foreign(self, symbol: str, payload: Value, state: ProofState) -> HandlerResult[ProofState]:
        return Forward()

    # -- helpers -------------------------------------------------------------------------------

    # -- inspection ----------------------------------------------------------------------------

    def op_ViewActiveObligations(self, state: ProofState) -> HandlerResult[ProofState]:
        return VList(tuple(VGoal(state.obligation_id(m)) for m in state.focus_goals())), state

    def op_ReadObligation(self, state: ProofState, goal: Value) -> HandlerResult[ProofState]:
        m = goal_mvar(state, goal)
        ob = state.obligation(m)
        record = VRecord((
            ("id", VGoal(ob.obligation_id)),
            ("target", VExpr(ob.target_type)),
            ("visibility", VStr(ob.visibility.value)),
            ("hypotheses", VNum(len(ob.local_context))),
        ))
        return record, state

    def op_ReadLocalContext(self, state: ProofState, goal: Value) -> HandlerResult[ProofState]:
        m = goal_mvar(state, goal)
        lctx = state.metavar_graph.decl(m).lctx
        hyps = tuple(
            VRecord((("name", VName(d.user_name)), ("type", VExpr(state.metavar_graph.instantiate(d.type)))))
            for d in lctx
        )
        return VList(hyps), state

    def op_ReadMetavarGraph(self, state: ProofState) -> HandlerResult[ProofState]:
        graph = state.metavar_graph.dependency_graph(state.active_obligations)
        edges = tuple(
            (state.obligation_id(g), VList(tuple(VNum(d) for d in sorted(deps)))) for g, deps in graph.items()
        )
        return VRecord(edges), state

    def op_ReadConstraintStore(self, state: ProofState) -> HandlerResult[ProofState]:
        items = tuple(VStr(f"{a} = {b}") for a, b in state.metavar_graph.postponed_levels)
        return VList(items), state

    def op_ReadEnvironment(self, state: ProofState, name: Value) -> HandlerResult[ProofState]:
        if not isinstance(name, VName):
            return Raise(VStr("ReadEnvironment: a name is expected"))
        info = state.environment.find(name.name)
        if info is None:
            return Raise(VStr(f"unknown constant '{name.name}'"))
        return VRecord((("name", VName(info.name)), ("type", VExpr(info.type)))), state

    # -- elaboration and kernel ----------------------------------------------------------------

    def op_Elaborate(self, state: ProofState, surface: Value, goal: Value) -> HandlerResult[ProofState]:
        """A surface term in the context of ``goal``, against its target (``VUnit``: the main goal's
        context, no expected type)."""
        if not isinstance(surface, VSurface):
            return Raise(VStr("Elaborate: a surface term is expected"))
        m = goal_mvar(state, goal if isinstance(goal, VGoal) else VGoal("main"))
        el = goal_elaborator(state, m)
        expected = state.metavar_graph.decl(m).type if isinstance(goal, VGoal) else None
        e = el.elab(parse_term(surface.text, "<tactic>"), expected)
        el.synthesize_pending()
        return VExpr(el.instantiate(e)), attrs.evolve(state, metavar_graph=el.mctx)

    def op_AssignMetavar(
        self, state: ProofState, goal: Value, value: Value, mode: Value | None = None
    ) -> HandlerResult[ProofState]:
        """Close ``goal`` with a term; its unassigned ``?_`` holes become new goals in its place.
        Other holes (``_``, implicit arguments) must be solved by unification — except in mode
        ``VStr("apply")``, where they become goals too, after the others (as Lean's ``apply``)."""
        if not isinstance(value, VExpr):
            return Raise(VStr("AssignMetavar: a term is expected"))
        m = goal_mvar(state, goal)
        decl = state.metavar_graph.decl(m)
        checker = MetaChecker(state.environment, state.metavar_graph, decl.lctx)
        term = state.metavar_graph.instantiate(value.expr)
        actual = checker.infer(term)
        if not checker.is_def_eq(actual, decl.type):
            return Raise(VStr(
                f"type mismatch: the term has type {show_in_goal(state, m, actual)} but the goal is "
                f"{show_in_goal(state, m, decl.type)}"
            ))
        mctx: MetavarContext = checker.mctx.assign(MVar(m), term)
        holes = mctx.unassigned_mvars(term)
        natural = [h for h in holes if mctx.decl(h).kind is MVarKind.NATURAL]
        if natural and not (isinstance(mode, VStr) and mode.value == "apply"):
            return Raise(VStr(f"could not determine {len(natural)} part(s) of the term (unsolved `_`)"))
        others = [h for h in holes if h not in natural]
        children = tuple(h.id for h in [*others, *natural])
        step = make_step(state.metavar_graph, mctx, m, term, children)
        return VUnit(), state.replace_goal(m, children, mctx, step, via="AssignMetavar")

    def op_PreviewAssign(
        self, state: ProofState, goal: Value, value: Value, mode: Value | None = None
    ) -> HandlerResult[ProofState]:
        """``AssignMetavar`` without committing: ``{opens: [goal…], targets: [type…], arity: n}``
        for the goals it would open, and the state unchanged (so nothing is traced)."""
        result = self.op_AssignMetavar(state, goal, value, mode)
        if not isinstance(result, tuple):
            return result
        _, after = result
        step = after.steps[-1]
        opens = VList(tuple(VGoal(after.obligation_id(c)) for c in step.delta.opened))
        targets = VList(tuple(VExpr(t) for _, t in step.child_interface))
        return VRecord((("opens", opens), ("targets", targets), ("arity", VNum(len(step.delta.opened))))), state

    def op_Rewrite(
        self, state: ProofState, goal: Value, proof: Value, direction: Value, at: Value | None = None
    ) -> HandlerResult[ProofState]:
        """Rewrite the goal with an equation ``h : a = b`` (or ``∀ xs, a = b``; ``<-``: right to left;
        a direction ending in `` ordered``: a permutation lemma such as ``a + b = b + a`` is used only
        where the instance of ``b`` is smaller than that of ``a`` in a fixed term order, so it cannot
        loop):
        the first instance of ``a`` fixes the variables, every occurrence of it is abstracted into a
        motive, and the goal becomes ``P b`` with ``Eq.mpr (congrArg motive h) ?new : P a``.
        With ``at`` (a hypothesis name) the hypothesis is rewritten instead: a new hypothesis of the
        same name, ``Eq.mp (congrArg motive h) old : P b``, shadows the old one."""
        if not isinstance(proof, VExpr):
            return Raise(VStr("Rewrite: an equation proof is expected"))
        m = goal_mvar(state, goal)
        decl = state.metavar_graph.decl(m)
        checker = MetaChecker(state.environment, state.metavar_graph, decl.lctx)
        h = state.metavar_graph.instantiate(proof.expr)
        eq_type = checker.whnf(checker.infer(h))
        holes: list[int] = []
        while isinstance(eq_type, Pi):  # instantiate the lemma's variables (and premises) with holes
            mctx, hole = checker.mctx.declare(eq_type.type, decl.lctx)
            checker._set_mctx(mctx)
            holes.append(hole.id)
            h = App(h, hole)
            eq_type = checker.whnf(instantiate1(eq_type.body, hole))
        head, eq_args = get_app_fn_args(eq_type)
        if not (isinstance(head, Const) and head.name == "Eq" and len(eq_args) == 3):
            return Raise(VStr(f"Rewrite: not an equation: {show_in_goal(state, m, eq_type)}"))
        ty, lhs, rhs = eq_args
        ordered = isinstance(direction, VStr) and direction.value.endswith(" ordered")
        if isinstance(direction, VStr) and direction.value.startswith("<-"):
            lhs, rhs = rhs, lhs
            h = mk_app(Const("Eq.symm", head.levels), ty, rhs, lhs, h)
        hyp = None
        if isinstance(at, VName):
            hyp = decl.lctx.find_by_name(at.name)
            if hyp is None:
                return Raise(VStr(f"Rewrite: unknown hypothesis '{at.name}'"))
        target = checker.mctx.instantiate(decl.type if hyp is None else hyp.type)
        permutation = ordered and _is_permutation(checker.mctx.instantiate(lhs), checker.mctx.instantiate(rhs), holes)
        instance = _first_instance(checker, target, lhs, rhs, _decreases if permutation else None)
        if instance is None:
            return Raise(VStr(
                f"Rewrite: did not find an instance of {show_in_goal(state, m, lhs)} "
                f"in {show_in_goal(state, m, target)}"
            ))
        pattern = checker.mctx.instantiate(instance)
        body = kabstract(checker.mctx.instantiate(target), [pattern])
        ty = checker.mctx.instantiate(ty)
        motive = Lam("x", ty, body)
        new_target = instantiate1(body, checker.mctx.instantiate(rhs))
        target_sort = checker.ensure_sort(checker.infer(target)).level
        congr = mk_app(Const("congrArg", (*head.levels, lv.LSucc(target_sort))), ty, Sort(target_sort), pattern,
                       checker.mctx.instantiate(rhs), motive, checker.mctx.instantiate(h))
        # premises of a conditional equation that matching did not determine become goals after
        # the rewritten one, as in Lean (`rw [h]` with `h : p → a = b` leaves `p` to prove)
        premises = tuple(x for x in holes if not checker.mctx.is_assigned(x))
        if hyp is not None:
            return self._rewrite_hypothesis(state, m, checker.mctx, hyp, target, new_target, target_sort, congr,
                                            premises)
        mctx, new_goal = checker.mctx.declare(new_target, decl.lctx, MVarKind.SYNTHETIC_OPAQUE)
        term = mk_app(Const("Eq.mpr", (target_sort,)), target, new_target, congr, new_goal)
        term = mctx.instantiate(term)
        mctx = mctx.assign(MVar(m), term)
        children = (new_goal.id, *premises)
        step = make_step(state.metavar_graph, mctx, m, term, children)
        return VGoal(state.obligation_id(new_goal.id)), state.replace_goal(m, children, mctx, step, via="Rewrite")

    # -- construction --------------------------------------------------------------------------

    def op_FreshMetavar(self, state: ProofState, ty: Value, name: Value | None = None) -> HandlerResult[ProofState]:
        """A new hole of type ``ty`` in the main goal's context (not yet a goal: see
        ``SpawnObligations``)."""
        if not isinstance(ty, VExpr):
            return Raise(VStr("FreshMetavar: a type is expected"))
        lctx = state.metavar_graph.decl(goal_mvar(state, VGoal("main"))).lctx
        user = name.name if isinstance(name, VName) else ""
        mctx, hole = state.metavar_graph.declare(ty.expr, lctx, MVarKind.SYNTHETIC_OPAQUE, user)
        return VExpr(hole), attrs.evolve(state, metavar_graph=mctx)

    def op_SpawnObligations(self, state: ProofState, holes: Value) -> HandlerResult[ProofState]:
        """Make unassigned holes active goals (after the current ones); returns their goal ids."""
        items = holes.items if isinstance(holes, VList) else (holes,)
        new: list[int] = []
        for item in items:
            if not isinstance(item, VExpr) or not isinstance(item.expr, MVar):
                return Raise(VStr("SpawnObligations: holes (metavariables) are expected"))
            m = item.expr.id
            if state.metavar_graph.is_assigned(m):
                return Raise(VStr(f"SpawnObligations: ?m{m} is already assigned"))
            if m not in state.active_obligations and m not in new:
                new.append(m)
        spawned = attrs.evolve(
            state,
            active_obligations=(*state.active_obligations, *new),
            focus=(*state.focus, *new),
        )
        return VList(tuple(VGoal(spawned.obligation_id(m)) for m in new)), spawned

    def op_RegisterResidualBuilder(self, state: ProofState, record: Value) -> HandlerResult[ProofState]:
        """Record how a goal is built from children: ``{goal, term}`` (the term's holes are the
        children).  The goal is assigned and the children replace it, as ``AssignMetavar`` does."""
        if not isinstance(record, VRecord):
            return Raise(VStr("RegisterResidualBuilder: a record {goal, term} is expected"))
        goal, term = record.get("goal"), record.get("term")
        if goal is None or term is None:
            return Raise(VStr("RegisterResidualBuilder: the record needs `goal` and `term`"))
        return self.op_AssignMetavar(state, goal, term, VStr("apply"))

    def op_SynthesizeInstance(self, state: ProofState, cls: Value) -> HandlerResult[ProofState]:
        """Type class resolution in the main goal's context."""
        if not isinstance(cls, VExpr):
            return Raise(VStr("SynthesizeInstance: a class type is expected"))
        el = goal_elaborator(state, goal_mvar(state, VGoal("main")))
        found = el.synth_instance(state.metavar_graph.instantiate(cls.expr), 16)
        if found is None:
            return Raise(VStr(f"failed to synthesize instance {el.show(cls.expr)}"))
        return VExpr(found), attrs.evolve(state, metavar_graph=el.mctx)

    def _rewrite_hypothesis(
        self, state: ProofState, m: int, mctx: MetavarContext, hyp: LocalDecl, old: Expr, new: Expr,
        sort: lv.Level, congr: Expr, premises: tuple[int, ...] = (),
    ) -> HandlerResult[ProofState]:
        """``goal := (fun (h : new) => ?g') (Eq.mp congr h)`` where ``?g'`` sees the new ``h``."""
        decl = mctx.decl(m)
        lctx2, fresh = decl.lctx.mk_local(hyp.user_name, new)
        mctx, inner = mctx.declare(mctx.instantiate(decl.type), lctx2, MVarKind.SYNTHETIC_OPAQUE)
        mctx, bridge = mctx.declare(Pi(hyp.user_name, new, lift_loose_bvars(mctx.instantiate(decl.type), 1)),
                                    decl.lctx, MVarKind.SYNTHETIC_OPAQUE)
        mctx = mctx.assign_delayed(bridge, [fresh], inner)
        converted = mk_app(Const("Eq.mp", (sort,)), old, new, congr, hyp.fvar)
        term = App(Lam(hyp.user_name, new, App(bridge, BVar(0))), converted)
        mctx = mctx.assign(MVar(m), term)
        children = (inner.id, *premises)
        step = make_step(state.metavar_graph, mctx, m, term, children)
        return VGoal(state.obligation_id(inner.id)), state.replace_goal(m, children, mctx, step, via="Rewrite at")

    def op_Unify(self, state: ProofState, a: Value, b: Value) -> HandlerResult[ProofState]:
        if not isinstance(a, VExpr) or not isinstance(b, VExpr):
            return Raise(VStr("Unify: two terms are expected"))
        checker = MetaChecker(state.environment, state.metavar_graph)
        if not checker.is_def_eq(a.expr, b.expr):
            return Raise(VStr("Unify: the terms are not definitionally equal"))
        return VUnit(), attrs.evolve(state, metavar_graph=checker.mctx)

    def op_Normalize(self, state: ProofState, e: Value, mode: Value) -> HandlerResult[ProofState]:
        if not isinstance(e, VExpr):
            return Raise(VStr("Normalize: a term is expected"))
        term = state.metavar_graph.instantiate(e.expr)
        if isinstance(mode, VStr) and mode.value == "whnf":
            return VExpr(MetaChecker(state.environment, state.metavar_graph).whnf(term)), state
        return VExpr(normalize(state.environment, term)), state

    def op_CheckWitness(self, state: ProofState, e: Value, ty: Value) -> HandlerResult[ProofState]:
        """The trusted kernel checks a closed term against a type."""
        if not isinstance(e, VExpr) or not isinstance(ty, VExpr):
            return Raise(VStr("CheckWitness: a term and a type are expected"))
        term, typ = (state.metavar_graph.instantiate(x.expr) for x in (e, ty))
        if term.has_mvar or typ.has_mvar:
            return Raise(VStr("CheckWitness: the term still has holes"))
        TypeChecker(state.environment, level_params=state.level_params).check(term, typ)
        return VUnit(), state

    # -- control -------------------------------------------------------------------------------

    def op_Checkpoint(self, state: ProofState) -> HandlerResult[ProofState]:
        n = len(state.saved)
        return VNum(n), attrs.evolve(state, saved=(*state.saved, state), checkpoint=n + 1)

    def op_Rollback(self, state: ProofState, n: Value) -> HandlerResult[ProofState]:
        if not isinstance(n, VNum) or not 0 <= n.value < len(state.saved):
            return Raise(VStr(f"Rollback: no checkpoint {n!r}"))
        restored = state.saved[n.value]
        return VUnit(), attrs.evolve(restored, saved=state.saved[: n.value + 1])

    # -- provenance ----------------------------------------------------------------------------

    def op_ReadProvenance(self, state: ProofState) -> HandlerResult[ProofState]:
        return _provenance_record(state), state

    def op_RequireReplayCompatibility(self, state: ProofState, expected: Value) -> HandlerResult[ProofState]:
        if not isinstance(expected, VRecord):
            return Raise(VStr("RequireReplayCompatibility: a provenance record is expected"))
        current = dict(_provenance_record(state).fields)
        for key, value in expected.fields:
            if current.get(key) != value:
                found = current.get(key)
                return ReplayIncompatible(
                    key,
                    value.value if isinstance(value, VStr) else repr(value),
                    found.value if isinstance(found, VStr) else repr(found),
                )
        return VUnit(), state



def _first_instance(
    checker: MetaChecker, target: Expr, pattern: Expr, replacement: Expr | None = None,
    accept: Callable[[Expr, Expr], bool] | None = None,
) -> Expr | None:
    """The first sub-term of ``target`` (pre-order, no loose bound variables) that is an instance of
    ``pattern``: keyed matching as Lean's ``rw`` — same head constant and number of arguments,
    then unification unfolding only reducible definitions (instances, projections); the match
    assigns the pattern's holes.  ``accept`` may refuse an instance, given it and the instance of
    ``replacement``."""
    p_head, p_args = get_app_fn_args(checker.mctx.instantiate(pattern))
    for sub in subterms(target):
        if sub.loose or sub.has_mvar:
            continue
        head, args = get_app_fn_args(sub)
        if isinstance(p_head, Const):
            if not (isinstance(head, Const) and head.name == p_head.name and len(args) == len(p_args)):
                continue
        matcher = MetaChecker(checker.env, checker.mctx, None)
        matcher.lctx = checker.lctx
        matcher.unfold_all = False
        if matcher.is_def_eq(sub, pattern):
            if accept is not None and replacement is not None \
                    and not accept(matcher.mctx.instantiate(sub), matcher.mctx.instantiate(replacement)):
                continue  # an instance the caller refuses (ordered rewriting): try the next one
            checker._set_mctx(matcher.mctx)
            return sub
    return None


def _provenance_record(state: ProofState) -> VRecord:
    p = state.provenance
    return VRecord((
        ("kernel_version", VStr(p.kernel_version)),
        ("environment_hash", VStr(p.environment_hash)),
        ("options", VStr(repr(p.options))),
    ))


def _is_permutation(lhs: Expr, rhs: Expr, holes: list[int]) -> bool:
    """``a + b = b + a``: the sides agree once the lemma's variables are forgotten."""
    hole_set = set(holes)

    def blur(e: Expr) -> Expr:
        return replace(e, lambda sub, _: Const("_") if isinstance(sub, MVar) and sub.id in hole_set else None)

    return lhs != rhs and blur(lhs) == blur(rhs)


def _decreases(before: Expr, after: Expr) -> bool:
    """A total order on terms, size first: rewriting along it terminates (as ordered rewriting in
    Lean's ``simp`` does for permutation lemmas).  Different sizes always pass."""
    size_before, size_after = expr_size(before), expr_size(after)
    if size_before != size_after:
        return True
    # the atoms from left to right first: a commutativity step must move a smaller atom to the
    # left, so together with associativity (which keeps the atoms' order) rewriting terminates
    return (_atoms(after), repr(after)) < (_atoms(before), repr(before))


def _atoms(e: Expr) -> list[tuple[int, str]]:
    """The free variables at the leaves of an application tree, left to right (as keys ordered by
    variable id): a commutativity step is taken only when it moves an earlier variable left."""
    out: list[tuple[int, str]] = []
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, App):
            stack.append(x.arg)
            stack.append(x.fn)
        elif isinstance(x, FVar):
            out.append((0, f"{x.id:020d}"))
    return out
