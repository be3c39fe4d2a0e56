"""Obligation interfaces and effect rows: the types of the judgment ``Δ ; I_in ⊢ t : I_out ! Φ``.

An **interface** describes the goals in focus, in order, as a sequence of *items*:

* a ``Slot`` is one goal: its id when known (``cp<k>:<m>``: ``mvar`` plus the interface's
  checkpoint), a symbolic ``name`` unique in the interface, the *shape* of its target where known
  (syntactic head — a constant such as ``And``/``Eq``, ``Π``, ``Sort`` —, head after weak-head
  normalisation, whether it is a proposition, a lower bound on its leading Π binders), its case
  tag, the hypothesis names certainly in its context (``hyps``; all of them when ``hyps_exact``),
  and when known the target and local context themselves (kernel data, used to compute the shapes
  of its children);
  ``optional`` slots may be absent (solved by unification as a side effect of another step, or
  closed by a tactic that closes its goal only sometimes: ``rw`` ends with ``try rfl``);
  ``pinned`` is False for a goal that another goal mentions: a step closing that other goal with a
  term mentioning it moves it to that goal's position;
* an ``Arity`` block is an *arity variable*: between ``lo`` and ``hi`` goals (``hi=None``:
  unbounded) that only the handler can count (``apply h``, ``constructor``, ``induction x`` on an
  unknown type), with what is known of all of them (hypotheses, possible tags).

Besides the goals in focus an interface carries the ``frame`` (goals active but outside the
focus of an enclosing ``focus``: operations may *read* them by id), the checkpoint number and the
number of saved checkpoints (ids are checkpoint-scoped), and the fresh holes created by
``FreshMetavar`` that are not obligations yet.  ``None`` stands for ⊥: no run succeeds.

An **effect row** is a set of operation names of the effect signature (``effects.SPECS``; the
groups and flags follow) plus the ``foreign`` symbols performed (their footprints — the effects
their contracts declare — are part of ``ops``).

``interface_of_state`` reads the interface of a real ``ProofState``; ``conforms`` says whether a
state matches an interface (the soundness property test uses it).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence

import attrs

from tactic_mesh.calculus.effects import SPECS, Group
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.kernel.environment import Environment, InductiveInfo
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Const, Expr, Pi, Sort, get_app_fn, instantiate1
from tactic_mesh.kernel.local_context import LocalContext
from tactic_mesh.kernel.mctx import MetavarContext, MVarKind
from tactic_mesh.kernel.typechecker import is_prop_sort
from tactic_mesh.kernel.unify import MetaChecker

MAX_BINDERS = 8  # how many leading Π binders a shape counts at most

SYMBOLS = {
    "And": "∧", "Or": "∨", "Iff": "↔", "Eq": "=", "Not": "¬", "Exists": "∃", "Ne": "≠",
    "Nat.le": "≤", "Nat.lt": "<", "LE.le": "≤", "LT.lt": "<", "Π": "Π",
}

GOAL_ID = re.compile(r"cp(\d+):(\d+)$")

# ---------------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Shape:
    """What is known of a goal's target (None / 0: unknown)."""

    head: str | None = None  # syntactic head: a constant's name, "Π" or "Sort"
    whnf_head: str | None = None  # the head after weak-head normalisation (`¬p` is a Π)
    prop: bool | None = None  # is the target a proposition?
    min_binders: int = 0  # at least this many leading Π binders (up to whnf)

    def join(self, other: Shape) -> Shape:
        return Shape(
            self.head if self.head == other.head else None,
            self.whnf_head if self.whnf_head == other.whnf_head else None,
            self.prop if self.prop == other.prop else None,
            min(self.min_binders, other.min_binders),
        )

    @property
    def known(self) -> bool:
        return self.head is not None or self.whnf_head is not None

    def describe(self) -> str:
        if not self.known:
            return "?" if self.min_binders == 0 else f"Π{self.min_binders}…"
        head = self.head if self.head is not None else f"whnf {self.whnf_head}"
        shown = SYMBOLS.get(head, head)
        if self.whnf_head is not None and self.head is not None and self.whnf_head != self.head:
            shown += f" (whnf {SYMBOLS.get(self.whnf_head, self.whnf_head)})"
        return shown


