"""Proof states as data a learner can use: a canonical form, a canonical goal hash, hashed
features in the style of Tactician, and the few numbers a router looks at first.

**Canonical form** (``canonical_expr``, ``canonical_goal``).  A term becomes a tree of tuples:

* bound variables are de Bruijn indices and binder names are erased;
* a hypothesis (free variable) is its position in the goal's local context (``("h", 2)``), so a
  renamed context gives the same form; a metavariable is ``("?", k)``, ``k`` counting first
  occurrences; universe levels are erased (``Sort`` keeps whether it is ``Prop``);
* the two arguments of a commutative operator (``COMMUTATIVE``: ``+ * ∧ ∨ ↔ = ≠`` and the Boolean
  ``&& ||``) are put in a fixed order (the order of their canonical text).

Consequently alpha-equivalent and commuted goals have the same canonical form and the same
``goal_hash``; a goal whose hypotheses are reordered is another goal (the hash reads the context
in order).  ``goal_hash`` is a sha256 over a versioned text of the form (``CANON_VERSION``): the
key the proof mesh caches under.  Sorting ``=`` is a property of this canonical form, not a claim
that the goals are the same proposition: the form identifies goals *up to* these symmetries.

**Hashed features** (``features``): atoms (constants, ``hyp``, ``bvar``, literals, sorts) and
head→argument walks of length 1 and 2 (``Add.add>Nat.succ``, ``Eq>Add.add>hyp``), taken over the
canonical form, goal features prefixed ``G:`` and hypothesis features ``H:``, counted, then hashed
into ``FEATURE_BUCKETS`` buckets with blake2b (stable across processes and Python versions).

**Routing features** (``RoutingFeatures``): the goal's head constant, its size, the number of
hypotheses, goals and metavariables, whether an induction motive is available (a variable of a
recursive inductive type the goal mentions), and the type-class instances the goal uses.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.kernel.elab_core import instances as instance_table
from tactic_mesh.kernel.environment import InductiveInfo
from tactic_mesh.kernel.expr import (
    App,
    BVar,
    Const,
    Expr,
    FVar,
    Lam,
    Let,
    MVar,
    NatLit,
    Pi,
    Sort,
    collect_consts,
    collect_fvars,
    collect_mvars,
    const_name,
    expr_size,
    get_app_fn,
    get_app_fn_args,
)
from tactic_mesh.kernel.level import ZERO, normalize
from tactic_mesh.kernel.local_context import LocalDecl

CANON_VERSION = 2
FEATURE_BUCKETS = 1 << 14
# operators whose last two arguments commute (their order is fixed by the canonical form)
COMMUTATIVE = frozenset({
    "Add.add", "Mul.mul", "Nat.add", "Nat.mul", "And", "Or", "Iff", "Eq", "Ne", "Bool.and", "Bool.or",
})

CExpr = tuple[object, ...]


class _Canon:
    """One goal's canonicaliser: hypothesis positions and metavariable numbering are its state.

    Two passes: the first builds the form with metavariables under their own ids (``("?m", id)``)
    and sorts commutative arguments by a key in which every metavariable reads alike, so the order
    never depends on how metavariables happen to be numbered; the second (``number``) renumbers
    the metavariables by first occurrence in the sorted form."""

    def __init__(self, hyp_index: Mapping[FVar, int]) -> None:
        self.hyp_index = hyp_index
        self.mvars: dict[object, int] = {}  # metavariable id → its number
        self.memo: dict[Expr, CExpr] = {}
        self.keys: dict[CExpr, str] = {}

    def __call__(self, e: Expr) -> CExpr:
        return self.number(self.sorted(e))

    def sorted(self, e: Expr) -> CExpr:
        out = self.memo.get(e)
        if out is None:
            out = self.memo[e] = self._canon(e)
        return out

    def key(self, c: CExpr) -> str:
        out = self.keys.get(c)
        if out is None:
            out = self.keys[c] = canonical_text(c, anonymous_mvars=True)
        return out

    def number(self, c: CExpr) -> CExpr:
        if len(c) == 2 and c[0] == "?m":
            return ("?", self.mvars.setdefault(c[1], len(self.mvars)))
        if c[0] == "@":
            fn, args = c[1], c[2]
            assert isinstance(fn, tuple) and isinstance(args, tuple)
            return ("@", self.number(fn), tuple(self.number(a) for a in args))
        if c[0] in ("∀", "λ", "let"):
            return (c[0], *(self.number(x) for x in c[1:] if isinstance(x, tuple)))
        return c

    def _canon(self, e: Expr) -> CExpr:
        if isinstance(e, BVar):
            return ("b", e.idx)
        if isinstance(e, FVar):
            return ("h", self.hyp_index.get(e, -1))
        if isinstance(e, MVar):
            return ("?m", e.id)
        if isinstance(e, Sort):
            return ("s", "Prop" if normalize(e.level) == ZERO else "Type")
        if isinstance(e, Const):
            return ("c", e.name)
        if isinstance(e, NatLit):
            return ("n", e.value)
        if isinstance(e, App):
            fn, args = get_app_fn_args(e)
            cargs = [self.sorted(a) for a in args]
            name = const_name(fn)
            if name in COMMUTATIVE and len(cargs) >= 2 and self.key(cargs[-1]) < self.key(cargs[-2]):
                cargs[-2], cargs[-1] = cargs[-1], cargs[-2]
            return ("@", self.sorted(fn), tuple(cargs))
        if isinstance(e, Pi):
            return ("∀", self.sorted(e.type), self.sorted(e.body))
        if isinstance(e, Lam):
            return ("λ", self.sorted(e.type), self.sorted(e.body))
        if isinstance(e, Let):
            return ("let", self.sorted(e.type), self.sorted(e.value), self.sorted(e.body))
        raise TypeError(f"canonical form: unexpected expression {type(e).__name__}")


def canonical_text(c: object, anonymous_mvars: bool = False) -> str:
    """A canonical form as text (what the hash digests): a fixed, unambiguous rendering of the
    tuple tree.  With ``anonymous_mvars`` every not yet numbered metavariable (``("?m", id)``)
    reads alike: the sort key of commutative arguments."""
    if isinstance(c, tuple):
        if anonymous_mvars and len(c) == 2 and c[0] == "?m":
            return "?"
        return "(" + " ".join(canonical_text(x, anonymous_mvars) for x in c) + ")"
    if isinstance(c, str):
        return repr(c)
    return str(c)


@attrs.frozen
class CanonicalGoal:
    """A goal in canonical form: its hypotheses' types, in context order, and its target."""

    hypotheses: tuple[CExpr, ...]
    target: CExpr

    def text(self) -> str:
        return canonical_text(("goal", self.hypotheses, self.target))


