"""Typing rules of the derived tactic vocabulary (``foreign "tactic"`` nodes): each tactic module of
``calculus/tactics/`` registers its rule, built from the checker's primitives here.

A deferred tactic is compiled on the state it meets; its rule here says what that core program does
to the goals in focus, without compiling it.  Every tactic acting on the main goal needs a goal
(none: ⊥, a catchable failure, as at run time) and replaces it in place:

* ``intro x…`` 1→1: with a known target, the first binders (up to whnf) are opened — not enough Π/→
  is ⊥ — and the child's target, context and shape are computed; otherwise a target whose whnf
  head is known and not Π is ⊥ and the child only gains the names; ``intros`` the same for every
  binder (``Pure`` when there is none); ``exact e``/``rfl``/``assumption``/``contradiction``/
  ``calc`` 1→0 (``e``'s ``?_`` holes become goals, as ``refine``); ``rfl`` on a goal whose whnf is
  an inductive type other than ``Eq`` is ⊥; ``assumption``/``contradiction`` without hypotheses ⊥;
* ``refine e`` 1→(its holes: ``?_`` each, ``?x`` once, tagged ``x``; a single untagged child inherits
  the tag); ``refine fun x… => ?_`` is ``intro``; ``have h : T := e`` 1→1 (same target, ``h`` added),
  ``have h : T`` 1→2 (``T``, then the goal with ``h``); ``exfalso`` 1→1 (``False``); ``left``/``right``
  1→1 (the disjunct; not an ``Or``: ⊥); ``show t`` 1→1; ``exists e`` 1→0..1 (the rest is closed by
  ``rfl``/a hypothesis when it can); ``rw``/``simp`` 1→0..1 (``try rfl`` at the end);
* ``apply e``, ``constructor`` 1→α — an arity variable — except ``constructor`` on a one-constructor,
  non-indexed type with non-dependent explicit fields (``∧``, ``↔``), which opens one goal per field
  with its target; not an inductive type: ⊥;
* ``induction x``/``cases x`` 1→#constructors when ``x``'s type is known (tagged with the
  constructors' names; targets computed for non-indexed types without dependent hypotheses,
  otherwise ``Π`` with at least fields(+ihs) binders, or the goal's head), else 1→α; ``x`` must be
  a hypothesis; not an inductive type: ⊥; ``… with | c x… => t…`` then focuses each tag;
* ``done``: requires 0 goals (else ⊥);
* blocks and tacticals are compositional over their children: ``·``/``focus``/``case``/``next``
  focus (``·``, ``case``, ``next`` must solve), ``first``/``<|>``/``orelse``/``interleave`` join the
  alternatives, ``solve`` joins alternatives followed by ``done``, ``try t`` joins ``t`` with the
  input, ``once t`` is ``t``, ``repeat t`` a fixpoint, ``all_goals``/``any_goals`` act on each goal
  (each goal's results take its place, as ``focus`` by id does), ``t <;> u`` is
  ``focus (t; all_goals u)``.

Hypothesis references (``exact h``, ``rw [h] at h'``, ``cases h``, ``simp at h``, the identifiers of
every elaborated term) are checked against the goal's context when it is known exactly; names of
the environment's constants are fine.  Effects: ``Elaborate``/``AssignMetavar`` (+``Rewrite`` for
``rw``/``simp``) plus ``foreign:tactic``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import attrs

from tactic_mesh.calculus.tactic_syntax import TacticCall, is_elim_with
from tactic_mesh.calculus.tactics import decode_call, spec_of
from tactic_mesh.calculus.tactics.calc import calc_steps
from tactic_mesh.calculus.tactics.common import binder_base_name, fresh_binder_name, parse_rules
from tactic_mesh.calculus.terms import Foreign
from tactic_mesh.kernel.environment import ConstructorInfo, InductiveInfo, RecursorInfo
from tactic_mesh.kernel.errors import Location, TacticMeshError
from tactic_mesh.kernel.expr import (
    BinderInfo,
    Const,
    Expr,
    FVar,
    Pi,
    abstract,
    collect_fvars,
    fresh_id,
    get_app_fn,
    get_app_fn_args,
    has_loose_bvar,
    instantiate1,
    instantiate_level_params,
    mk_apps,
    mk_pi,
)
from tactic_mesh.kernel.local_context import LocalContext, LocalDecl
from tactic_mesh.kernel.mctx import MetavarContext
from tactic_mesh.kernel.syntax import BinderTerm, Hole, parse_term
from tactic_mesh.kernel.unify import MetaChecker
from tactic_mesh.typing.errors import Diagnostic
from tactic_mesh.typing.interface import (
    UNKNOWN_SHAPE,
    Arity,
    EffectRow,
    Interface,
    Item,
    Pick,
    Shape,
    Slot,
    collapse,
    describe_bounds,
    draw,
    first_picks,
    head_name,
    join,
    join_all,
    shape_of,
    widen,
)
from tactic_mesh.typing.judgment import (
    ANY,
    MAX_FIX_ROUNDS,
    UNIT,
    WIDEN_AFTER,
    CoreChecker,
    Delta,
    Replacement,
    Typed,
    join_typed,
)
from tactic_mesh.typing.surface import SurfaceInfo

TACTIC = EffectRow(frozenset(), frozenset({"tactic"}))
REFINE = EffectRow.of("Elaborate", "AssignMetavar", foreign=("tactic",))
REWRITE = EffectRow.of("Elaborate", "AssignMetavar", "Rewrite", foreign=("tactic",))
MAX_STATES = 16  # all_goals/any_goals: alternatives kept apart before they are joined
_HOLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_'₀-₉]*")

Children = tuple[Item, ...] | Diagnostic


class Checker(CoreChecker):
    """The judgment for core programs and the derived tactic vocabulary."""

    # -- entry from the core: `foreign "tactic"` ---------------------------------------------------

    def foreign_tactic(self, t: Foreign, iface: Interface, delta: Delta, path: str, footprint: EffectRow) -> Typed:
        call = self.locations.get(path)
        if call is None:
            try:
                call = decode_call(t.payload)
            except TacticMeshError as err:
                raise self.error(f"{path}.payload", "malformed tactic payload", "{name, arg, children}",
                                 err.message) from None
        typed = self.tactic(call, iface, delta, f"{path}.payload")
        missing = sorted(typed.effects.ops - t.contract.effects)
        if missing:
            raise self.error(f"{path}.contract", f"the contract of `{call.name}` omits effects it performs",
                             ", ".join(sorted(typed.effects.ops)), ", ".join(sorted(t.contract.effects)) or "none")
        return typed

    # -- helpers ------------------------------------------------------------------------------------

    def loc(self, call: TacticCall) -> Location | None:
        return Location(self.filename, call.line, call.col) if call.line > 0 else None

    def need(self, call: TacticCall, path: str) -> str:
        if not call.arg.strip():
            raise self.error(f"{path}.arg", f"{call.name}: an argument is expected", "an argument", "nothing",
                             self.loc(call))
        return call.arg.strip()

    def on_main(self, call: TacticCall, iface: Interface, path: str, fx: EffectRow,
                children: Callable[[Slot], Children]) -> Typed:
        """A tactic replacing the main goal by ``children(main)``."""
        picks = first_picks(iface.items)
        if not picks:
            return self.bottom(path, f"{call.name}: no goals", fx, "≥1 goal", "0 goals", self.loc(call))

        def one(p: Pick) -> Typed:
            made = children(p.chosen)
            if isinstance(made, Diagnostic):
                return Typed(None, fx, ANY, made)
            return Typed(Replacement(made, p.before, p.after, iface).interface(), fx, UNIT)

        return self.over_picks(picks, one)

    def fail(self, call: TacticCall, path: str, message: str, expected: str = "", found: str = "") -> Diagnostic:
        return Diagnostic(path, message, expected, found, self.loc(call))

    def surface(self, text: str, parent: Slot, call: TacticCall, path: str) -> SurfaceInfo:
        """Scan a term elaborated against ``parent`` (pass the goal as seen under the implicit
        lambda, ``under_implicits``) and check its identifiers."""
        info = self.scan(text, f"{path}.arg", self.loc(call))
        self.check_idents(info, parent.hyps, parent.hyps_exact, f"{path}.arg", f"`{call.name}`", self.loc(call))
        return info

    def checker(self, lctx: LocalContext | None) -> MetaChecker | None:
        if self.env is None or lctx is None:
            return None
        return MetaChecker(self.env, self.mctx or MetavarContext(), lctx)

    def whnf(self, slot: Slot) -> Expr | None:
        checker = self.checker(slot.lctx)
        if checker is None or slot.target is None:
            return None
        try:
            return checker.whnf(slot.target)
        except (TacticMeshError, RecursionError, KeyError, AssertionError):
            return None

    def child(self, parent: Slot, suffix: str, **changes: Any) -> Slot:
        """A goal in the parent's context (same hypotheses), replacing it."""
        base = Slot(f"{parent.name}/{suffix}", tag=parent.tag, hyps=parent.hyps, hyps_exact=parent.hyps_exact,
                    lctx=parent.lctx, opaque=parent.opaque)
        return attrs.evolve(base, **changes)

    def with_target(self, slot: Slot, target: Expr | None) -> Slot:
        if target is None:
            return attrs.evolve(slot, target=None, shape=UNKNOWN_SHAPE)
        return attrs.evolve(slot, target=target, shape=shape_of(self.env, self.mctx, slot.lctx, target))

    def inductive_head(self, parent: Slot) -> str | None:
        """The whnf head of the goal when it is a known constant."""
        return parent.shape.whnf_head

    # -- dispatch -------------------------------------------------------------------------------------

    def tactic(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        """The rule of ``call``: the one its tactic registered (``calculus/tactics/``)."""
        spec = spec_of(call.name)
        if spec is None:
            raise self.error(path, f"unknown tactic '{call.name}'", "a tactic of the derived vocabulary", call.name,
                             self.loc(call))
        return spec.typing(self, call, iface, delta, path)

    # -- rule shapes the registered rules are built from ---------------------------------------------

    REFINE = REFINE
    REWRITE = REWRITE
    TACTIC = TACTIC

    def with_arg(self, call: TacticCall, iface: Interface, path: str, fx: EffectRow,
                 children: Callable[[str, Slot], Children]) -> Typed:
        """A tactic with a required argument replacing the main goal by ``children(arg, main)``."""
        text = self.need(call, path)
        return self.on_main(call, iface, path, fx, lambda p: children(text, p))

    def seq_rule(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        """The call's children in sequence (``once``, ``progress``: as their body)."""
        r = self.seq(call.children, iface, delta, path)
        return Typed(r.out, r.effects | TACTIC, r.value, r.failure)

    def try_rule(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        r = self.seq(call.children, iface, delta, path)
        return Typed(join(r.out, iface), r.effects | TACTIC, UNIT)

    def focus_rule(self, call: TacticCall, iface: Interface, delta: Delta, path: str, must_solve: bool) -> Typed:
        def body(j: Interface, d: Delta) -> Typed:
            r = self.seq(call.children, j, d, path)
            r = Typed(r.out, r.effects | TACTIC, r.value, r.failure)
            return self.done(r.out, r.effects, path, call, call.name) if must_solve and r.out is not None else r

        return self.focus_on("main", call, iface, delta, path, body)

    def case_rule(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        words = call.arg.split()
        if call.name == "case":
            if not words:
                raise self.error(f"{path}.arg", "case: expected `case tag x… => tactics`", "a tag", "nothing",
                                 self.loc(call))
            tag, names = words[0], words[1:]
        else:
            tag, names = "main", words
        return self.focus_on(tag, call, iface, delta, path, lambda j, d: self.case_body(names, call, j, d, path))

    def then_rule(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        """``t <;> u`` = ``focus (t; all_goals u)``."""
        if not call.children:
            raise self.error(path, "<;>: expected `t <;> u`", "two tactics", "nothing", self.loc(call))

        def body(j: Interface, d: Delta) -> Typed:
            head, *rest = call.children
            r = self.seq(head.children, j, d, f"{path}.children[0]")
            effects = r.effects | TACTIC
            for i, then in enumerate(rest, start=1):
                if r.out is None:
                    return Typed(None, effects, ANY, r.failure)
                each = TacticCall("all_goals", "", then.line, then.col, then.children)
                r = self.all_goals(each, r.out, d, f"{path}.children[{i}]")
                effects = effects | r.effects
            return Typed(r.out, effects, UNIT, r.failure)

        return self.focus_on("main", call, iface, delta, path, body)

    def done_rule(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        return self.done(iface, TACTIC, path, call, "done")

    def elim_rule(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        """``induction x`` / ``cases x`` (``… with | c x… => t…``: then each alternative)."""
        if is_elim_with(call):
            return self.elim_with(call, iface, delta, path)
        var = self.need(call, path)
        return self.on_main(call, iface, path, REFINE, lambda p: self.elim_children(call.name, var, p, call, path))

    def stray_alternative(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        raise self.error(path, "`| c … =>` alternatives belong to `induction x with` or `cases x with`",
                         "a tactic", "`|`", self.loc(call))

    def seq(self, calls: tuple[TacticCall, ...], iface: Interface, delta: Delta, path: str) -> Typed:
        """``t₁; t₂; …`` — the children of the call at ``path``."""
        effects = EffectRow()
        cur = iface
        for i, c in enumerate(calls):
            r = self.tactic(c, cur, delta, f"{path}.children[{i}]")
            effects = effects | r.effects
            if r.out is None:
                for j in range(i + 1, len(calls)):
                    self.tactic(calls[j], Interface.top(), delta, f"{path}.children[{j}]")
                return Typed(None, effects, ANY, r.failure)
            cur = r.out
        return Typed(cur, effects, UNIT)

    def done(self, iface: Interface | None, effects: EffectRow, path: str, call: TacticCall, what: str) -> Typed:
        if iface is None:
            return Typed(None, effects, ANY, None)
        lo, hi = iface.bounds()
        if lo > 0:
            return self.bottom(path, f"{what}: goals remain", effects, "0 goals", describe_bounds(lo, hi),
                               self.loc(call))
        return Typed(iface.with_items(()), effects, UNIT)

    def focus_on(self, selector: str, call: TacticCall, iface: Interface, delta: Delta, path: str,
                 body: Callable[[Interface, Delta], Typed]) -> Typed:
        inner = attrs.evolve(delta, depth=delta.depth + 1)
        picks = self.selector_picks(selector, iface, path)
        if picks is None:
            r = body(iface, inner)
            return r if r.out is None else Typed(attrs.evolve(r.out, frame=iface.frame), r.effects, r.value)
        if not picks:
            return self.bottom(path, f"{call.name}: no goal '{selector}'", TACTIC, f"a goal '{selector}'",
                               describe_bounds(*iface.bounds()), self.loc(call))
        return self.over_picks(picks, lambda p: self.unfocused(body(self.focused(p, iface), inner), p, iface))

    # -- goal-closing tactics ----------------------------------------------------------------------

    def intro_children(self, parent: Slot, names: list[str] | None, call: TacticCall, path: str) -> Children:
        """``intro names`` (None: one binder, named as ``intro`` names it)."""
        n = len(names) if names is not None else 1
        checker = self.checker(parent.lctx)
        if checker is not None and parent.target is not None:
            try:
                binders, rest = checker.telescope(parent.target, n)
            except (TacticMeshError, RecursionError, KeyError, AssertionError):
                binders, rest = [], None
            if rest is not None:
                if len(binders) < n:
                    which = f" {names[len(binders)]}" if names else ""
                    return self.fail(call, path, f"intro{which}: nothing to introduce, the goal is not a ∀ or an →",
                                     "a Π/→ target", parent.shape.describe())
                if names is None:
                    target = parent.target
                    names = [binder_base_name(target) if isinstance(target, Pi) else "h"]
                lctx = parent.lctx
                assert lctx is not None
                for name, (_, fvar, ty, bi) in zip(names, binders, strict=True):
                    lctx = lctx.add(LocalDecl(fvar, name, ty, None, bi))
                kid = self.child(parent, "intro", hyps=parent.hyps | set(names), lctx=lctx,
                                 opaque=parent.opaque - set(names))
                return (self.with_target(kid, rest),)
        whnf = parent.shape.whnf_head
        if whnf is not None and whnf != "Π":
            return self.fail(call, path, "intro: nothing to introduce, the goal is not a ∀ or an →", "a Π/→ target",
                             parent.shape.describe())
        known = names is not None
        added = frozenset(names or ())
        kid = self.child(parent, "intro", hyps=parent.hyps | added, hyps_exact=parent.hyps_exact and known,
                         opaque=parent.opaque | added,
                         shape=Shape(min_binders=max(parent.shape.min_binders - n, 0)))
        return (kid,)

    def intros_children(self, parent: Slot, call: TacticCall, path: str) -> Children:
        names = call.arg.split()
        if names:
            return self.intro_children(parent, names, call, path)
        if parent.target is None or parent.lctx is None:
            return (self.child(parent, "intro", hyps_exact=False, shape=UNKNOWN_SHAPE),)
        target = parent.target
        taken = {d.user_name for d in parent.lctx}
        found: list[str] = []
        while isinstance(target, Pi):
            found.append(fresh_binder_name(target, taken))
            taken.add(found[-1])
            target = target.body
        if not found:
            return (parent,)
        return self.intro_children(parent, found, call, path)

    def hole_children(self, parent: Slot, info: SurfaceInfo, pinned: bool = False) -> tuple[Item, ...]:
        """The goals ``refine e`` leaves: ``e``'s holes in order (in ``e``'s binders' scope);
        ``parent`` as seen under the implicit lambda."""
        kids: list[Item] = []
        many = len(info.holes) > 1 and not pinned
        for k, ref in enumerate(info.holes):
            kids.append(self.child(parent, ref.name or str(k), tag=ref.name or "", hyps=parent.hyps | set(ref.binders),
                                   opaque=parent.opaque | set(ref.binders), pinned=not many))
        if len(kids) == 1 and isinstance(kids[0], Slot) and kids[0].tag == "":
            kids[0] = attrs.evolve(kids[0], tag=parent.tag)
        return tuple(kids)

    def refine_children(self, text: str, parent: Slot, call: TacticCall, path: str) -> Children:
        scanned = self.scan(text, f"{path}.arg", self.loc(call))  # malformed: error
        seen = self.under_implicits(parent) if scanned.implicit_lambda else parent
        info = self.surface(text, seen, call, path)
        stx = parse_term(text, "<tactic>")
        if (isinstance(stx, BinderTerm) and stx.kind == "fun" and isinstance(stx.body, Hole)
                and stx.body.name == "_" and seen.target is not None):
            names = [n for b in stx.binders for n in b.names]
            return self.intro_children(seen, names, call, path)
        return self.hole_children(seen, info)

    def exact_children(self, text: str, parent: Slot, call: TacticCall, path: str) -> Children:
        scanned = self.scan(text, f"{path}.arg", self.loc(call))
        seen = self.under_implicits(parent) if scanned.implicit_lambda else parent
        return self.hole_children(seen, self.surface(text, seen, call, path))

    def rfl_children(self, parent: Slot, call: TacticCall, path: str) -> Children:
        head = self.under_implicits(parent).shape.whnf_head
        if head in ("Π", "Sort") or (head is not None and head != "Eq" and self.env is not None
                                      and isinstance(self.env.find(head), InductiveInfo)):
            return self.fail(call, path, f"{call.name}: the goal is not an equation", "a target `a = b`",
                             parent.shape.describe())
        return ()

    def apply_children(self, text: str, parent: Slot, call: TacticCall, path: str) -> Children:
        """``apply e``: an arity variable.  Its ``?_`` holes live in the goal's context under the
        implicit lambda; the ``_`` that become goals are re-expressed *outside* the lambda's binders
        (the elaborator's elimMVarDeps): the goal's own context, a Π target."""
        seen = self.under_implicits(parent)
        info = self.surface(text, seen, call, path)
        tags = None if parent.tag is None else frozenset({"", parent.tag, *(h.name for h in info.holes if h.name)})
        exact = parent.hyps_exact and seen.hyps_exact and seen.hyps == parent.hyps and not info.has_binders
        return (Arity(f"{parent.name}/apply", len(info.holes), None, tags, parent.hyps, exact),)

    def constructor_children(self, parent: Slot, call: TacticCall, path: str) -> Children:
        head = self.inductive_head(parent)
        tags = None if parent.tag is None else frozenset({"", parent.tag})
        generic = (Arity(f"{parent.name}/ctor", 0, None, tags, parent.hyps, parent.hyps_exact),)
        if head is None or self.env is None:
            return generic
        info = self.env.find(head)
        if not isinstance(info, InductiveInfo):
            return self.fail(call, path, "constructor: the goal is not an inductive type", "an inductive type",
                             parent.shape.describe())
        precise = self.single_constructor(info, parent)
        if precise is not None:
            return precise
        most = 0
        for c in info.constructors:
            ctor = self.env.find(c)
            t = ctor.type if ctor is not None else None
            count = 0
            while isinstance(t, Pi):
                count += 1
                t = t.body
            most = max(most, count)
        return (attrs.evolve(generic[0], hi=most),)

    def single_constructor(self, info: InductiveInfo, parent: Slot) -> tuple[Item, ...] | None:
        """``apply c`` with every field as a goal, for one constructor with non-dependent explicit
        fields of a non-indexed type (``And.intro``, ``Iff.intro``)."""
        if self.env is None or info.num_indices or len(info.constructors) != 1:
            return None
        w = self.whnf(parent)
        if w is None:
            return None
        head, args = get_app_fn_args(w)
        ctor = self.env.find(info.constructors[0])
        if not isinstance(head, Const) or not isinstance(ctor, ConstructorInfo) or len(args) != info.num_params:
            return None
        t = instantiate_level_params(ctor.type, ctor.level_params, head.levels)
        for p in args:
            if not isinstance(t, Pi):
                return None
            t = instantiate1(t.body, p)
        fields: list[Expr] = []
        while isinstance(t, Pi):
            if t.bi is not BinderInfo.DEFAULT or has_loose_bvar(t.body, 0):
                return None
            fields.append(t.type)
            t = t.body
        kids = [self.with_target(self.child(parent, f"ctor{k}", tag=""), ty) for k, ty in enumerate(fields)]
        if len(kids) == 1:
            kids[0] = attrs.evolve(kids[0], tag=parent.tag)
        return tuple(kids)

    def or_children(self, parent: Slot, side: int, call: TacticCall, path: str) -> Children:
        parent = self.under_implicits(parent)
        head = self.inductive_head(parent)
        if head is not None and head != "Or":
            return self.fail(call, path, f"{call.name}: the goal is not a disjunction", "a target `a ∨ b`",
                             parent.shape.describe())
        kid = self.child(parent, call.name)
        w = self.whnf(parent)
        if w is not None:
            fn, args = get_app_fn_args(w)
            if isinstance(fn, Const) and fn.name == "Or" and len(args) == 2:
                return (self.with_target(kid, args[side]),)
        return (kid,)

    def exists_children(self, parent: Slot, call: TacticCall, path: str) -> Children:
        text = self.need(call, path)
        parent = self.under_implicits(parent)
        self.surface(f"⟨{text}, ?_⟩", parent, call, path)
        head = self.inductive_head(parent)
        if head is not None and self.env is not None:
            info = self.env.find(head)
            if not isinstance(info, InductiveInfo) or len(info.constructors) != 1:
                return self.fail(call, path, "exists: the goal is not a structure (∃, ∧, …)",
                                 "an inductive type with one constructor", parent.shape.describe())
        return (self.child(parent, "exists", optional=True),)

    def have_children(self, parent: Slot, call: TacticCall, path: str) -> Children:
        arg = self.need(call, path)
        parent = self.under_implicits(parent)
        head, sep, proof = arg.partition(":=")
        name, colon, ty = head.partition(":")
        if not colon or not name.strip() or not ty.strip():
            raise self.error(f"{path}.arg", "have: expected `have h : T := e` or `have h : T`",
                             "`have h : T (:= e)`", repr(arg), self.loc(call))
        h = name.strip()
        self.surface(ty.strip(), parent, call, path)
        if sep:
            self.surface(proof.strip(), parent, call, path)
            return (self.child(parent, "have", hyps=parent.hyps | {h}, opaque=parent.opaque | {h},
                               shape=parent.shape, target=parent.target),)
        first = self.child(parent, "have.T", tag="")
        second = self.child(parent, "have", tag="", hyps=parent.hyps | {h}, opaque=parent.opaque | {h},
                            shape=parent.shape, target=parent.target)
        return (first, second)

    def show_children(self, text: str, parent: Slot, call: TacticCall, path: str) -> Children:
        parent = self.under_implicits(parent)
        self.surface(text, parent, call, path)
        return (self.child(parent, "show"),)

    def needs_hypotheses(self, parent: Slot, call: TacticCall, path: str) -> Children:
        if parent.hyps_exact and not parent.hyps:
            return self.fail(call, path, f"{call.name}: no hypotheses", "≥1 hypothesis", "none")
        return ()

    def rewrite_children(self, parent: Slot, call: TacticCall, path: str) -> Children:
        arg = self.need(call, path)
        rules_text, location = arg, ""
        if "] at " in arg:
            rules_text, _, location = arg.rpartition(" at ")
        self.hypothesis(location.strip(), parent, call, path)
        for text, _ in self.rules(rules_text, call, path, allow_star=False):
            self.surface(text, parent, call, path)
        rewritten = self.child(parent, "rw", optional=True, opaque=parent.opaque | ({location.strip()} - {""}))
        # the premises of conditional equations that matching leaves open follow as goals
        premises = Arity(f"{parent.name}/rw-premises", 0, None, frozenset({""}), parent.hyps, parent.hyps_exact)
        return (rewritten, premises)

    def simp_children(self, parent: Slot, call: TacticCall, path: str) -> Children:
        text = call.arg.strip()
        location = ""
        if " at " in f" {text}":
            text, _, location = f" {text}".rpartition(" at ")
            text, location = text.strip(), location.strip()
        self.hypothesis(location, parent, call, path)
        only = text.startswith("only")
        if only:
            text = text[len("only"):].strip()
        extra = self.rules(text, call, path, allow_star=True) if text else []
        for rule, _ in extra:
            if rule != "*":
                self.surface(rule, parent, call, path)
        maybe_rules = bool(extra)
        if not only and self.env is not None:
            attributes = self.env.extension("attributes", {})
            maybe_rules = maybe_rules or (isinstance(attributes, dict) and bool(attributes.get("simp", ())))
        elif not only:
            maybe_rules = True
        if not maybe_rules:
            return self.rfl_children(parent, call, path)
        return (self.child(parent, "simp", optional=True, opaque=parent.opaque | ({location} - {""})),)

    def hypothesis(self, name: str, parent: Slot, call: TacticCall, path: str) -> None:
        if name and parent.hyps_exact and name not in parent.hyps:
            raise self.error(f"{path}.arg", f"{call.name}: unknown hypothesis '{name}'",
                             f"a hypothesis ({', '.join(sorted(parent.hyps)) or 'none'})", name, self.loc(call))

    def rules(self, text: str, call: TacticCall, path: str, allow_star: bool) -> list[tuple[str, bool]]:
        """``[e, ← e', …]`` as the tactic reads it (``tactics.common.parse_rules``; malformed: error)."""
        try:
            rules = parse_rules(text, call)
        except TacticMeshError as err:
            raise self.error(f"{path}.arg", err.message, "`[h, ← h']`", repr(text.strip()), self.loc(call)) from None
        if not allow_star and any(r == "*" for r, _ in rules):
            raise self.error(f"{path}.arg", f"{call.name}: an empty rule", "an equation", repr(text.strip()),
                             self.loc(call))
        return rules

    def calc_children(self, parent: Slot, call: TacticCall, path: str) -> Children:
        parent = self.under_implicits(parent)
        try:
            steps = calc_steps(call)
        except TacticMeshError as err:
            raise self.error(f"{path}.arg", err.message, "steps `a R b := proof`", repr(call.arg),
                             self.loc(call)) from None
        for lhs, rel, rhs, proof in steps:
            self.surface(f"{lhs} {rel} {rhs}", parent, call, path)
            self.surface(proof, parent, call, path)
        return ()

    # -- induction and cases -------------------------------------------------------------------------

    def elim_children(self, tactic: str, var: str, parent: Slot, call: TacticCall, path: str) -> Children:
        """One goal per constructor of ``var``'s type (an arity variable when it is unknown)."""
        if parent.hyps_exact and var not in parent.hyps:
            raise self.error(f"{path}.arg", f"{tactic}: unknown hypothesis '{var}'",
                             f"a hypothesis ({', '.join(sorted(parent.hyps)) or 'none'})", var, self.loc(call))
        generic: tuple[Item, ...] = (Arity(f"{parent.name}/{tactic}", 0, None, None, parent.hyps, parent.hyps_exact),)
        ty = parent.hyp_type(var)
        checker = self.checker(parent.lctx)
        if ty is None or checker is None or self.env is None or parent.lctx is None:
            return generic
        try:
            w = checker.whnf(self.mctx.instantiate(ty) if self.mctx is not None else ty)
        except (TacticMeshError, RecursionError, KeyError, AssertionError):
            return generic
        head, args = get_app_fn_args(w)
        info = self.env.find(head.name) if isinstance(head, Const) else None
        if not isinstance(head, Const) or not isinstance(info, InductiveInfo):
            return self.fail(call, path, f"{tactic}: '{var}' is not of an inductive type", "an inductive type",
                             head_name(w) or "?")
        rec = self.env.find(info.name + ".rec")
        if not isinstance(rec, RecursorInfo):
            return self.fail(call, path, f"{tactic}: '{info.name}' has no recursor")
        if len(args) != info.num_params + info.num_indices:
            return self.fail(call, path, f"{tactic}: '{var}' is not a fully applied '{info.name}'")
        if not rec.large_elim and parent.shape.prop is False:
            return self.fail(call, path, f"{tactic}: '{info.name}' eliminates only into Prop", "a proposition",
                             parent.shape.describe())
        decl = parent.lctx.find_by_name(var)
        assert decl is not None
        roots = {decl.fvar, *(a for a in args[info.num_params:] if isinstance(a, FVar))}
        dependents = _dependents(parent.lctx, roots, self.mctx)
        opaque = parent.opaque | {d.user_name for d in dependents}
        precise = (not info.num_indices and not dependents and decl.value is None and parent.target is not None)
        minors = _minor_binders(rec)
        kids: list[Slot] = []
        for k, ctor_name in enumerate(info.constructors):
            ctor = self.env.find(ctor_name)
            if not isinstance(ctor, ConstructorInfo) or k >= len(minors):
                return generic
            short = ctor_name.rsplit(".", 1)[-1]
            tag = short if _HOLE_NAME.fullmatch(short) else ""
            names = minors[k]
            binders = ctor.num_fields + (len(names) - ctor.num_fields if tactic == "induction" else 0)
            kid = self.child(parent, tag or str(k), tag=tag, opaque=opaque)
            target = None
            if precise:
                target = _constructor_goal(tactic, info, ctor, head, args[: info.num_params], names, decl.fvar,
                                           parent, self.mctx)
            if target is not None:
                kid = self.with_target(kid, target)
            elif binders > 0:
                kid = attrs.evolve(kid, shape=Shape("Π", "Π", parent.shape.prop, binders))
            else:
                same = parent.shape.head if parent.shape.head != "Sort" else None
                kid = attrs.evolve(kid, shape=Shape(same, prop=parent.shape.prop))
            kids.append(kid)
        if len(kids) == 1 and kids[0].tag == "":
            kids[0] = attrs.evolve(kids[0], tag=parent.tag)
        return tuple(kids)

    def elim_with(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        tactic = call.name
        var = call.arg[: -len("with")].strip()
        if not var:
            raise self.error(f"{path}.arg", f"{tactic}: an argument is expected", "a hypothesis", "nothing",
                             self.loc(call))
        first = self.on_main(call, iface, path, REFINE, lambda p: self.elim_children(tactic, var, p, call, path))
        effects = first.effects
        cur = first.out
        for i, alt in enumerate(call.children):
            apath = f"{path}.children[{i}]"
            if alt.name != "|" or not alt.arg.split():
                raise self.error(apath, "expected an alternative `| c x… => tactics`", "`| c x… => …`", alt.name,
                                 self.loc(alt))
            if cur is None:
                self.case_body(alt.arg.split()[1:], alt, Interface.top(), delta, apath)
                continue
            tag, *names = alt.arg.split()
            r = self.focus_on(tag, alt, cur, delta, apath, self.case_runner(names, alt, apath))
            effects = effects | r.effects
            cur = r.out
            if cur is None:
                return Typed(None, effects, ANY, r.failure)
        if cur is None:
            return Typed(None, effects, ANY, first.failure)
        return Typed(cur, effects, UNIT)

    def case_runner(self, names: list[str], call: TacticCall, path: str) -> Callable[[Interface, Delta], Typed]:
        return lambda j, d: self.case_body(names, call, j, d, path)

    def case_body(self, names: list[str], call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        """``case``/``next``/an alternative: introduce ``names``, run the tactics, the goal must be solved."""
        effects = TACTIC
        cur = iface
        if names:
            intro = TacticCall("intro", " ".join(names), call.line, call.col)
            r = self.on_main(intro, iface, path, REFINE, lambda p: self.intro_children(p, names, intro, path))
            effects = effects | r.effects
            if r.out is None:
                self.seq(call.children, Interface.top(), delta, path)
                return Typed(None, effects, ANY, r.failure)
            cur = r.out
        body = self.seq(call.children, cur, delta, path)
        return self.done(body.out, effects | body.effects, path, call, call.name) if body.out is not None \
            else Typed(None, effects | body.effects, ANY, body.failure)

    # -- tacticals -----------------------------------------------------------------------------------

    def alternatives(self, call: TacticCall, iface: Interface, delta: Delta, path: str, then_done: bool) -> Typed:
        results: list[Typed] = []
        for i, alt in enumerate(call.children):
            apath = f"{path}.children[{i}]"
            r = self.seq(alt.children, iface, delta, apath)
            if then_done:
                r = self.done(r.out, r.effects, apath, call, call.name) if r.out is not None else r
            results.append(r)
        if not results:
            return self.bottom(path, f"{call.name}: no alternatives", TACTIC, "≥1 alternative", "0", self.loc(call))
        out = join_typed(results)
        return Typed(out.out, out.effects | TACTIC, out.value, out.failure)

    def repeat(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        entry = iface
        effects = TACTIC
        for rounds in range(MAX_FIX_ROUNDS):
            r = self.seq(call.children, entry, delta, path)
            effects = effects | r.effects
            grown = join(entry, r.out)
            assert grown is not None
            if rounds >= WIDEN_AFTER:
                grown = widen(entry, grown)
            if grown.skeleton() == entry.skeleton():
                return Typed(entry, effects, UNIT)
            entry = grown
        return Typed(Interface.top(iface.frame), effects, UNIT)

    def per_goal(self, item: Item, state: Interface, call: TacticCall, delta: Delta, path: str
                 ) -> tuple[list[Interface], EffectRow, bool]:
        """Run the children on ``item`` (by id, as ``all_goals`` does) in ``state``: the possible
        results (empty: it fails), its effects, and whether it may also fail."""
        if isinstance(item, Slot):
            found = state.find(item.name)
            if found is None:
                return [self.blurred(state, call, delta, path)], TACTIC, True
            i, slot = found
            pick = Pick(attrs.evolve(slot, optional=False), state.items[:i], state.items[i + 1:])
            inner = attrs.evolve(delta, depth=delta.depth + 1)
            r = self.unfocused(self.seq(call.children, self.focused(pick, state), inner, path), pick, state)
            return ([r.out] if r.out is not None else []), r.effects, True
        index = next((i for i, it in enumerate(state.items) if isinstance(it, Arity) and it.var == item.var), None)
        if index is None:
            return [self.blurred(state, call, delta, path)], TACTIC, True
        block = state.items[index]
        assert isinstance(block, Arity)
        goal, _ = draw(block)
        r = self.seq(call.children, attrs.evolve(state, items=(goal,)), delta, path)
        others = (*state.items[:index], *state.items[index + 1:])
        if r.out is None:
            return ([state.with_items(others)] if block.lo == 0 else []), r.effects, True
        olo, ohi = r.out.bounds()
        made = collapse(f"{block.var}∘", r.out.items)
        scaled: tuple[Item, ...] = ()
        if made is not None:
            hi = None if block.hi is None or ohi is None else block.hi * ohi
            scaled = (attrs.evolve(made, lo=block.lo * olo, hi=hi),) if hi != 0 else ()
        return [state.with_items((*state.items[:index], *scaled, *state.items[index + 1:]))], r.effects, True

    def blurred(self, state: Interface, call: TacticCall, delta: Delta, path: str) -> Interface:
        block = collapse(f"{path}~", state.items)
        return state.with_items(() if block is None else (attrs.evolve(block, lo=0, hi=None, tags=None),))

    def all_goals(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        states: list[Interface] = [iface]
        effects = TACTIC
        for item in iface.items:
            new: list[Interface] = []
            for st in states:
                outs, fx, _ = self.per_goal(item, st, call, delta, path)
                effects = effects | fx
                new += outs
                if isinstance(item, Slot) and item.optional:
                    new.append(st.with_items(it for it in st.items if not (isinstance(it, Slot)
                                                                          and it.name == item.name)))
            states = _cap(new)
            if not states:
                return self.bottom(path, f"{call.name}: fails on a goal", effects, loc=self.loc(call))
        return Typed(join_all(states), effects, UNIT)

    def any_goals(self, call: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        if iface.bounds()[1] == 0:
            return self.bottom(path, f"{call.name}: no goals", TACTIC, "≥1 goal", "0 goals", self.loc(call))
        effects = TACTIC
        finals: list[Interface] = []
        for i, item in enumerate(iface.items):
            states = [iface]
            for j, other in enumerate(iface.items[i:], start=i):
                new: list[Interface] = []
                for st in states:
                    outs, fx, _ = self.per_goal(other, st, call, delta, path)
                    effects = effects | fx
                    new += outs
                    if j > i or (isinstance(other, Slot) and other.optional) or isinstance(other, Arity):
                        new.append(st)
                states = _cap(new)
            del item
            finals += states
        if not finals:
            return self.bottom(path, f"{call.name}: fails on every goal", effects, loc=self.loc(call))
        return Typed(join_all(finals), effects, UNIT)


# ---------------------------------------------------------------------------------------------
# kernel helpers
# ---------------------------------------------------------------------------------------------


def _cap(states: list[Interface]) -> list[Interface]:
    if len(states) <= MAX_STATES:
        return states
    joined = join_all(states)
    return [joined] if joined is not None else []


def _minor_binders(rec: RecursorInfo) -> list[list[str]]:
    """The binder names of each minor premise of a recursor (fields, then induction hypotheses)."""
    t: Expr = rec.type
    for _ in range(rec.num_params + rec.num_motives):
        if not isinstance(t, Pi):
            return []
        t = t.body
    out: list[list[str]] = []
    for _ in range(rec.num_minors):
        if not isinstance(t, Pi):
            return out
        names: list[str] = []
        m = t.type
        while isinstance(m, Pi):
            names.append(m.name)
            m = m.body
        out.append(names)
        t = t.body
    return out


def _dependents(lctx: LocalContext, roots: set[FVar], mctx: MetavarContext | None) -> list[LocalDecl]:
    """Hypotheses that mention the roots (transitively): ``cases``/``induction`` revert them."""
    tainted = set(roots)
    out: list[LocalDecl] = []
    for d in lctx:
        if d.fvar in roots:
            continue
        ty = mctx.instantiate(d.type) if mctx is not None else d.type
        mentioned = collect_fvars(ty)
        if d.value is not None:
            mentioned |= collect_fvars(d.value)
        if mentioned & tainted:
            tainted.add(d.fvar)
            out.append(d)
    return out


def _constructor_goal(tactic: str, info: InductiveInfo, ctor: ConstructorInfo, head: Const, params: list[Expr],
                      names: list[str], x: FVar, parent: Slot, mctx: MetavarContext | None) -> Expr | None:
    """The goal of ``ctor``'s case: ``∀ fields (ihs), G[x := ctor params fields]`` (non-indexed type,
    no dependent hypotheses)."""
    assert parent.target is not None and parent.lctx is not None
    goal = mctx.instantiate(parent.target) if mctx is not None else parent.target
    t = instantiate_level_params(ctor.type, ctor.level_params, head.levels)
    for p in params:
        if not isinstance(t, Pi):
            return None
        t = instantiate1(t.body, p)
    lctx = parent.lctx
    fields: list[tuple[str, FVar, Expr, BinderInfo]] = []
    for k in range(ctor.num_fields):
        if not isinstance(t, Pi) or k >= len(names):
            return None
        lctx, fv = lctx.mk_local(names[k], t.type)
        fields.append((names[k], fv, t.type, BinderInfo.DEFAULT))
        t = instantiate1(t.body, fv)
    motive_body = abstract(goal, [x])
    value = mk_apps(Const(ctor.name, head.levels), [*params, *(f[1] for f in fields)])
    binders = list(fields)
    if tactic == "induction":
        ih_names = names[ctor.num_fields:]
        recursive = [f for f in fields if _is_recursive(f[2], info.name)]
        if any(isinstance(f[2], Pi) and _is_recursive_pi(f[2], info.name) for f in fields):
            return None
        if len(recursive) != len(ih_names):
            return None
        for name, f in zip(ih_names, recursive, strict=True):
            binders.append((name, FVar(fresh_id()), instantiate1(motive_body, f[1]), BinderInfo.DEFAULT))
    return mk_pi(binders, instantiate1(motive_body, value))


def _is_recursive(ty: Expr, name: str) -> bool:
    fn = get_app_fn(ty)
    return isinstance(fn, Const) and fn.name == name


def _is_recursive_pi(ty: Expr, name: str) -> bool:
    while isinstance(ty, Pi):
        ty = ty.body
    return _is_recursive(ty, name)


__all__ = ["REFINE", "REWRITE", "TACTIC", "Checker"]