UNKNOWN_SHAPE = Shape()


def head_name(e: Expr) -> str | None:
    if isinstance(e, Pi):
        return "Π"
    if isinstance(e, Sort):
        return "Sort"
    fn = get_app_fn(e)
    return fn.name if isinstance(fn, Const) else None


def _stable_head(env: Environment, head: str | None) -> bool:
    """A head that assigning metavariables cannot change: Π, Sort, an inductive type."""
    return head in ("Π", "Sort") or (head is not None and isinstance(env.find(head), InductiveInfo))


def shape_of(env: Environment | None, mctx: MetavarContext | None, lctx: LocalContext | None, target: Expr) -> Shape:
    """The shape of ``target`` (in ``lctx``).  Parts that assigning a metavariable could change are
    left unknown; a target the kernel cannot look at has only its syntactic head."""
    head = head_name(target)
    if env is None:
        return Shape(head=head, min_binders=1 if head == "Π" else 0)
    try:
        checker = MetaChecker(env, mctx or MetavarContext(), lctx)
        w = checker.whnf(target)
        whnf_head = head_name(w)
        volatile = target.has_mvar
        if volatile and not _stable_head(env, whnf_head):
            whnf_head = None
        binders, t = 0, w
        while isinstance(t, Pi) and binders < MAX_BINDERS:
            binders += 1
            t = checker.whnf(instantiate1(t.body, checker.push_local(t.name, t.type)))
            if volatile and not isinstance(t, Pi):
                break
        sort = checker.whnf(checker.infer(target))
        prop: bool | None = is_prop_sort(sort) if isinstance(sort, Sort) and not sort.has_level_mvar else None
        return Shape(head, whnf_head, prop, binders)
    except (TacticMeshError, RecursionError, KeyError, AssertionError):  # the kernel cannot look at it
        return Shape(head=head, min_binders=1 if head == "Π" else 0)


# ---------------------------------------------------------------------------------------------
# slots, arity blocks, interfaces
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Slot:
    """One goal of an interface (see the module docstring)."""

    name: str
    mvar: int | None = None
    shape: Shape = UNKNOWN_SHAPE
    tag: str | None = None
    hyps: frozenset[str] = frozenset()
    hyps_exact: bool = False
    optional: bool = False
    pinned: bool = True
    target: Expr | None = attrs.field(default=None, eq=False, repr=False)
    lctx: LocalContext | None = attrs.field(default=None, eq=False, repr=False)
    opaque: frozenset[str] = frozenset()  # hypotheses whose type is unknown (they shadow `lctx`)

    def goal_id(self, checkpoint: int | None) -> str | None:
        return None if self.mvar is None or checkpoint is None else f"cp{checkpoint}:{self.mvar}"

    def hyp_type(self, name: str) -> Expr | None:
        if name in self.opaque or self.lctx is None:
            return None
        decl = self.lctx.find_by_name(name)
        return None if decl is None else decl.type

    def describe(self, checkpoint: int | None = None) -> str:
        ident = self.goal_id(checkpoint) or self.name
        tag = f" #{self.tag}" if self.tag else ""
        return f"{ident}{'?' if self.optional else ''} ⊢ {self.shape.describe()}{tag}"


@attrs.frozen
class Arity:
    """An arity variable: ``lo ≤ n ≤ hi`` goals that only the handler can count."""

    var: str
    lo: int = 0
    hi: int | None = None
    tags: frozenset[str] | None = None  # the tags its goals may have (None: any)
    hyps: frozenset[str] = frozenset()  # hypotheses in every one of its goals
    hyps_exact: bool = False
    drawn: int = 0  # goals already taken out of it (names the next one)
    origin: str = "step"  # "input": goals of a symbolic input interface (their ids may be named)
    mvars: frozenset[int] = frozenset()  # known goals it may contain (slots merged into it)

    def describe(self) -> str:
        hi = "∞" if self.hi is None else str(self.hi)
        return f"{self.var}∈[{self.lo},{hi}]"


Item = Slot | Arity


