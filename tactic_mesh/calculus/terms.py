"""Core syntax of tactic programs: free-monad terms over the effect signature, as plain data.

    t, u ::= pure v | fail e | bind x <- t ; u | choice policy [t1..tn] | scoped scope t
           | focus selector t | handle h t | fix f . t | rec f | op(args) | foreign symbol payload contract

Programs are immutable values (attrs frozen classes): no Python closure appears anywhere, so a
program can be compared, hashed, printed, serialized, replayed and sent over a network.  Binders
are kept as syntax: ``bind`` names the variable its continuation may mention (``VVar``), ``fix``
names the recursive program (``Rec``).  Every node satisfies ``type(t)(*t.args()) == t``.

Values are first-order data: kernel expressions, goal ids, names, numbers, strings, surface
terms still to be elaborated, lists and records.
"""

from __future__ import annotations

import enum

import attrs

from tactic_mesh.kernel.expr import Expr

# ---------------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------------


class Value:
    """Base class of values."""

    def args(self) -> tuple[object, ...]:
        return tuple(getattr(self, f.name) for f in attrs.fields(type(self)))  # type: ignore[arg-type]


@attrs.frozen
class VUnit(Value):
    pass


@attrs.frozen
class VExpr(Value):
    """A kernel expression (possibly with metavariables of the current state)."""

    expr: Expr


@attrs.frozen
class VGoal(Value):
    """An obligation, by id (``cp<checkpoint>:<mvar>`` once checkpoint-scoped)."""

    id: str


@attrs.frozen
class VName(Value):
    """A name: a constant, a hypothesis, a binder, a case tag."""

    name: str


@attrs.frozen
class VNum(Value):
    value: int


@attrs.frozen
class VStr(Value):
    value: str


@attrs.frozen
class VSurface(Value):
    """A term in surface syntax, elaborated in the context of the goal it is used on."""

    text: str


@attrs.frozen
class VList(Value):
    items: tuple[Value, ...] = ()


@attrs.frozen
class VRecord(Value):
    fields: tuple[tuple[str, Value], ...] = ()

    def get(self, key: str) -> Value | None:
        for k, v in self.fields:
            if k == key:
                return v
        return None


@attrs.frozen
class VVar(Value):
    """A reference to a value bound by an enclosing ``bind``."""

    name: str


@attrs.frozen
class VSuspension(Value):
    """The rest of a computation split off by ``scoped "split"`` (LogicT ``msplit``): the choice
    points left after its first success.  A runtime value only (it holds machine data): it never
    appears in a written program, and codecs refuse it."""

    resume: object


VALUE_CLASSES: tuple[type[Value], ...] = (
    VUnit, VExpr, VGoal, VName, VNum, VStr, VSurface, VList, VRecord, VVar, VSuspension
)

# ---------------------------------------------------------------------------------------------
# programs
# ---------------------------------------------------------------------------------------------


class Policy(enum.Enum):
    """How ``choice`` explores its branches (laws are stated per policy, DESIGN §6)."""

    BACKTRACK = "backtrack"  # Ltac2 `plus`: every success of every branch, in order
    COMMIT = "commit"  # Lean `first` / `<|>`: the first branch that succeeds, and only it
    FAIR = "fair"  # LogicT `interleave`: successes of the branches alternate
    SCORED = "scored"  # best-first by a scorer (the router)


@attrs.frozen
class Contract:
    """What a ``foreign`` computation promises, so it can be typed, replayed and projected."""

    effects: frozenset[str] = frozenset()  # operation names it may perform
    consumes_goals: int | None = None  # obligations in (None: any)
    produces_goals: int | None = None  # obligations out (None: only the handler knows)
    replay_codec: str = ""  # how its certificate is re-checked without the foreign tool
    projection: str = "opaque"  # how projections see it: opaque | steps
    refinement_known: bool = False  # a core program with the same meaning exists

    def args(self) -> tuple[object, ...]:
        return tuple(getattr(self, f.name) for f in attrs.fields(type(self)))