def goal_parts(state: ProofState, goal: int) -> tuple[tuple[LocalDecl, ...], Expr]:
    """A goal's local context (types instantiated) and target."""
    mctx = state.metavar_graph
    decl = mctx.decl(goal)
    hyps = tuple(attrs.evolve(d, type=mctx.instantiate(d.type)) for d in decl.lctx)
    return hyps, mctx.instantiate(decl.type)


def canonical_goal(state: ProofState, goal: int) -> CanonicalGoal:
    hyps, target = goal_parts(state, goal)
    return canonical_of(hyps, target)


def canonical_of(hyps: Sequence[LocalDecl], target: Expr) -> CanonicalGoal:
    canon = _Canon({d.fvar: i for i, d in enumerate(hyps)})
    return CanonicalGoal(tuple(canon(d.type) for d in hyps), canon(target))


def canonical_expr(e: Expr, hyps: Sequence[LocalDecl] = ()) -> CExpr:
    """One expression in canonical form (hypotheses numbered by their position in ``hyps``)."""
    return _Canon({d.fvar: i for i, d in enumerate(hyps)})(e)


def goal_hash(state: ProofState, goal: int | None = None) -> str:
    """The canonical goal hash (hex sha256) of ``goal`` (default: the main goal)."""
    if goal is None:
        goals = state.focus_goals() or state.active_obligations
        if not goals:
            raise ValueError("goal_hash: the state has no goals")
        goal = goals[0]
    return _digest(canonical_goal(state, goal).text())


def state_hash(state: ProofState) -> str:
    """The hash of every goal of ``state``, in order (a state with no goals has one too)."""
    return _digest(" ".join(canonical_goal(state, g).text() for g in state.active_obligations))