def bounds(items: Iterable[Item]) -> tuple[int, int | None]:
    lo = 0
    hi: int | None = 0
    for it in items:
        if isinstance(it, Slot):
            lo += 0 if it.optional else 1
            if hi is not None:
                hi += 1
        else:
            lo += it.lo
            hi = None if hi is None or it.hi is None else hi + it.hi
    return lo, hi


@attrs.frozen
class Interface:
    items: tuple[Item, ...] = ()
    frame: tuple[Item, ...] = ()
    checkpoint: int | None = None
    saved: int | None = None
    holes: frozenset[str] = frozenset()  # fresh holes (FreshMetavar) not yet obligations
    hole_names: frozenset[str] = frozenset()  # user names given to fresh holes so far

    @staticmethod
    def top(frame: tuple[Item, ...] = ()) -> Interface:
        """Nothing known: any number of goals."""
        return Interface((Arity("⊤", origin="input"),), frame)

    @staticmethod
    def goals(n: int, prefix: str = "g") -> Interface:
        """``n`` goals about which nothing is known."""
        return Interface(tuple(Slot(f"{prefix}{i}") for i in range(n)))

    def bounds(self) -> tuple[int, int | None]:
        return bounds(self.items)

    def slots(self) -> list[Slot]:
        return [it for it in self.items if isinstance(it, Slot)]

    def find(self, name: str) -> tuple[int, Slot] | None:
        for i, it in enumerate(self.items):
            if isinstance(it, Slot) and it.name == name:
                return i, it
        return None

    def with_items(self, items: Iterable[Item]) -> Interface:
        return attrs.evolve(self, items=tuple(items))

    def summary(self) -> str:
        lo, hi = self.bounds()
        count = str(lo) if lo == hi else f"{lo}..{'∞' if hi is None else hi}"
        parts = [it.describe(self.checkpoint) if isinstance(it, Slot) else it.describe() for it in self.items]
        return f"{count} goal(s) [{', '.join(parts)}]"

    def skeleton(self) -> tuple[object, ...]:
        """What fixpoint iteration compares (no kernel data)."""
        return (self.items, self.frame, self.checkpoint, self.saved, self.holes, self.hole_names)


def describe_bounds(lo: int, hi: int | None) -> str:
    if lo == hi:
        return f"{lo} goal(s)"
    return f"{lo}..{'∞' if hi is None else hi} goals"


# ---------------------------------------------------------------------------------------------
# effect rows
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class EffectRow:
    ops: frozenset[str] = frozenset()
    foreign: frozenset[str] = frozenset()

    def __or__(self, other: EffectRow) -> EffectRow:
        return EffectRow(self.ops | other.ops, self.foreign | other.foreign)

    @staticmethod
    def of(*ops: str, foreign: Iterable[str] = ()) -> EffectRow:
        return EffectRow(frozenset(ops), frozenset(foreign))

    def groups(self) -> frozenset[Group]:
        return frozenset(SPECS[o].group for o in self.ops if o in SPECS)

    @property
    def reads(self) -> bool:
        return any(SPECS[o].reads for o in self.ops if o in SPECS)

    @property
    def writes(self) -> bool:
        return any(SPECS[o].writes for o in self.ops if o in SPECS)

    @property
    def backtracks(self) -> bool:
        return any(SPECS[o].backtracks for o in self.ops if o in SPECS)

    def allows(self, kind: str, name: str) -> bool:
        """Is an operation (``kind == "op"``) or foreign symbol (``"foreign"``) in the row?"""
        return name in (self.ops if kind == "op" else self.foreign)

    def names(self) -> tuple[str, ...]:
        return (*sorted(self.ops), *(f"foreign:{s}" for s in sorted(self.foreign)))

    def __str__(self) -> str:
        return "{" + ", ".join(self.names()) + "}"


NO_EFFECTS = EffectRow()

# ---------------------------------------------------------------------------------------------
# the lattice: join and widening
# ---------------------------------------------------------------------------------------------


