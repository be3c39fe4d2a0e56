"""The typing judgment ``Δ ; I_in ⊢ t : I_out ! Φ`` for the core calculus.

``CoreChecker.check(t, I_in, Δ, path)`` returns ``Typed(out, effects, value)``: the output interface
(``None`` = ⊥: no run of ``t`` succeeds, with a ``Diagnostic`` saying why), the effect row, and the
*value type* of ``t``'s result (a sort of the effect signature plus what is known of the value: the
goal it names, the holes of an elaborated term, the interface saved by a ``Checkpoint``, the
program a ``split`` result comes from, a full provenance record).  It raises ``TypingError`` on an
ill-typed program.  Δ (``Delta``) holds the bound value variables with their value types and the
``fix`` names in scope.

Rules (``I`` is the interface of the goals in focus; joins are the lattice joins of ``interface``):

* ``pure v``: ``I → I``, ∅; ``v``'s variables must be bound.  ``fail e``: ⊥.
* ``bind x ← t ; u``: ``t`` on ``I``, then ``u`` on its output with ``x`` bound to ``t``'s value type
  (``_`` binds nothing, as in the machine).  After a ⊥ ``t`` the rest is still checked for scope
  errors (on the unknown interface).  Bind spines are walked iteratively (100 000-long chains).
* ``choice p [tᵢ]``: every branch on ``I``; the output is the join of the branches' outputs, the
  effects their union, for every policy (a policy changes *which* successes, not their types);
  no branch: ⊥; ``scored`` needs a registered scorer.
* ``scoped "fuel N"``: the body's type (``N = 0``: ⊥); ``scoped "split"``: never fails — the output
  is the join of the body's output and ``I`` (no first success: ``[]`` and the state unchanged);
  the value remembers the body's type; ``scoped "reflect"``: the body's value must be a split
  result; the output joins the body's output and the split program's; ``scoped "progress"``:
  the body's type (it only drops successes); other scopes: error.
* ``focus sel t``: for each way ``sel`` may resolve (``all``; ``main``/``first``, ``last``, an index:
  positions; an id: must be a goal in focus — else error; a tag), ``t`` on the chosen goal with
  the others in the frame, output ``t``'s goals in the focused goal's place (the machine's ``widen``);
  joined.  A selector that can match nothing is ⊥ (a catchable failure).
* ``handle h t``: ``t``'s type; ``h`` must be a known handler when the checker knows them.
* ``fix f . t`` / ``rec f``: Kleene iteration over the interface lattice: ``rec f`` stands for
  ``t`` on an entry interface ``J`` (starting at ``I``), with output ``O`` (starting at ⊥); each
  round checks ``t`` on ``J`` with ``rec f : J → O``, joins the inputs met at each ``rec f`` into
  ``J`` and ``t``'s output into ``O``; after ``WIDEN_AFTER`` rounds the interfaces are widened
  (unbounded arity blocks) so the iteration ends.  ``rec f`` outside ``fix f``: error.
* ``op(args)``: the operation must be in the effect signature; operand count and sorts as its
  spec (plus the optional operands the kernel handler reads: ``AssignMetavar … mode``,
  ``Rewrite … at``); goal operands in scope (``main`` needs ≥1 goal in focus, an id must be a goal
  of ``I`` or of the frame — the frame read-only); effect ``{op}``; the output as the operation
  acts on goals (see ``_op_*``).
* ``foreign s p c``: the contract's effects must be operations of the signature; a contract that
  may close goals needs a ``replay_codec`` (or a known refinement): replay-critical provenance is
  not dropped; ``consumes``/``produces`` give the output (arity variables when ``None``); effects
  ``c.effects`` plus the footprint ``foreign:s``.  ``foreign "tactic"`` nodes are derived tactics,
  typed per tactic by ``derived.Checker``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs
from immutables import Map

from tactic_mesh.calculus.effects import SPECS
from tactic_mesh.calculus.effects import Sort as VSort
from tactic_mesh.calculus.state import Provenance
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Contract,
    Fail,
    Fix,
    Focus,
    Foreign,
    Handle,
    Op,
    Policy,
    Pure,
    Rec,
    Scoped,
    Term,
    Value,
    VExpr,
    VGoal,
    VList,
    VName,
    VNum,
    VRecord,
    VStr,
    VSurface,
    VSuspension,
    VUnit,
    VVar,
)
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import Location, ParseError, TacticMeshError
from tactic_mesh.kernel.expr import BinderInfo, MVar, Pi, collect_mvars, instantiate1
from tactic_mesh.kernel.local_context import LocalDecl
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.unify import MetaChecker
from tactic_mesh.typing.errors import Diagnostic, TypingError
from tactic_mesh.typing.interface import (
    GOAL_ID,
    NO_EFFECTS,
    UNKNOWN_SHAPE,
    Arity,
    EffectRow,
    Interface,
    Item,
    Pick,
    Shape,
    Slot,
    bounds,
    collapse,
    describe_bounds,
    draw,
    first_picks,
    join,
    join_all,
    last_picks,
    may_hold,
    nth_picks,
    shape_of,
    tag_picks,
    widen,
)
from tactic_mesh.typing.surface import HoleRef, SurfaceInfo, resolves, scan_surface

# operations that close goals / build the proof: a foreign computation performing them must be replayable
GOAL_CLOSING = frozenset({"AssignMetavar", "RegisterResidualBuilder", "Rewrite"})
MACHINE_OPS = frozenset({"Backtrack", "Cut", "ConsumeFuel"})  # interpreted by the machine, not by handlers
WIDEN_AFTER = 2
MAX_FIX_ROUNDS = 12

# ---------------------------------------------------------------------------------------------
# value types, Δ, results
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class HoleVal:
    """A fresh hole (the value of ``FreshMetavar``): the slot it becomes once an obligation."""

    name: str
    user: str | None
    shape: Shape
    hyps: frozenset[str]
    hyps_exact: bool


@attrs.frozen
class ElabInfo:
    """An elaborated surface term: its holes (None: unknown text) and the context it lives in."""

    holes: tuple[HoleRef, ...] | None
    naturals: int
    hyps: frozenset[str]
    hyps_exact: bool
    pinned: bool = False  # its holes' types cannot mention each other (a known form)
    outer: frozenset[str] | None = None  # the goal's own context when the implicit lambda opened binders


@attrs.frozen
class CheckpointInfo:
    iface: Interface
    depth: int  # focus depth where it was taken


@attrs.frozen
class VType:
    sort: VSort
    goal: str | None = None  # the slot a goal value names
    goals: tuple[str, ...] | None = None  # the slots a goal list names, in order
    hole: HoleVal | None = None
    holes: tuple[HoleVal, ...] | None = None  # a list of fresh holes
    elab: ElabInfo | None = None
    checkpoint: CheckpointInfo | None = None
    split: Typed | None = None  # a `scoped "split"` result: the body's type
    provenance: bool = False  # a complete provenance record (ReadProvenance)

    def join(self, other: VType) -> VType:
        if self == other:
            return self
        return VType(self.sort if self.sort == other.sort else VSort.ANY)


ANY = VType(VSort.ANY)
UNIT = VType(VSort.UNIT)


@attrs.frozen
class Typed:
    out: Interface | None  # None: ⊥ (no run succeeds)
    effects: EffectRow
    value: VType = ANY
    failure: Diagnostic | None = None  # why ⊥

    @property
    def ok(self) -> bool:
        return self.out is not None


@attrs.define(eq=False)
class FixFrame:
    """What ``rec name`` stands for during the fixpoint iteration of ``fix name``."""

    name: str
    entry: Interface
    out: Interface | None
    effects: EffectRow
    value: VType
    inputs: list[Interface] = attrs.field(factory=list)


@attrs.frozen
class Delta:
    """Δ: bound value variables (with their value types) and the ``fix`` names in scope."""

    values: Map[str, VType] = attrs.field(factory=Map)
    fixes: Map[str, FixFrame] = attrs.field(factory=Map)
    depth: int = 0  # nesting of `focus`

    def bind(self, name: str, vt: VType) -> Delta:
        return attrs.evolve(self, values=self.values.set(name, vt))

    @staticmethod
    def of(**sorts: VSort) -> Delta:
        """Δ with variables of the given sorts (nothing else known about their values)."""
        return Delta(values=Map({k: VType(s) for k, s in sorts.items()}))


def join_typed(results: Iterable[Typed]) -> Typed:
    results = list(results)
    ok = [r for r in results if r.out is not None]
    effects = NO_EFFECTS
    for r in results:
        effects = effects | r.effects
    if not ok:
        failure = next((r.failure for r in results if r.failure is not None), None)
        return Typed(None, effects, ANY, failure)
    value = ok[0].value
    for r in ok[1:]:
        value = value.join(r.value)
    return Typed(join_all(r.out for r in ok), effects, value)


def value_sort(v: Value) -> VSort:
    return {
        VUnit: VSort.UNIT, VExpr: VSort.EXPR, VGoal: VSort.GOAL, VName: VSort.NAME, VNum: VSort.NUM,
        VStr: VSort.STR, VSurface: VSort.SURFACE, VRecord: VSort.RECORD,
    }.get(type(v), VSort.ANY)


def compatible(expected: VSort, found: VSort) -> bool:
    return expected is VSort.ANY or found is VSort.ANY or expected is found


def show_value(v: Value) -> str:
    if isinstance(v, VGoal):
        return f'#goal "{v.id}"'
    if isinstance(v, VName):
        return f"'{v.name}"
    if isinstance(v, (VStr, VSurface)):
        return repr(v.args()[0])
    if isinstance(v, VNum):
        return str(v.value)
    if isinstance(v, VVar):
        return v.name
    if isinstance(v, VUnit):
        return "()"
    if isinstance(v, VList):
        return "[" + ", ".join(show_value(i) for i in v.items) + "]"
    if isinstance(v, VRecord):
        return "{" + ", ".join(f"{k} = {show_value(i)}" for k, i in v.fields) + "}"
    return type(v).__name__


@attrs.frozen
class Replacement:
    """A goal replaced in place by ``children``: the goals are ``before + children + after``."""

    children: tuple[Item, ...]
    before: tuple[Item, ...]
    after: tuple[Item, ...]
    base: Interface  # the interface to evolve (fresh holes used up, …)

    def interface(self) -> Interface:
        return self.base.with_items((*self.before, *self.children, *self.after))


@attrs.frozen
class GoalRef:
    """How a goal operand resolves: picks in focus, a frame goal, or an unknown goal."""

    picks: tuple[Pick, ...] = ()
    frame: Slot | None = None
    approx: bool = False


# ---------------------------------------------------------------------------------------------
# the checker
# ---------------------------------------------------------------------------------------------


class CoreChecker:
    """The judgment for core programs.  ``env``/``mctx`` (from the state ``I_in`` comes from, when
    it does) let it compute shapes and check hypothesis and constant names; ``handlers``,
    ``foreign_symbols`` and ``scorers`` (when given) are the names a run will have registered."""

    def __init__(
        self,
        env: Environment | None = None,
        mctx: MetavarContext | None = None,
        *,
        handlers: Iterable[str] | None = None,
        foreign_symbols: Iterable[str] | None = None,
        scorers: Iterable[str] | None = None,
        provenance: Provenance | None = None,
        locations: dict[str, TacticCall] | None = None,
        filename: str = "<tactic>",
    ) -> None:
        self.env = env
        self.mctx = mctx
        self.handlers = None if handlers is None else frozenset(handlers)
        self.foreign_symbols = None if foreign_symbols is None else frozenset(foreign_symbols)
        self.scorers = None if scorers is None else frozenset(scorers)
        self.provenance = provenance
        self.locations = dict(locations or {})
        self.filename = filename

    # -- helpers ----------------------------------------------------------------------------------

    def error(self, path: str, message: str, expected: str = "", found: str = "",
              loc: Location | None = None) -> TypingError:
        return TypingError(message, path, expected, found, loc)

    def bottom(self, path: str, message: str, effects: EffectRow = NO_EFFECTS, expected: str = "",
               found: str = "", loc: Location | None = None) -> Typed:
        return Typed(None, effects, ANY, Diagnostic(path, message, expected, found, loc))

    def shape(self, target: object, slot: Slot) -> Shape:
        from tactic_mesh.kernel.expr import Expr

        if not isinstance(target, Expr):
            return UNKNOWN_SHAPE
        return shape_of(self.env, self.mctx, slot.lctx, target)

    def under_implicits(self, slot: Slot) -> Slot:
        """The goal as a term elaborated against it sees it: the elaborator's implicit lambda
        introduces the target's leading implicit binders (``∀ {n}, P``: the term is elaborated
        against ``P`` with ``n`` in scope).  Unknown targets that may start with a Π: the context is
        no longer known exactly."""
        if slot.target is not None and slot.lctx is not None and self.env is not None:
            try:
                checker = MetaChecker(self.env, self.mctx or MetavarContext(), slot.lctx)
                t = checker.whnf(slot.target)
                lctx, names = slot.lctx, []
                while _implicit_pi(t):
                    assert isinstance(t, Pi)
                    x = checker.push_local(t.name, t.type, bi=t.bi)
                    lctx = lctx.add(LocalDecl(x, t.name, t.type, None, t.bi))
                    names.append(t.name)
                    t = checker.whnf(instantiate1(t.body, x))
                if not names:
                    return slot
                return attrs.evolve(slot, hyps=slot.hyps | set(names), lctx=lctx, target=t,
                                    shape=shape_of(self.env, self.mctx, lctx, t), opaque=slot.opaque - set(names))
            except (TacticMeshError, RecursionError, KeyError, AssertionError):
                pass
        if slot.shape.whnf_head is not None and slot.shape.whnf_head != "Π":
            return slot
        return attrs.evolve(slot, hyps_exact=False, target=None, shape=UNKNOWN_SHAPE)

    def over_picks(self, picks: Iterable[Pick], fn: Callable[[Pick], Typed]) -> Typed:
        """Type each way a goal selector resolves and join; a pick on which the program is ill-typed
        (e.g. a hypothesis that goal lacks) is dropped unless every pick is.  (A run may still try
        the program there and fail: its effects are collected from the pick with its context
        forgotten.)"""
        results: list[Typed] = []
        errors: list[TypingError] = []
        picks = list(picks)
        for pick in picks:
            try:
                results.append(fn(pick))
            except TypingError as err:
                errors.append(err)
                blurred = attrs.evolve(pick.chosen, hyps_exact=False, target=None, lctx=None, shape=UNKNOWN_SHAPE)
                try:
                    results.append(Typed(None, fn(attrs.evolve(pick, chosen=blurred)).effects, ANY))
                except TypingError:
                    pass
        if errors and len(errors) == len(picks):
            raise errors[0]
        return join_typed(results)

    def check_idents(self, info: SurfaceInfo, hyps: frozenset[str], exact: bool, path: str, what: str,
                     loc: Location | None = None) -> None:
        """Every free identifier of a surface term must be a hypothesis or a constant (checked when
        the goal's hypotheses are known exactly and the environment is known)."""
        if not exact or self.env is None:
            return
        for name, _ in info.idents:
            if not resolves(name, hyps, self.env):
                shown = ", ".join(sorted(hyps)) or "no hypotheses"
                raise self.error(path, f"unknown identifier '{name}' in {what}",
                                 f"a hypothesis ({shown}) or a constant", f"'{name}'", loc)

    def scan(self, text: str, path: str, loc: Location | None = None) -> SurfaceInfo:
        try:
            return scan_surface(text)
        except ParseError as err:
            raise self.error(path, f"malformed surface term `{text}`: {err.message}", "a term", repr(text),
                             loc) from None
        except TacticMeshError as err:  # pragma: no cover - the parser raises ParseError
            raise self.error(path, err.message, loc=loc) from None

    # -- dispatch ---------------------------------------------------------------------------------

    def check(self, t: Term, iface: Interface, delta: Delta, path: str = "$") -> Typed:
        if isinstance(t, Bind):
            return self.bind(t, iface, delta, path)
        if isinstance(t, Pure):
            return Typed(iface, NO_EFFECTS, self.value(t.value, delta, f"{path}.value"))
        if isinstance(t, Fail):
            self.value(t.reason, delta, f"{path}.reason")
            return self.bottom(path, f"fail {show_value(t.reason)}")
        if isinstance(t, Choice):
            return self.choice(t, iface, delta, path)
        if isinstance(t, Scoped):
            return self.scoped(t, iface, delta, path)
        if isinstance(t, Focus):
            return self.focus(t, iface, delta, path)
        if isinstance(t, Handle):
            if self.handlers is not None and t.handler not in self.handlers:
                raise self.error(path, f"unknown handler '{t.handler}'", f"one of {sorted(self.handlers)}",
                                 f"'{t.handler}'")
            return self.check(t.body, iface, delta, f"{path}.body")
        if isinstance(t, Fix):
            return self.fix(t, iface, delta, path)
        if isinstance(t, Rec):
            return self.rec(t, iface, delta, path)
        if isinstance(t, Op):
            return self.op(t, iface, delta, path)
        if isinstance(t, Foreign):
            return self.foreign(t, iface, delta, path)
        raise self.error(path, f"unknown program node {type(t).__name__}", "a core program node", type(t).__name__)

    # -- values -----------------------------------------------------------------------------------

    def value(self, v: Value, delta: Delta, path: str) -> VType:
        if isinstance(v, VVar):
            found = delta.values.get(v.name)
            if found is None:
                bound = ", ".join(sorted(delta.values)) or "none"
                raise self.error(path, f"unbound value variable '{v.name}'",
                                 f"a variable bound by an enclosing bind ({bound})", v.name)
            return found
        if isinstance(v, VSuspension):
            raise self.error(path, "a split suspension is a runtime value, not program data",
                             "a first-order value", "a suspension")
        if isinstance(v, VList):
            items = [self.value(item, delta, f"{path}.items[{i}]") for i, item in enumerate(v.items)]
            goals = items and all(i.sort is VSort.GOAL for i in items)
            holes = tuple(i.hole for i in items if i.hole is not None)
            return VType(
                VSort.GOALS if goals else VSort.ANY,
                goals=tuple(i.goal for i in items if i.goal is not None) if goals else None,
                holes=holes if items and len(holes) == len(items) else None,
            )
        if isinstance(v, VRecord):
            for key, item in v.fields:
                self.value(item, delta, f"{path}.fields.{key}")
            return VType(VSort.RECORD)
        return VType(value_sort(v))

    # -- bind ------------------------------------------------------------------------------------

    def bind(self, t: Bind, iface: Interface, delta: Delta, path: str) -> Typed:
        effects = NO_EFFECTS
        cur: Term = t
        while isinstance(cur, Bind):
            first = self.check(cur.first, iface, delta, f"{path}.first")
            effects = effects | first.effects
            rest_delta = delta if cur.var == "_" else delta.bind(cur.var, first.value)
            if first.out is None:
                self.dead(cur.rest, rest_delta, f"{path}.rest")
                return Typed(None, effects, ANY, first.failure)
            iface, delta, path, cur = first.out, rest_delta, f"{path}.rest", cur.rest
        last = self.check(cur, iface, delta, path)
        return Typed(last.out, effects | last.effects, last.value, last.failure)

    def dead(self, t: Term, delta: Delta, path: str) -> None:
        """Code after a sub-term that never succeeds: still checked for scope errors."""
        self.check(t, Interface.top(), delta, path)

    # -- choice, scopes, focus ----------------------------------------------------------------------

    def choice(self, t: Choice, iface: Interface, delta: Delta, path: str) -> Typed:
        if t.policy is Policy.SCORED:
            if not t.scorer:
                raise self.error(path, "a scored choice needs a scorer", "a registered scorer name", "''")
            if self.scorers is not None and t.scorer not in self.scorers:
                raise self.error(path, f"unknown scorer '{t.scorer}'", f"one of {sorted(self.scorers)}",
                                 f"'{t.scorer}'")
        if not t.branches:
            return self.bottom(path, "choice with no branches", expected="≥1 branch", found="0")
        return join_typed(self.check(b, iface, delta, f"{path}.branches[{i}]") for i, b in enumerate(t.branches))

    def scoped(self, t: Scoped, iface: Interface, delta: Delta, path: str) -> Typed:
        body_path = f"{path}.body"
        if t.scope == "split":
            body = self.check(t.body, iface, delta, body_path)
            return Typed(join(body.out, iface), body.effects, VType(VSort.ANY, split=body))
        if t.scope == "reflect":
            body = self.check(t.body, iface, delta, body_path)
            if body.out is None:
                return body
            inner = body.value.split
            if inner is None:
                if body.value.sort is not VSort.ANY:
                    raise self.error(body_path, "reflect expects the result of `scoped \"split\"`",
                                     "a split result", body.value.sort.value)
                return Typed(join(body.out, Interface.top(iface.frame)), body.effects, ANY)
            return Typed(join(body.out, inner.out), body.effects | inner.effects, inner.value)
        if t.scope == "progress":  # filters the body's successes: the body's type
            return self.check(t.body, iface, delta, body_path)
        parts = t.scope.split()
        if len(parts) == 2 and parts[0] == "fuel" and parts[1].isdigit():
            body = self.check(t.body, iface, delta, body_path)
            if int(parts[1]) == 0:
                return Typed(None, body.effects, ANY, Diagnostic(path, "no fuel: `fuel 0` cannot take a step"))
            return body
        raise self.error(path, f"unknown scope '{t.scope}'", "`fuel N`, `split`, `reflect` or `progress`",
                         repr(t.scope))

    def selector_picks(self, selector: str, iface: Interface, path: str) -> list[Pick] | None:
        """The ways ``focus selector`` may resolve (None: ``all``); the order of tests is the one of
        ``ProofState.narrow``.  An explicit goal id must be a goal in focus."""
        items = iface.items
        if selector == "all":
            return None
        if selector in ("main", "first"):
            return first_picks(items)
        if selector == "last":
            return last_picks(items)
        picks: list[Pick] = []
        if selector.isdigit():
            picks = nth_picks(items, int(selector))
        if ":" in selector:
            m = GOAL_ID.match(selector)
            if m is not None:
                mvar = int(m.group(2))
                for i, it in enumerate(items):
                    if isinstance(it, Slot) and it.mvar == mvar:
                        current = it.goal_id(iface.checkpoint)
                        if current is not None and current != selector:
                            raise self.error(path, f"stale goal id '{selector}'", current, selector)
                        return [*picks, Pick(it, items[:i], items[i + 1:])]
                for i, it in enumerate(items):
                    if isinstance(it, Arity) and (it.origin == "input" or mvar in it.mvars) and it.hi != 0:
                        slot, rest = draw(it, mvar=mvar, name=selector)
                        picks.append(Pick(slot, items[:i], (*((rest,) if rest else ()), *items[i + 1:])))
                if picks:
                    return picks
            if not may_hold(items, int(m.group(2)) if m is not None else -1):
                ids = [s.goal_id(iface.checkpoint) or s.name for s in iface.slots()]
                raise self.error(path, f"goal '{selector}' is not in focus", f"one of {ids}", selector)
        return [*picks, *tag_picks(items, selector)]

    def focused(self, pick: Pick, iface: Interface) -> Interface:
        return attrs.evolve(iface, items=(pick.chosen,), frame=(*iface.frame, *pick.rest))

    def unfocused(self, body: Typed, pick: Pick, iface: Interface) -> Typed:
        if body.out is None:
            return body
        out = attrs.evolve(body.out, items=pick.replace(body.out.items), frame=iface.frame)
        return Typed(out, body.effects, body.value)

    def focus(self, t: Focus, iface: Interface, delta: Delta, path: str) -> Typed:
        inner = attrs.evolve(delta, depth=delta.depth + 1)
        picks = self.selector_picks(t.selector, iface, path)
        if picks is None:
            body = self.check(t.body, iface, inner, f"{path}.body")
            if body.out is None:
                return body
            return Typed(attrs.evolve(body.out, frame=iface.frame), body.effects, body.value)
        if not picks:
            lo, hi = iface.bounds()
            return self.bottom(path, f"focus: no goal '{t.selector}'", expected=f"a goal '{t.selector}'",
                               found=describe_bounds(lo, hi))
        return self.over_picks(picks, lambda p: self.unfocused(
            self.check(t.body, self.focused(p, iface), inner, f"{path}.body"), p, iface))

    # -- fix and rec --------------------------------------------------------------------------------

    def fix(self, t: Fix, iface: Interface, delta: Delta, path: str) -> Typed:
        frame = FixFrame(t.name, iface, None, NO_EFFECTS, ANY)
        inner = attrs.evolve(delta, fixes=delta.fixes.set(t.name, frame))
        body = Typed(None, NO_EFFECTS)
        for rounds in range(MAX_FIX_ROUNDS):
            frame.inputs = []
            body = self.check(t.body, frame.entry, inner, f"{path}.body")
            entry = join_all([frame.entry, *frame.inputs])
            assert entry is not None
            out = join(frame.out, body.out)
            if rounds >= WIDEN_AFTER:
                entry = widen(frame.entry, entry)
                if frame.out is not None and out is not None:
                    out = widen(frame.out, out)
            effects = frame.effects | body.effects
            value = body.value if frame.out is None else frame.value.join(body.value)
            if (entry.skeleton() == frame.entry.skeleton() and _skel(out) == _skel(frame.out)
                    and effects == frame.effects and value == frame.value):
                return body
            frame.entry, frame.out, frame.effects, frame.value = entry, out, effects, value
        # not stable: fall back to the top of the lattice (sound, imprecise)
        frame.entry, frame.out = Interface.top(iface.frame), Interface.top(iface.frame)
        frame.effects = frame.effects | body.effects
        frame.inputs = []
        return self.check(t.body, frame.entry, inner, f"{path}.body")

    def rec(self, t: Rec, iface: Interface, delta: Delta, path: str) -> Typed:
        frame = delta.fixes.get(t.name)
        if frame is None:
            bound = ", ".join(sorted(delta.fixes)) or "none"
            raise self.error(path, f"`rec {t.name}` outside `fix {t.name}`", f"a fix name in scope ({bound})", t.name)
        frame.inputs.append(iface)
        if frame.out is None:
            return Typed(None, frame.effects, frame.value, Diagnostic(path, f"rec {t.name}: no result yet"))
        return Typed(attrs.evolve(frame.out, frame=iface.frame), frame.effects, frame.value)

    # -- operations -------------------------------------------------------------------------------

    def op(self, t: Op, iface: Interface, delta: Delta, path: str) -> Typed:
        spec = SPECS.get(t.name)
        if spec is None:
            raise self.error(path, f"unknown operation '{t.name}'", "an operation of the effect signature", t.name)
        extra = spec.optional
        sorts = (*spec.operands, *extra)
        n = len(t.operands)
        if not len(spec.operands) <= n <= len(sorts):
            want = str(len(spec.operands)) if not extra else f"{len(spec.operands)}..{len(sorts)}"
            raise self.error(path, f"{t.name}: wrong number of operands", f"{want} operand(s)", str(n))
        types: list[VType] = []
        for i, (v, sort) in enumerate(zip(t.operands, sorts, strict=False)):
            vt = self.value(v, delta, f"{path}.operands[{i}]")
            if not compatible(sort, vt.sort):
                raise self.error(f"{path}.operands[{i}]", f"{t.name}: operand {i + 1} has the wrong sort",
                                 sort.value, f"{vt.sort.value} ({show_value(v)})")
            types.append(vt)
        rule = getattr(self, f"_op_{t.name}")
        result: Typed = rule(t, types, iface, delta, path)
        return Typed(result.out, result.effects | EffectRow.of(t.name), result.value, result.failure)

    def goal(self, v: Value, vt: VType, iface: Interface, path: str) -> GoalRef:
        """Resolve a goal operand (``main``, an id, a goal variable)."""
        if isinstance(v, VGoal):
            if v.id == "main":
                picks = first_picks(iface.items)
                if not picks:
                    raise self.error(path, "the main goal is out of scope: no goal in focus", "≥1 goal",
                                     describe_bounds(*iface.bounds()))
                return GoalRef(tuple(picks))
            m = GOAL_ID.match(v.id)
            if m is None:
                raise self.error(path, f"malformed goal id '{v.id}'", "main or cp<k>:<m>", repr(v.id))
            mvar = int(m.group(2))
            for i, it in enumerate(iface.items):
                if isinstance(it, Slot) and it.mvar == mvar:
                    return GoalRef((Pick(it, iface.items[:i], iface.items[i + 1:]),))
            for it in iface.frame:
                if isinstance(it, Slot) and it.mvar == mvar:
                    return GoalRef(frame=it)
            if may_hold((*iface.items, *iface.frame), mvar):
                return GoalRef(approx=True)
            ids = [s.goal_id(iface.checkpoint) or s.name for s in iface.slots()]
            raise self.error(path, f"goal {v.id} is not in scope", f"one of {ids}", v.id)
        if vt.goal is not None:
            found = iface.find(vt.goal)
            if found is not None:
                i, slot = found
                return GoalRef((Pick(slot, iface.items[:i], iface.items[i + 1:]),))
            for it in iface.frame:
                if isinstance(it, Slot) and it.name == vt.goal:
                    return GoalRef(frame=it)
        return GoalRef(approx=True)

    def read_goal(self, v: Value, vt: VType, iface: Interface, path: str) -> GoalRef:
        ref = self.goal(v, vt, iface, path)
        if ref.approx and not iface.items and not iface.frame:
            raise self.error(path, "no goal to read", "≥1 goal", "0 goals")
        return ref

    def write(self, v: Value, vt: VType, iface: Interface, path: str,
              children: Callable[[Pick], Replacement | Diagnostic], value: VType = UNIT) -> Typed:
        """An operation that replaces a goal, in place, by children; ``children(pick)`` gives the
        replacement or why it cannot succeed."""
        ref = self.goal(v, vt, iface, path)
        if ref.frame is not None:
            raise self.error(path, "writes a goal outside the focus", "a goal in focus",
                             ref.frame.goal_id(iface.checkpoint) or ref.frame.name)
        if ref.approx:
            generic = Pick(Slot("?goal"), (), iface.items)
            made = children(generic)
            if isinstance(made, Diagnostic):
                return Typed(None, NO_EFFECTS, ANY, made)
            kids, base = made.children, made.base
            lo, hi = bounds(iface.items)
            klo, khi = bounds(kids)
            block = collapse(f"{path}~", iface.items, kids)
            if block is not None:
                block = attrs.evolve(block, lo=max(lo - 1, 0) + klo,
                                     hi=None if hi is None or khi is None else max(hi - 1, 0) + khi)
            return Typed(base.with_items(() if block is None else (block,)), NO_EFFECTS, value)
        results: list[Typed] = []
        for pick in ref.picks:
            made = children(pick)
            if isinstance(made, Diagnostic):
                results.append(Typed(None, NO_EFFECTS, ANY, made))
                continue
            results.append(Typed(made.interface(), NO_EFFECTS, value))
        return join_typed(results)

    def term_children(self, v: Value, vt: VType, pick: Pick, iface: Interface, apply_mode: bool | None,
                      path: str) -> Replacement:
        """The goals that replace ``pick.chosen`` when it is assigned the term ``v`` (goals the term
        mentions move into its place; fresh holes it uses are no longer pending)."""
        parent = pick.chosen
        kids: list[Item] = []
        moved: set[str] = set()
        base = iface
        if vt.elab is not None and vt.elab.holes is not None:
            info = vt.elab
            refs = info.holes or ()
            many = len(refs) > 1 and not info.pinned
            for k, ref in enumerate(refs):
                kids.append(Slot(
                    name=f"{parent.name}/{ref.name or k}",
                    tag=ref.name or "",
                    hyps=info.hyps | frozenset(ref.binders),
                    hyps_exact=info.hyps_exact,
                    pinned=not many,
                ))
            if apply_mode is not False:
                # `_` holes under binders are re-expressed outside them (elimMVarDeps)
                outer = info.hyps if info.outer is None else info.outer
                kids.append(Arity(f"{parent.name}/_", 0, None, frozenset({"", parent.tag}) if parent.tag is not None
                                  else None, outer, info.hyps_exact and info.outer is None
                                  and not any(r.binders for r in refs)))
        elif vt.hole is not None:
            hole = vt.hole
            found = iface.find(hole.name)
            if hole.name in iface.holes:
                base = attrs.evolve(iface, holes=iface.holes - {hole.name})
                kids.append(_hole_slot(hole))
            elif found is not None:
                moved.add(hole.name)
                kids.append(found[1])
            else:
                kids.append(attrs.evolve(_hole_slot(hole), optional=True))
        elif isinstance(v, VExpr):
            for m in collect_mvars(v.expr):
                slot = next((s for s in iface.slots() if s.mvar == m.id), None)
                if slot is not None:
                    moved.add(slot.name)
                    kids.append(attrs.evolve(slot, pinned=False))
                elif self.mctx is not None and m.id in self.mctx.decls and not self.mctx.is_assigned(m.id):
                    decl = self.mctx.decl(m.id)
                    if decl.kind is MVarKind.NATURAL and apply_mode is False:
                        continue  # must be solved by unification, or the assignment fails
                    target = self.mctx.instantiate(decl.type)
                    kids.append(Slot(f"?m{m.id}", m.id, shape_of(self.env, self.mctx, decl.lctx, target),
                                     decl.user_name, frozenset(d.user_name for d in decl.lctx), True,
                                     target=target, lctx=decl.lctx))
                else:
                    kids.append(Arity(f"{parent.name}/?m{m.id}", 0, 1))
        else:
            kids.append(Arity(f"{parent.name}/*", 0, None))
        if len(kids) == 1 and isinstance(kids[0], Slot) and kids[0].tag == "":
            kids[0] = attrs.evolve(kids[0], tag=parent.tag)
        before = tuple(it for it in pick.before if not (isinstance(it, Slot) and it.name in moved))
        after = tuple(it for it in pick.after if not (isinstance(it, Slot) and it.name in moved))
        return Replacement(tuple(kids), before, after, base)

    # inspection

    def _op_ViewActiveObligations(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        known = all(isinstance(it, Slot) and not it.optional and it.pinned for it in iface.items)
        goals = tuple(s.name for s in iface.slots()) if known else None
        return Typed(iface, NO_EFFECTS, VType(VSort.GOALS, goals=goals))

    def _op_ReadObligation(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        self.read_goal(t.operands[0], ts[0], iface, f"{path}.operands[0]")
        return Typed(iface, NO_EFFECTS, VType(VSort.RECORD))

    def _op_ReadLocalContext(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        self.read_goal(t.operands[0], ts[0], iface, f"{path}.operands[0]")
        return Typed(iface, NO_EFFECTS, VType(VSort.LIST))

    def _op_PreviewAssign(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        self.read_goal(t.operands[0], ts[0], iface, f"{path}.operands[0]")  # the state does not change
        return Typed(iface, NO_EFFECTS, VType(VSort.RECORD))

    def _op_ReadMetavarGraph(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        return Typed(iface, NO_EFFECTS, VType(VSort.RECORD))

    def _op_ReadConstraintStore(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        return Typed(iface, NO_EFFECTS, VType(VSort.LIST))

    def _op_ReadEnvironment(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        name = t.operands[0]
        if isinstance(name, VName) and self.env is not None and self.env.find(name.name) is None:
            raise self.error(f"{path}.operands[0]", f"unknown constant '{name.name}'",
                             "a constant of the environment", name.name)
        return Typed(iface, NO_EFFECTS, VType(VSort.RECORD))

    # construction

    def main_context(self, iface: Interface, path: str, what: str) -> tuple[frozenset[str], bool]:
        """Operations that work in the main goal's context need one; its hypotheses (∩ of the
        possible main goals)."""
        picks = first_picks(iface.items)
        if not picks:
            raise self.error(path, f"{what} works in the main goal's context: no goal in focus", "≥1 goal",
                             describe_bounds(*iface.bounds()))
        hyps = frozenset.intersection(*(p.chosen.hyps for p in picks))
        exact = all(p.chosen.hyps_exact and p.chosen.hyps == hyps for p in picks)
        return hyps, exact

    def _op_FreshMetavar(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        hyps, exact = self.main_context(iface, path, "FreshMetavar")
        ty, name = t.operands
        user: str | None = name.name if isinstance(name, VName) else ("" if isinstance(name, VUnit) else None)
        if user:
            taken = {it.tag for it in (*iface.items, *iface.frame) if isinstance(it, Slot) and it.tag}
            if user in iface.hole_names or user in taken:
                raise self.error(f"{path}.operands[1]", f"obligation-id collision: a hole or goal named '{user}' "
                                 "already exists", "a fresh name", user)
        shape = UNKNOWN_SHAPE
        if isinstance(ty, VExpr) and self.env is not None:
            shape = shape_of(self.env, self.mctx, None, ty.expr)
        hole = HoleVal(path, user, shape, hyps, exact)
        out = attrs.evolve(iface, holes=iface.holes | {path},
                           hole_names=iface.hole_names | ({user} if user else set()))
        return Typed(out, NO_EFFECTS, VType(VSort.EXPR, hole=hole))

    def _op_SpawnObligations(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        v, vt = t.operands[0], ts[0]
        opath = f"{path}.operands[0]"
        entries: list[tuple[Value, VType]]
        if isinstance(v, VList):
            entries = [(item, self.value(item, delta, f"{opath}.items[{i}]")) for i, item in enumerate(v.items)]
        else:
            entries = [(v, vt)]
        new: list[Item] = []
        names: list[str] = []
        holes = iface.holes
        spawned_ids: set[int] = set()
        for i, (item, it) in enumerate(entries):
            ipath = f"{opath}.items[{i}]" if isinstance(v, VList) else opath
            if it.hole is not None:
                hole = it.hole
                if hole.name in names:
                    raise self.error(ipath, "obligation-id collision: the same hole is spawned twice", "distinct holes",
                                     hole.user or hole.name)
                if hole.name not in holes and (iface.find(hole.name) is not None or any(
                        isinstance(f, Slot) and f.name == hole.name for f in iface.frame)):
                    raise self.error(ipath, "obligation-id collision: the hole is already an obligation",
                                     "a hole that is not a goal yet", hole.user or hole.name)
                holes = holes - {hole.name}
                names.append(hole.name)
                new.append(_hole_slot(hole))
            elif isinstance(item, VExpr) and isinstance(item.expr, MVar):
                m = item.expr.id
                if m in spawned_ids or any(isinstance(s, Slot) and s.mvar == m for s in (*iface.items, *iface.frame)):
                    raise self.error(ipath, f"obligation-id collision: ?m{m} is already an obligation",
                                     "a hole that is not a goal yet", f"?m{m}")
                spawned_ids.add(m)
                if self.mctx is not None and (m not in self.mctx.decls or self.mctx.is_assigned(m)):
                    return self.bottom(ipath, f"SpawnObligations: ?m{m} is not an open hole")
                if self.mctx is not None:
                    decl = self.mctx.decl(m)
                    target = self.mctx.instantiate(decl.type)
                    new.append(Slot(f"?m{m}", m, shape_of(self.env, self.mctx, decl.lctx, target), decl.user_name,
                                    frozenset(d.user_name for d in decl.lctx), True, target=target, lctx=decl.lctx))
                else:
                    new.append(Slot(f"?m{m}", m))
                names.append(f"?m{m}")
            elif it.sort in (VSort.EXPR, VSort.ANY) or isinstance(item, VList):
                new.append(Arity(f"{ipath}*", 0, None))
            else:
                return self.bottom(ipath, "SpawnObligations: holes (metavariables) are expected",
                                   expected="holes", found=show_value(item))
        known = all(isinstance(n, Slot) for n in new)
        out = attrs.evolve(iface, items=(*iface.items, *new), holes=holes)
        return Typed(out, NO_EFFECTS, VType(VSort.GOALS, goals=tuple(names) if known else None))

    def _op_AssignMetavar(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        mode = t.operands[2] if len(t.operands) > 2 else None
        apply_mode: bool | None = (isinstance(mode, VStr) and mode.value == "apply") if not isinstance(mode, VVar) \
            else None
        term, term_t = t.operands[1], ts[1]
        return self.write(t.operands[0], ts[0], iface, f"{path}.operands[0]",
                          lambda p: self.term_children(term, term_t, p, iface, apply_mode, path))

    def _op_RegisterResidualBuilder(self, t: Op, ts: list[VType], iface: Interface, delta: Delta,
                                    path: str) -> Typed:
        record = t.operands[0]
        opath = f"{path}.operands[0]"
        if not isinstance(record, VRecord):
            raise self.error(opath, "a residual builder must be a literal record {goal, term} (its children are "
                             "checked against the step)", "a record literal", show_value(record))
        goal, term = record.get("goal"), record.get("term")
        if goal is None or term is None:
            raise self.error(opath, "a residual builder needs `goal` and `term`", "{goal, term}",
                             "{" + ", ".join(k for k, _ in record.fields) + "}")
        goal_t = self.value(goal, delta, f"{opath}.fields.goal")
        term_t = self.value(term, delta, f"{opath}.fields.term")
        tpath = f"{opath}.fields.term"
        if term_t.hole is None and term_t.elab is None:
            if isinstance(term, VExpr):
                for m in collect_mvars(term.expr):
                    slot = next((s for s in (*iface.slots(), *(f for f in iface.frame if isinstance(f, Slot)))
                                 if s.mvar == m.id), None)
                    what = f"the open goal {slot.goal_id(iface.checkpoint) or slot.name}" if slot else "a hole"
                    raise self.error(tpath, f"the residual builder expects a witness for ?m{m.id}, which is not a "
                                     "child spawned by this step", "holes created by this step",
                                     f"?m{m.id} ({what} of the input)")
            else:
                raise self.error(tpath, "cannot check the residual builder's children: the term does not come "
                                 "from this step (FreshMetavar or Elaborate)", "a term built by this step",
                                 term_t.sort.value)
        return self.write(goal, goal_t, iface, f"{opath}.fields.goal",
                          lambda p: self.term_children(term, term_t, p, iface, True, path))

    # elaboration and kernel

    def _op_Elaborate(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        surface, goal = t.operands
        info: SurfaceInfo | None = None
        if isinstance(surface, VSurface):
            info = self.scan(surface.text, f"{path}.operands[0]")
        if isinstance(goal, VGoal) or ts[1].goal is not None:
            ref = self.read_goal(goal, ts[1], iface, f"{path}.operands[1]")
            picks = list(ref.picks) if not ref.frame else [Pick(ref.frame, (), ())]
            if ref.approx:
                picks = []
        else:
            picks = first_picks(iface.items)
            if not picks:
                raise self.error(f"{path}.operands[1]", "Elaborate without a goal works in the main goal's "
                                 "context: no goal in focus", "≥1 goal", describe_bounds(*iface.bounds()))
        # an expected type: the implicit lambda may introduce the goal's leading implicit binders
        against = (isinstance(goal, VGoal) or ts[1].goal is not None) and (info is None or info.implicit_lambda)
        contexts: list[tuple[frozenset[str], bool]] = []
        outers: list[frozenset[str]] = []
        opened = False
        errors: list[TypingError] = []
        for p in picks:
            seen = self.under_implicits(p.chosen) if against else p.chosen
            if against and info is None:
                seen = attrs.evolve(seen, hyps_exact=False)
            try:
                if info is not None:
                    self.check_idents(info, seen.hyps, seen.hyps_exact, f"{path}.operands[0]", f"`{info.text}`")
                contexts.append((seen.hyps, seen.hyps_exact))
                outers.append(p.chosen.hyps)
                opened = opened or seen is not p.chosen
            except TypingError as err:
                errors.append(err)
        if errors and not contexts:
            raise errors[0]
        if contexts:
            hyps = frozenset.intersection(*(c[0] for c in contexts))
            exact = all(c[1] and c[0] == hyps for c in contexts)
        else:
            hyps, exact = frozenset(), False
        outer = frozenset.intersection(*outers) if opened and outers else None
        elab = ElabInfo(info.holes if info is not None else None, info.naturals if info is not None else 0,
                        hyps, exact, outer=outer)
        return Typed(iface, NO_EFFECTS, VType(VSort.EXPR, elab=elab))

    def _op_Normalize(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        return Typed(iface, NO_EFFECTS, VType(VSort.EXPR))

    def _op_Unify(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        return Typed(iface, NO_EFFECTS, UNIT)

    def _op_Rewrite(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        at = t.operands[3] if len(t.operands) > 3 else None

        def children(p: Pick) -> Replacement | Diagnostic:
            parent = p.chosen
            if isinstance(at, VName) and parent.hyps_exact and at.name not in parent.hyps:
                raise self.error(f"{path}.operands[3]", f"Rewrite at an unknown hypothesis '{at.name}'",
                                 f"a hypothesis ({', '.join(sorted(parent.hyps)) or 'none'})", at.name)
            child = Slot(f"{parent.name}/rw", tag=parent.tag, hyps=parent.hyps, hyps_exact=parent.hyps_exact,
                         lctx=parent.lctx, opaque=parent.opaque | ({at.name} if isinstance(at, VName) else set()))
            return Replacement((child,), p.before, p.after, iface)

        ref_value = VType(VSort.GOAL)
        out = self.write(t.operands[0], ts[0], iface, f"{path}.operands[0]", children, ref_value)
        if out.out is not None:
            names = [s.name for s in out.out.slots() if s.name.endswith("/rw")]
            if len(names) == 1:
                out = Typed(out.out, out.effects, VType(VSort.GOAL, goal=names[0]))
        return out

    def _op_SynthesizeInstance(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        self.main_context(iface, path, "SynthesizeInstance")
        return Typed(iface, NO_EFFECTS, VType(VSort.EXPR))

    def _op_CheckWitness(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        return Typed(iface, NO_EFFECTS, UNIT)

    # control

    def _op_Checkpoint(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        saved = None if iface.saved is None else iface.saved + 1
        out = attrs.evolve(iface, checkpoint=saved, saved=saved)
        return Typed(out, NO_EFFECTS, VType(VSort.NUM, checkpoint=CheckpointInfo(iface, delta.depth)))

    def _op_Rollback(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        n, nt = t.operands[0], ts[0]
        info = nt.checkpoint
        if info is not None and info.depth == delta.depth:
            saved = None if info.iface.saved is None else info.iface.saved + 1
            return Typed(attrs.evolve(info.iface, saved=saved), NO_EFFECTS, UNIT)
        if isinstance(n, VNum) and iface.saved is not None and not 0 <= n.value < iface.saved:
            return self.bottom(path, f"Rollback: no checkpoint {n.value}", expected=f"0..{iface.saved - 1}",
                               found=str(n.value))
        return Typed(Interface((Arity(f"{path}*", origin="input"),), iface.frame), NO_EFFECTS, UNIT)

    def _op_Backtrack(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        return self.bottom(path, "backtrack")

    def _op_Cut(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        return Typed(iface, NO_EFFECTS, UNIT)

    def _op_ConsumeFuel(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        amount = t.operands[0]
        if isinstance(amount, VNum) and amount.value < 0:
            raise self.error(f"{path}.operands[0]", "ConsumeFuel expects a non-negative number", "≥ 0",
                             str(amount.value))
        return Typed(iface, NO_EFFECTS, UNIT)

    # provenance

    def _op_ReadProvenance(self, t: Op, ts: list[VType], iface: Interface, delta: Delta, path: str) -> Typed:
        return Typed(iface, NO_EFFECTS, VType(VSort.RECORD, provenance=True))

    def _op_RequireReplayCompatibility(self, t: Op, ts: list[VType], iface: Interface, delta: Delta,
                                       path: str) -> Typed:
        """The record must keep every replay-critical field of ``Provenance`` (a record read by
        ``ReadProvenance`` does); unknown fields never match; literal values that differ from the
        input state's provenance are an incompatibility known in advance."""
        record, rt = t.operands[0], ts[0]
        opath = f"{path}.operands[0]"
        critical = Provenance.REPLAY_CRITICAL
        if rt.provenance:
            return Typed(iface, NO_EFFECTS, UNIT)
        if not isinstance(record, VRecord):
            raise self.error(opath, "cannot check that the provenance record keeps every replay-critical field",
                             "a ReadProvenance result or a record literal", rt.sort.value)
        keys = [k for k, _ in record.fields]
        for key in keys:
            if key not in critical:
                raise self.error(f"{opath}.fields.{key}", f"unknown provenance field '{key}'",
                                 f"one of {list(critical)}", key)
        for key in critical:
            if key not in keys:
                raise self.error(opath, f"dropped replay-critical provenance field '{key}'",
                                 f"all of {list(critical)}", f"{{{', '.join(keys)}}}")
        if self.provenance is not None:
            current = {"kernel_version": self.provenance.kernel_version,
                       "environment_hash": self.provenance.environment_hash,
                       "options": repr(self.provenance.options)}
            for key, value in record.fields:
                if isinstance(value, VStr) and value.value != current[key]:
                    raise self.error(f"{opath}.fields.{key}", f"replay incompatible: provenance field '{key}'",
                                     value.value, current[key])
        return Typed(iface, NO_EFFECTS, UNIT)

    # -- foreign ----------------------------------------------------------------------------------

    def contract_footprint(self, t: Foreign, path: str) -> EffectRow:
        c = t.contract
        unknown = sorted(e for e in c.effects if e not in SPECS)
        if unknown:
            raise self.error(f"{path}.contract", f"the contract declares effects outside the signature: "
                             f"{', '.join(unknown)}", "operations of the effect signature", ", ".join(unknown))
        closing = sorted(c.effects & GOAL_CLOSING)
        shrinks = c.consumes_goals is not None and c.produces_goals is not None and c.produces_goals < c.consumes_goals
        if (closing or shrinks) and not c.replay_codec and not c.refinement_known:
            what = ", ".join(closing) or f"consumes {c.consumes_goals} goal(s), produces {c.produces_goals}"
            raise self.error(f"{path}.contract", f"dropped replay-critical provenance: foreign '{t.symbol}' may close "
                             f"goals ({what}) but declares no replay codec", "a replay_codec", "''")
        if self.foreign_symbols is not None and t.symbol not in self.foreign_symbols:
            raise self.error(path, f"no handler for foreign symbol '{t.symbol}'",
                             f"one of {sorted(self.foreign_symbols)}", t.symbol)
        return EffectRow(frozenset(c.effects), frozenset({t.symbol}))

    def foreign(self, t: Foreign, iface: Interface, delta: Delta, path: str) -> Typed:
        footprint = self.contract_footprint(t, path)
        if t.symbol == "tactic":
            return self.foreign_tactic(t, iface, delta, path, footprint)
        self.value(t.payload, delta, f"{path}.payload")
        return Typed(self.contract_out(t.contract, iface, path), footprint, ANY)

    def contract_out(self, c: Contract, iface: Interface, path: str) -> Interface:
        produced: tuple[Item, ...]
        if c.produces_goals is None:
            produced = (Arity(f"{path}+", 0, None),)
        else:
            produced = tuple(Slot(f"{path}+{k}") for k in range(c.produces_goals))
        if c.consumes_goals is None:
            block = collapse(f"{path}*", iface.items, produced)
            if block is not None:
                block = attrs.evolve(block, lo=0, hi=None, tags=None)
            return iface.with_items(() if block is None else (block,))
        k = c.consumes_goals
        head = iface.items[:k]
        if len(head) == k and all(isinstance(it, Slot) and not it.optional and it.pinned for it in head):
            return iface.with_items((*produced, *iface.items[k:]))
        lo, hi = iface.bounds()
        block = collapse(f"{path}*", iface.items, produced)
        if block is not None:
            plo, phi = bounds(produced)
            block = attrs.evolve(block, lo=max(lo - k, 0) + plo,
                                 hi=None if hi is None or phi is None else max(hi - k, 0) + phi, tags=None)
        return iface.with_items(() if block is None else (block,))

    def foreign_tactic(self, t: Foreign, iface: Interface, delta: Delta, path: str, footprint: EffectRow) -> Typed:
        raise self.error(path, "derived tactics need the derived checker (typing.derived.Checker)")


def _implicit_pi(t: object) -> bool:
    return isinstance(t, Pi) and t.bi is not BinderInfo.DEFAULT


def _skel(i: Interface | None) -> object:
    return None if i is None else i.skeleton()


def _hole_slot(hole: HoleVal) -> Slot:
    return Slot(hole.name, shape=hole.shape, tag=hole.user, hyps=hole.hyps, hyps_exact=hole.hyps_exact)


__all__ = [
    "ANY",
    "GOAL_CLOSING",
    "UNIT",
    "CheckpointInfo",
    "CoreChecker",
    "Delta",
    "ElabInfo",
    "FixFrame",
    "GoalRef",
    "HoleVal",
    "Replacement",
    "Typed",
    "VType",
    "compatible",
    "join_typed",
    "show_value",
    "value_sort",
]