def _digest(text: str) -> str:
    return hashlib.sha256(f"tactic-mesh canonical goal v{CANON_VERSION}\n{text}".encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# hashed features
# ---------------------------------------------------------------------------------------------


def _label(c: CExpr) -> str:
    """The atom a canonical node contributes: its constant, literal or kind."""
    kind = c[0]
    if kind == "c":
        return str(c[1])
    if kind == "@":
        head = c[1]
        assert isinstance(head, tuple)
        return _label(head)
    if kind == "n":
        return "lit" if c[1] != 0 else "0"
    if kind == "s":
        return f"Sort:{c[1]}"
    return {"b": "bvar", "h": "hyp", "?": "mvar"}.get(str(kind), str(kind))


def _children(c: CExpr) -> tuple[CExpr, ...]:
    kind = c[0]
    if kind == "@":
        args = c[2]
        assert isinstance(args, tuple)
        return args
    if kind in ("∀", "λ", "let"):
        return tuple(x for x in c[1:] if isinstance(x, tuple))
    return ()


def _walks(c: CExpr) -> Iterator[str]:
    """Atoms and head→argument walks of length 1 and 2, over every node of ``c``."""
    stack = [c]
    while stack:
        node = stack.pop()
        label = _label(node)
        yield label
        for child in _children(node):
            cl = _label(child)
            yield f"{label}>{cl}"
            for grand in _children(child):
                yield f"{label}>{cl}>{_label(grand)}"
            stack.append(child)
        if node[0] in ("∀", "λ"):
            yield f"{node[0]}"


def feature_names(goal: CanonicalGoal) -> Counter[str]:
    """The features of one canonical goal, unhashed (``G:`` target, ``H:`` hypotheses)."""
    out: Counter[str] = Counter(f"G:{w}" for w in _walks(goal.target))
    for h in goal.hypotheses:
        out.update(f"H:{w}" for w in _walks(h))
    return out


def bucket(name: str, buckets: int = FEATURE_BUCKETS) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little") % buckets


def hashed(names: Counter[str], buckets: int = FEATURE_BUCKETS) -> dict[int, int]:
    out: dict[int, int] = {}
    for name, n in names.items():
        b = bucket(name, buckets)
        out[b] = out.get(b, 0) + n
    return out


def features(state: ProofState, goal: int | None = None, buckets: int = FEATURE_BUCKETS) -> dict[int, int]:
    """The hashed feature counts of ``goal`` (default: the main goal)."""
    goal = _main(state) if goal is None else goal
    return hashed(feature_names(canonical_goal(state, goal)), buckets)


def _main(state: ProofState) -> int:
    goals = state.focus_goals() or state.active_obligations
    if not goals:
        raise ValueError("features: the state has no goals")
    return goals[0]


# ---------------------------------------------------------------------------------------------
# routing features
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class RoutingFeatures:
    goal_head: str  # a constant's name, ``local`` (a hypothesis applied), ``∀``, ``Sort``, ``other``
    complexity: int  # size of the target
    hypotheses: int
    goals: int
    metavariables: int  # unassigned metavariables in the target
    has_motive: bool  # a variable of a recursive inductive type the goal mentions: induction applies
    instances: tuple[str, ...]  # the type-class instances the target uses, sorted

    HEADS = ("Eq", "And", "Or", "Iff", "Not", "Exists", "LE.le", "LT.lt", "False", "True", "Ne", "∀", "local")
    WIDTH = len(HEADS) + 8

    def vector(self) -> list[float]:
        """A fixed-width numeric encoding (``WIDTH`` entries) for a router's input."""
        head = [1.0 if self.goal_head == h else 0.0 for h in self.HEADS]
        other = 1.0 if self.goal_head not in self.HEADS else 0.0
        return [*head, other, min(self.complexity, 64) / 64.0, min(self.hypotheses, 16) / 16.0,
                min(self.goals, 8) / 8.0, min(self.metavariables, 4) / 4.0, 1.0 if self.has_motive else 0.0,
                min(len(self.instances), 4) / 4.0, 1.0]


def routing_features(state: ProofState, goal: int | None = None) -> RoutingFeatures:
    goal = _main(state) if goal is None else goal
    hyps, target = goal_parts(state, goal)
    fn = get_app_fn(target)
    if isinstance(target, Pi):
        head = "∀"
    elif isinstance(fn, Const):
        head = fn.name
    elif isinstance(fn, FVar):
        head = "local"
    elif isinstance(fn, Sort):
        head = "Sort"
    else:
        head = "other"
    env = state.environment
    mentioned = collect_fvars(target)
    motive = False
    for d in hyps:
        name = const_name(get_app_fn(d.type))
        info = env.find(name) if name else None
        if d.fvar in mentioned and isinstance(info, InductiveInfo) and info.is_recursive and not info.num_indices:
            motive = True
    known = {name for name, _cls in instance_table(env)}
    instances = sorted(known & collect_consts(target))
    mvars = len({m.id for m in collect_mvars(target)})
    return RoutingFeatures(head, expr_size(target), len(hyps), len(state.active_obligations), mvars, motive,
                           tuple(instances))