def join_slots(a: Slot, b: Slot) -> Slot:
    if a == b and a.target is b.target and a.lctx is b.lctx:
        return a
    same_ctx = a.lctx is not None and b.lctx is not None and (a.lctx is b.lctx or a.lctx == b.lctx)
    same_target = same_ctx and a.target is not None and b.target is not None and a.target == b.target
    return Slot(
        name=a.name,
        mvar=a.mvar if a.mvar == b.mvar else None,
        shape=a.shape.join(b.shape),
        tag=a.tag if a.tag == b.tag else None,
        hyps=a.hyps & b.hyps,
        hyps_exact=a.hyps_exact and b.hyps_exact and a.hyps == b.hyps,
        optional=a.optional or b.optional,
        pinned=a.pinned and b.pinned,
        target=a.target if same_target else None,
        lctx=a.lctx if same_ctx else None,
        opaque=a.opaque | b.opaque,
    )


def join_arities(a: Arity, b: Arity) -> Arity:
    return Arity(
        var=a.var,
        lo=min(a.lo, b.lo),
        hi=None if a.hi is None or b.hi is None else max(a.hi, b.hi),
        tags=None if a.tags is None or b.tags is None else a.tags | b.tags,
        hyps=a.hyps & b.hyps,
        hyps_exact=a.hyps_exact and b.hyps_exact and a.hyps == b.hyps,
        drawn=max(a.drawn, b.drawn),
        origin="input" if "input" in (a.origin, b.origin) else "step",
        mvars=a.mvars | b.mvars,
    )


def _item_facts(items: Sequence[Item]) -> tuple[frozenset[str] | None, frozenset[str] | None, bool, bool]:
    """(hyps in every goal, possible tags, all hyps exact and equal, any input block)."""
    hyps: frozenset[str] | None = None
    tags: frozenset[str] | None = frozenset()
    exact_sets: set[frozenset[str]] = set()
    all_exact = True
    origin = False
    for it in items:
        hyps = it.hyps if hyps is None else hyps & it.hyps
        all_exact = all_exact and it.hyps_exact
        exact_sets.add(it.hyps)
        if isinstance(it, Slot):
            tags = None if tags is None or it.tag is None else tags | {it.tag}
        else:
            tags = None if tags is None or it.tags is None else tags | it.tags
            origin = origin or it.origin == "input"
    return hyps, tags, all_exact and len(exact_sets) <= 1, origin


def collapse(var: str, *sides: Sequence[Item]) -> Arity | None:
    """One arity block standing for any of ``sides`` (None: every side is empty)."""
    los, his = zip(*(bounds(side) for side in sides), strict=True)
    lo = min(los)
    hi = None if any(h is None for h in his) else max(h for h in his if h is not None)
    if hi == 0:
        return None
    every = [it for side in sides for it in side]
    hyps, tags, exact, origin = _item_facts(every)
    mvars = frozenset(it.mvar for it in every if isinstance(it, Slot) and it.mvar is not None).union(
        *(it.mvars for it in every if isinstance(it, Arity)))
    return Arity(var, lo, hi, tags, hyps or frozenset(), exact and hyps is not None,
                 origin="input" if origin else "step", mvars=mvars)


def _same_identity(a: Item, b: Item) -> bool:
    if isinstance(a, Slot) and isinstance(b, Slot):
        return a.name == b.name
    return isinstance(a, Arity) and isinstance(b, Arity) and a.var == b.var


def _join_item(a: Item, b: Item) -> Item:
    if isinstance(a, Slot) and isinstance(b, Slot):
        return join_slots(a, b)
    assert isinstance(a, Arity) and isinstance(b, Arity)
    return join_arities(a, b)


def join_items(xs: tuple[Item, ...], ys: tuple[Item, ...]) -> tuple[Item, ...]:
    """The least (up to this representation) item sequence both ``xs`` and ``ys`` match."""
    if xs == ys and all(
        not isinstance(x, Slot) or (isinstance(y, Slot) and x.target is y.target and x.lctx is y.lctx)
        for x, y in zip(xs, ys, strict=True)
    ):
        return xs
    if len(xs) == len(ys) and all(type(x) is type(y) for x, y in zip(xs, ys, strict=True)):
        return tuple(_join_item(x, y) for x, y in zip(xs, ys, strict=True))
    n = min(len(xs), len(ys))
    i = 0
    while i < n and _same_identity(xs[i], ys[i]):
        i += 1
    j = 0
    while j < n - i and _same_identity(xs[len(xs) - 1 - j], ys[len(ys) - 1 - j]):
        j += 1
    prefix = tuple(_join_item(x, y) for x, y in zip(xs[:i], ys[:i], strict=True))
    suffix = tuple(_join_item(x, y) for x, y in zip(xs[len(xs) - j:], ys[len(ys) - j:], strict=True))
    mx, my = xs[i:len(xs) - j], ys[i:len(ys) - j]
    if len(mx) == len(my) and all(type(x) is type(y) for x, y in zip(mx, my, strict=True)):
        return (*prefix, *(_join_item(x, y) for x, y in zip(mx, my, strict=True)), *suffix)
    anchor = (mx or my)[0]
    block = collapse(f"{anchor.name if isinstance(anchor, Slot) else anchor.var}⊔", mx, my)
    return (*prefix, *((block,) if block is not None else ()), *suffix)