class Term:
    """Base class of tactic programs."""

    def args(self) -> tuple[object, ...]:
        return tuple(getattr(self, f.name) for f in attrs.fields(type(self)))  # type: ignore[arg-type]

    def children(self) -> tuple[Term, ...]:
        return tuple(a for a in self.args() if isinstance(a, Term)) + tuple(
            t for a in self.args() if isinstance(a, tuple) for t in a if isinstance(t, Term)
        )

    # Structural equality and hashing without Python recursion, so that a program nested 100 000
    # deep (a long `bind` chain) can be compared and put in a set.

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Term):
            return NotImplemented
        stack: list[tuple[object, object]] = [(self, other)]
        while stack:
            a, b = stack.pop()
            if a is b:
                continue
            if isinstance(a, Term):
                if type(a) is not type(b):
                    return False
                stack.extend(zip(a.args(), b.args(), strict=True))
            elif isinstance(a, tuple) and a and any(isinstance(x, Term) for x in a):
                if not isinstance(b, tuple) or len(a) != len(b):
                    return False
                stack.extend(zip(a, b, strict=True))
            elif type(a) is not type(b) or a != b:
                return False
        return True

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        parts: list[object] = []
        stack: list[object] = [self]
        while stack:
            a = stack.pop()
            if isinstance(a, Term):
                parts.append(type(a).__name__)
                stack.extend(reversed(a.args()))
            elif isinstance(a, tuple) and a and any(isinstance(x, Term) for x in a):
                parts.append(len(a))
                stack.extend(reversed(a))
            else:
                parts.append(a)
        return hash(tuple(parts))


@attrs.frozen(eq=False)
class Pure(Term):
    value: Value = VUnit()


@attrs.frozen(eq=False)
class Fail(Term):
    """A catchable failure with a reason."""

    reason: Value = VStr("failed")


@attrs.frozen(eq=False)
class Bind(Term):
    """``bind var <- first ; rest``: run ``first``, bind its result to ``var`` in ``rest``."""

    var: str
    first: Term
    rest: Term


@attrs.frozen(eq=False)
class Choice(Term):
    policy: Policy
    branches: tuple[Term, ...]
    scorer: str = ""  # for Policy.SCORED: the scorer's registered name


@attrs.frozen(eq=False)
class Scoped(Term):
    """Run ``body`` with a scoped effect: ``scope`` names it (e.g. ``checkpoint``, ``fuel 100``)."""

    scope: str
    body: Term


@attrs.frozen(eq=False)
class Focus(Term):
    """Run ``body`` on the goals chosen by ``selector`` only (``all``, ``main``, an index, a tag)."""

    selector: str
    body: Term


@attrs.frozen(eq=False)
class Handle(Term):
    """Run ``body`` under the handler registered as ``handler`` (operations it does not handle
    are forwarded outward)."""

    handler: str
    body: Term


@attrs.frozen(eq=False)
class Fix(Term):
    """``fix name . body``: ``Rec(name)`` inside ``body`` stands for the whole term."""

    name: str
    body: Term


@attrs.frozen(eq=False)
class Rec(Term):
    name: str


@attrs.frozen(eq=False)
class Op(Term):
    """An operation of the effect signature applied to values."""

    name: str
    operands: tuple[Value, ...] = ()


@attrs.frozen(eq=False)
class Foreign(Term):
    """A computation outside the core calculus (a solver, a neural expert) with its contract."""

    symbol: str
    payload: Value
    contract: Contract = Contract()


TERM_CLASSES: tuple[type[Term], ...] = (Pure, Fail, Bind, Choice, Scoped, Focus, Handle, Fix, Rec, Op, Foreign)


def seq(*terms: Term) -> Term:
    """``t1 ; t2 ; …``: binds whose results are ignored (right-nested)."""
    if not terms:
        return Pure()
    out = terms[-1]
    for t in reversed(terms[:-1]):
        out = Bind("_", t, out)
    return out


def free_value_vars(term: Term) -> set[str]:
    """Value variables used but not bound by an enclosing ``bind`` (must be empty to run)."""
    out: set[str] = set()
    stack: list[tuple[Term, frozenset[str]]] = [(term, frozenset())]
    while stack:
        t, bound = stack.pop()
        for a in t.args():
            for v in _values_in(a):
                if isinstance(v, VVar) and v.name not in bound:
                    out.add(v.name)
        if isinstance(t, Bind):
            stack.append((t.first, bound))
            stack.append((t.rest, bound | {t.var}))
        else:
            stack.extend((c, bound) for c in t.children())
    return out


def _values_in(a: object) -> list[Value]:
    if isinstance(a, Value):
        out = [a]
        for sub in a.args():
            out.extend(_values_in(sub))
        return out
    if isinstance(a, tuple):
        return [v for item in a for v in _values_in(item)]
    return []