def join(a: Interface | None, b: Interface | None) -> Interface | None:
    if a is None:
        return b
    if b is None:
        return a
    if a == b:
        return join_slots_kernel_data(a, b)
    return Interface(
        items=join_items(a.items, b.items),
        frame=join_items(a.frame, b.frame),
        checkpoint=a.checkpoint if a.checkpoint == b.checkpoint else None,
        saved=a.saved if a.saved == b.saved else None,
        holes=a.holes | b.holes,
        hole_names=a.hole_names | b.hole_names,
    )


def join_slots_kernel_data(a: Interface, b: Interface) -> Interface:
    """Equal skeletons: keep the kernel data (targets, contexts) only where both agree."""
    return attrs.evolve(a, items=join_items(a.items, b.items), frame=join_items(a.frame, b.frame))


def join_all(interfaces: Iterable[Interface | None]) -> Interface | None:
    out: Interface | None = None
    for i in interfaces:
        out = join(out, i)
    return out


def widen(old: Interface, new: Interface) -> Interface:
    """``new`` if it is no larger than ``old`` in count; otherwise one unbounded arity block (so that
    fixpoint iteration terminates: afterwards a block's ``lo`` can only decrease)."""
    if new.skeleton() == old.skeleton():
        return new
    (olo, ohi), (nlo, nhi) = old.bounds(), new.bounds()
    if (olo, ohi) == (nlo, nhi) and len(old.items) == len(new.items):
        return new
    block = collapse("ω", old.items, new.items)
    grown = block is not None and (block.hi is None or ohi is None or nhi is None or nhi > ohi)
    if block is not None and grown:
        block = attrs.evolve(block, hi=None, tags=None)
    items: tuple[Item, ...] = (block,) if block is not None else ()
    return attrs.evolve(new, items=items, checkpoint=new.checkpoint if new.checkpoint == old.checkpoint else None,
                        saved=new.saved if new.saved == old.saved else None)


# ---------------------------------------------------------------------------------------------
# choosing goals: main, last, n-th, by tag
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Pick:
    """One way a goal selector may resolve: the chosen goal and the others, in order."""

    chosen: Slot
    before: tuple[Item, ...]
    after: tuple[Item, ...]

    @property
    def rest(self) -> tuple[Item, ...]:
        return (*self.before, *self.after)

    def replace(self, children: Iterable[Item]) -> tuple[Item, ...]:
        return (*self.before, *children, *self.after)


def may_hold(items: Iterable[Item], mvar: int) -> bool:
    """May one of ``items`` be the goal ``mvar`` without a slot saying so?"""
    return any(isinstance(it, Arity) and (it.origin == "input" or mvar in it.mvars) for it in items)


def draw(block: Arity, tag: str | None = None, mvar: int | None = None, name: str | None = None
         ) -> tuple[Slot, Arity | None]:
    """A goal taken out of an arity block (assumed non-empty) and what is left of the block."""
    only_tag = next(iter(block.tags)) if block.tags is not None and len(block.tags) == 1 else None
    slot = Slot(
        name=name or f"{block.var}#{block.drawn}",
        mvar=mvar,
        tag=tag if tag is not None else only_tag,
        hyps=block.hyps,
        hyps_exact=block.hyps_exact,
    )
    hi = None if block.hi is None else block.hi - 1
    rest = None if hi == 0 else attrs.evolve(block, lo=max(block.lo - 1, 0), hi=hi, drawn=block.drawn + 1)
    return slot, rest


def _present(s: Slot) -> Slot:
    return attrs.evolve(s, optional=False) if s.optional else s


def _movable_picks(items: tuple[Item, ...], picks: list[Pick], tag: str | None = None) -> list[Pick]:
    """Unpinned goals may have moved anywhere, in front in particular."""
    taken = {p.chosen.name for p in picks}
    for i, it in enumerate(items):
        if isinstance(it, Slot) and not it.pinned and it.name not in taken:
            if tag is None or it.tag is None or it.tag == tag:
                picks.append(Pick(_present(it), (), (*items[:i], *items[i + 1:])))
    return picks


def first_picks(items: tuple[Item, ...]) -> list[Pick]:
    """The possible first goals (the `main` goal)."""
    picks: list[Pick] = []
    for i, it in enumerate(items):
        if isinstance(it, Slot):
            picks.append(Pick(_present(it), (), items[i + 1:]))
            if not it.optional:
                break
        else:
            if it.hi == 0:
                continue
            slot, rest = draw(it)
            picks.append(Pick(slot, (), (*((rest,) if rest else ()), *items[i + 1:])))
            if it.lo >= 1:
                break
    return _movable_picks(items, picks)


def last_picks(items: tuple[Item, ...]) -> list[Pick]:
    picks: list[Pick] = []
    for i in range(len(items) - 1, -1, -1):
        it = items[i]
        if isinstance(it, Slot):
            picks.append(Pick(_present(it), items[:i], ()))
            if not it.optional:
                break
        else:
            if it.hi == 0:
                continue
            slot, rest = draw(it)
            picks.append(Pick(slot, (*items[:i], *((rest,) if rest else ())), ()))
            if it.lo >= 1:
                break
    return _movable_picks(items, picks)


def nth_picks(items: tuple[Item, ...], n: int) -> list[Pick]:
    """The possible ``n``-th goals (1-based).  Precise when the goals before it are known slots;
    otherwise one approximate pick (an unknown goal; the others collapsed into a block)."""
    _, hi = bounds(items)
    if n < 1 or (hi is not None and hi < n):
        return []
    head = items[: n - 1]
    precise = all(isinstance(it, Slot) and not it.optional and it.pinned for it in items)
    if precise or (all(isinstance(it, Slot) and not it.optional and it.pinned for it in head) and len(items) >= n
                   and not any(isinstance(it, Slot) and not it.pinned for it in items[n - 1:])):
        it = items[n - 1]
        if isinstance(it, Slot):
            out = [Pick(_present(it), head, items[n:])]
            if it.optional:
                out += [Pick(p.chosen, (*head, *p.before), p.after) for p in first_picks(items[n:])]
            return out
        slot, rest = draw(it)
        out = [Pick(slot, head, (*((rest,) if rest else ()), *items[n:]))]
        if it.lo < 1:
            out += [Pick(p.chosen, (*head, *p.before), p.after) for p in first_picks(items[n:])]
        return out
    hyps, _, exact, _ = _item_facts(items)
    chosen = Slot(f"#{n}", hyps=hyps or frozenset(), hyps_exact=exact and hyps is not None)
    rest = collapse(f"#{n}…", items)
    if rest is not None:
        rest = attrs.evolve(rest, lo=max(rest.lo - 1, 0), hi=None if rest.hi is None else rest.hi - 1)
        if rest.hi == 0:
            rest = None
    return [Pick(chosen, (), (rest,) if rest is not None else ())]


def tag_picks(items: tuple[Item, ...], tag: str) -> list[Pick]:
    """The possible first goals tagged ``tag``."""
    picks: list[Pick] = []
    for i, it in enumerate(items):
        if isinstance(it, Slot):
            if it.tag == tag or it.tag is None:
                picks.append(Pick(attrs.evolve(_present(it), tag=tag), items[:i], items[i + 1:]))
                if it.tag == tag and not it.optional:
                    break
        else:
            if it.hi == 0 or (it.tags is not None and tag not in it.tags):
                continue
            slot, rest = draw(it, tag)
            picks.append(Pick(slot, items[:i], (*((rest,) if rest else ()), *items[i + 1:])))
    return _movable_picks(items, picks, tag)


# ---------------------------------------------------------------------------------------------
# real states
# ---------------------------------------------------------------------------------------------


def _slot_of(state: ProofState, g: int, mentioned: set[int]) -> Slot:
    mctx = state.metavar_graph
    decl = mctx.decl(g)
    target = mctx.instantiate(decl.type)
    return Slot(
        name=state.obligation_id(g),
        mvar=g,
        shape=shape_of(state.environment, mctx, decl.lctx, target),
        tag=decl.user_name,
        hyps=frozenset(d.user_name for d in decl.lctx),
        hyps_exact=True,
        optional=g in mentioned and decl.kind is not MVarKind.SYNTHETIC_OPAQUE,
        pinned=g not in mentioned,
        target=target,
        lctx=decl.lctx,
    )


def interface_of_state(state: ProofState) -> Interface:
    """The interface of a real proof state: every goal in focus is a slot with its id, shape, tag
    and exact local context; the other active goals form the frame."""
    focus = state.focus_goals()
    graph = state.metavar_graph.dependency_graph(state.active_obligations)
    mentioned: set[int] = set()
    for deps in graph.values():
        mentioned |= deps
    items = tuple(_slot_of(state, g, mentioned) for g in focus)
    frame = tuple(_slot_of(state, g, mentioned) for g in state.active_obligations if g not in focus)
    return Interface(items, frame, checkpoint=state.checkpoint, saved=len(state.saved))


@attrs.frozen
class _GoalFacts:
    mvar: int
    shape: Shape
    tag: str
    names: frozenset[str]


def _slot_matches(slot: Slot, goal: _GoalFacts) -> bool:
    if slot.mvar is not None and slot.mvar != goal.mvar:
        return False
    s, g = slot.shape, goal.shape
    if s.head is not None and s.head != g.head:
        return False
    if s.whnf_head is not None and s.whnf_head != g.whnf_head:
        return False
    if s.prop is not None and g.prop is not None and s.prop != g.prop:
        return False
    if s.min_binders > g.min_binders and g.min_binders < MAX_BINDERS:
        return False
    if slot.tag is not None and slot.tag != goal.tag:
        return False
    if not slot.hyps <= goal.names or (slot.hyps_exact and slot.hyps != goal.names):
        return False
    return True


def _same_up_to_defeq(slot: Slot, state: ProofState, goal: int) -> bool:
    """The slot's known target and hypothesis types against the goal's, up to definitional
    equality (the slot's local variables are matched with the goal's by name; parts that mention
    metavariables or unknown variables are not compared)."""
    if slot.lctx is None:
        return True
    mctx = state.metavar_graph
    decl = mctx.decl(goal)
    real = decl.lctx
    mapping: dict[Expr, Expr] = {}
    pairs: list[tuple[Expr, Expr]] = []
    for d in slot.lctx:
        if d.user_name in slot.opaque or slot.lctx.find_by_name(d.user_name) is not d:
            continue
        r = real.find_by_name(d.user_name)
        if r is None:
            continue
        mapping[d.fvar] = r.fvar
        pairs.append((d.type, r.type))
    if slot.target is not None:
        pairs.append((slot.target, decl.type))
    if not pairs:
        return True
    from tactic_mesh.kernel.expr import FVar, replace
    from tactic_mesh.kernel.typechecker import TypeChecker

    def mapped(e: Expr) -> Expr | None:
        missing = False

        def fn(sub: Expr, off: int) -> Expr | None:
            nonlocal missing
            if isinstance(sub, FVar):
                if sub in mapping:
                    return mapping[sub]
                if sub not in real:
                    missing = True
                return sub
            return None if sub.has_fvar else sub

        out = replace(e, fn)
        return None if missing else out

    checker = TypeChecker(state.environment, real)
    for mine, theirs in pairs:
        mine_i, theirs_i = mctx.instantiate(mine), mctx.instantiate(theirs)
        if mine_i.has_mvar or theirs_i.has_mvar or mine_i.has_level_mvar or theirs_i.has_level_mvar:
            continue
        m = mapped(mine_i)
        if m is None:
            continue
        try:
            if not checker.is_def_eq(m, theirs_i):
                return False
        except (TacticMeshError, RecursionError, KeyError, AssertionError):
            continue
    return True


def _block_matches(block: Arity, goal: _GoalFacts) -> bool:
    if block.tags is not None and goal.tag not in block.tags:
        return False
    return block.hyps <= goal.names and (not block.hyps_exact or block.hyps == goal.names)


def _match_sequence(items: Sequence[Item], goals: Sequence[_GoalFacts],
                    matches: Callable[[Slot, _GoalFacts], bool]) -> bool:
    """Pinned items against goals, in order (arity blocks absorb ranges)."""
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(items):
            result = j == len(goals)
        else:
            it = items[i]
            result = False
            if isinstance(it, Slot):
                if j < len(goals) and matches(it, goals[j]):
                    result = go(i + 1, j + 1)
                if not result and it.optional:
                    result = go(i + 1, j)
            else:
                k = 0
                while not result:
                    if k >= it.lo and go(i + 1, j + k):
                        result = True
                        break
                    if j + k >= len(goals) or (it.hi is not None and k >= it.hi):
                        break
                    if not _block_matches(it, goals[j + k]):
                        break
                    k += 1
        memo[key] = result
        return result

    return go(0, 0)


def conforms(state: ProofState, iface: Interface, deep: bool = True) -> str | None:
    """None when the goals in focus of ``state`` match ``iface``; otherwise what does not.  A slot
    matches a goal when its id, shape, tag and hypothesis names agree with it and (``deep``) its
    known target and hypothesis types are definitionally equal to the goal's."""
    if iface.checkpoint is not None and state.checkpoint != iface.checkpoint:
        return f"checkpoint {state.checkpoint}, the interface says {iface.checkpoint}"
    if iface.saved is not None and len(state.saved) != iface.saved:
        return f"{len(state.saved)} saved checkpoint(s), the interface says {iface.saved}"
    mctx = state.metavar_graph
    facts: list[_GoalFacts] = []
    for g in state.focus_goals():
        decl = mctx.decl(g)
        facts.append(_GoalFacts(g, shape_of(state.environment, mctx, decl.lctx, mctx.instantiate(decl.type)),
                                decl.user_name, frozenset(d.user_name for d in decl.lctx)))
    memo: dict[tuple[str, int], bool] = {}

    def matches(slot: Slot, goal: _GoalFacts) -> bool:
        key = (slot.name, goal.mvar)
        if key not in memo:
            memo[key] = _slot_matches(slot, goal) and (not deep or _same_up_to_defeq(slot, state, goal.mvar))
        return memo[key]

    movable = [it for it in iface.items if isinstance(it, Slot) and not it.pinned]
    fixed = [it for it in iface.items if not (isinstance(it, Slot) and not it.pinned)]
    options: list[list[int | None]] = []
    for slot in movable:
        choices: list[int | None] = [j for j, f in enumerate(facts) if matches(slot, f)]
        if slot.optional:
            choices.append(None)
        options.append(choices)
    for assignment in itertools.islice(itertools.product(*options), 4096):
        used = [j for j in assignment if j is not None]
        if len(used) != len(set(used)):
            continue
        remaining = [f for j, f in enumerate(facts) if j not in used]
        if _match_sequence(fixed, remaining, matches):
            return None
    shown = ", ".join(f"cp{state.checkpoint}:{f.mvar} ⊢ {f.shape.describe()}{' #' + f.tag if f.tag else ''}"
                      f" {{{', '.join(sorted(f.names))}}}" for f in facts)
    return f"the goals [{shown}] do not match the interface {iface.summary()}"


__all__ = [
    "GOAL_ID",
    "NO_EFFECTS",
    "UNKNOWN_SHAPE",
    "Arity",
    "EffectRow",
    "Interface",
    "Item",
    "Pick",
    "Shape",
    "Slot",
    "bounds",
    "collapse",
    "conforms",
    "draw",
    "first_picks",
    "head_name",
    "interface_of_state",
    "join",
    "join_all",
    "last_picks",
    "may_hold",
    "nth_picks",
    "shape_of",
    "tag_picks",
    "widen",
]
