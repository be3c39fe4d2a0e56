"""The interpreter: an explicit continuation machine for tactic programs.

A run of a program on a state is a *stream* of successes, ended by one of the outcome classes:

* ``Success(value, state)`` — one result; asking for the next one backtracks;
* ``Failure(reason)`` — every alternative failed (``fail`` is catchable by ``choice``);
* ``Panic(reason)`` — not catchable: the whole run stops (unhandled operation, malformed program);
* ``OutOfFuel`` — the step budget is exhausted; ``Interrupted`` — the wall-clock budget is;
* ``ReplayIncompatible`` — an operation refused a state whose provenance does not match.

The machine never recurses in Python: control, continuation (a persistent list of frames) and
choice points (a persistent list of saved machine states) are data, so a program of 100 000
steps runs in constant Python stack.  ``choice`` policies:

* ``BACKTRACK`` (Ltac2 ``plus``): all successes of the first branch, then of the next, …;
* ``COMMIT`` (Lean ``first``): the first success of the first branch that has one, and no other —
  implemented as a cut that restores the choice points saved when the choice started;
* ``FAIR`` (LogicT ``interleave``): the branches' successes alternate; each branch runs in its own
  sub-machine and the continuation is applied to the merged stream;
* ``SCORED``: branches in order of a registered scorer (best first), then as ``BACKTRACK``.

Scopes (``scoped s t``): ``fuel N`` (at most N steps inside), ``split`` (LogicT ``msplit``: the
first success of ``t`` as ``{value, rest}`` with ``rest`` a suspension of the remaining
successes, or ``[]`` when there is none), ``reflect`` (the inverse: ``reflect (split t) ≅ t``),
``progress`` (Rocq's ``progress``: only the successes of ``t`` that changed the state).
``once t`` is ``choice[commit] {t}``.

Operations (``op``) and ``foreign`` computations are given meaning by handlers: ``handle h t``
installs handler ``h`` for ``t``; an operation goes to the innermost handler, and each handler may
forward it outward.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

import attrs
from immutables import Map

from tactic_mesh.calculus.outcomes import Failure, Interrupted, OutOfFuel, Panic, ReplayIncompatible, Stop, Success
from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
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
    VList,
    VNum,
    VRecord,
    VStr,
    VSuspension,
    VUnit,
    VVar,
)
from tactic_mesh.handlers.protocol import Forward, Handler, Raise, Refine

S = TypeVar("S")

class Focusable(Protocol):
    """States that ``focus`` can narrow: ``narrow`` returns the narrowed state and a token that
    ``widen`` uses to put the other goals back (or an error message)."""

    def narrow(self, selector: str) -> tuple[Focusable, object] | str: ...

    def widen(self, token: object) -> Focusable: ...


Scorer = Callable[[Term, object], float]

# ---------------------------------------------------------------------------------------------
# machine data
# ---------------------------------------------------------------------------------------------

_NEXT = VStr("\x00next")  # internal: backtrack to the next alternative without a new reason

Env = Map[str, object]  # value variables → Value, fix names → _FixClosure


@attrs.frozen
class _FixClosure:
    fix: Fix
    env: Env


@attrs.frozen
class _Cons:
    head: object
    tail: _Cons | None


# continuation frames
@attrs.frozen
class _BindK:
    var: str
    rest: Term
    env: Env


@attrs.frozen
class _CutK:
    saved_choices: _Cons | None  # the choice points to restore on the first success


@attrs.frozen
class _BarrierK:
    """Marks a backtracking choice: ``Cut`` inside it drops the alternatives saved here."""

    saved_choices: _Cons | None


@attrs.frozen
class _UnfocusK:
    token: object


@attrs.frozen
class _HandlersK:
    handlers: tuple[Handler[object], ...]  # the handler chain to restore


@attrs.frozen
class _ReflectK:
    """``scoped "reflect"``: the body's value (a split result) becomes a stream of successes."""


@attrs.frozen
class _ProgressK:
    """``scoped "progress"``: a success of the body must have changed the state it started from."""

    before: object


@attrs.frozen
class _FuelK:
    saved: int | None  # the enclosing scope's remaining fuel when the scope began (None: unbounded)
    start: int  # this scope's fuel when it began


# choice points
@attrs.frozen
class _Resume:
    """Evaluate ``term`` in ``env`` with this continuation and state."""

    term: Term
    env: Env
    kont: _Cons | None
    state: object
    handlers: tuple[Handler[object], ...]
    scope_fuel: int | None


@attrs.frozen
class _Stream:
    """Feed the next element of a stream of successes to a continuation."""

    source: Iterator[Success[object] | Stop]
    kont: _Cons | None
    handlers: tuple[Handler[object], ...]
    scope_fuel: int | None


# ---------------------------------------------------------------------------------------------
# the machine
# ---------------------------------------------------------------------------------------------


@attrs.define
class Budget:
    fuel: int | None = None  # steps; None: unbounded
    seconds: float | None = None  # wall clock; None: unbounded
    steps: int = 0
    started: float = attrs.field(factory=time.monotonic)

    def spend(self) -> OutOfFuel | Interrupted | None:
        self.steps += 1
        if self.fuel is not None and self.steps > self.fuel:
            return OutOfFuel(self.steps - 1)
        if self.seconds is not None and self.steps % 256 == 0:
            elapsed = time.monotonic() - self.started
            if elapsed > self.seconds:
                return Interrupted(elapsed)
        return None


class Machine(Generic[S]):
    """Runs programs; ``run`` yields the successes and returns with a final ``Stop``."""

    def __init__(
        self,
        handlers: Mapping[str, Handler[S]],
        scorers: Mapping[str, Scorer] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.registry: dict[str, Handler[S]] = dict(handlers)
        self.scorers: dict[str, Scorer] = dict(scorers or {})
        self.budget = budget or Budget()
        self.pending: _Cons | None = None  # choice points left at the last success (for `split`)

    def run(
        self, term: Term, state: S, handlers: Sequence[str] = (), env: Env | None = None
    ) -> Iterator[Success[S] | Stop]:
        """All results of ``term`` on ``state``: each ``Success``, then exactly one ``Stop``
        (``Failure`` when the alternatives are exhausted)."""
        chain = tuple(self.registry[h] for h in reversed(handlers))  # innermost first
        return self._loop(term, env if env is not None else Map(), state, chain)  # type: ignore[arg-type]

    def first(self, term: Term, state: S, handlers: Sequence[str] = ()) -> Success[S] | Stop:
        """The first success, or the reason there is none."""
        return next(iter(self.run(term, state, handlers)))

    # -- the loop --------------------------------------------------------------------------------

    def _loop(
        self, term: Term, env: Env, state: object, handlers: tuple[Handler[object], ...],
        resume: _Cons | None = None,
    ) -> Iterator[Success[S] | Stop]:
        """Run ``term``; with ``resume``, start by backtracking into those choice points instead."""
        # registers
        ctrl_term: Term | None = term if resume is None else None
        ctrl_value: Value | None = None
        kont: _Cons | None = None
        choices: _Cons | None = resume
        scope_fuel: int | None = None
        last_failure: Value = VStr("no alternatives")
        self.pending = None

        while True:
            stop = self.budget.spend()
            if stop is not None:
                yield stop
                return
            failure: Value | None = None
            if resume is not None:
                failure, resume = _NEXT, None
            elif ctrl_term is not None:
                t = ctrl_term
                ctrl_term = None
                if scope_fuel is not None:
                    scope_fuel -= 1
                    if scope_fuel < 0:
                        failure = VStr("out of fuel in a `scoped fuel` block")
                if failure is not None:
                    pass
                elif isinstance(t, Pure):
                    resolved = _resolve(t.value, env)
                    if isinstance(resolved, str):
                        yield Panic(resolved)
                        return
                    ctrl_value = resolved
                elif isinstance(t, Fail):
                    resolved = _resolve(t.reason, env)
                    failure = resolved if not isinstance(resolved, str) else VStr(resolved)
                elif isinstance(t, Bind):
                    kont = _Cons(_BindK(t.var, t.rest, env), kont)
                    ctrl_term = t.first
                elif isinstance(t, Choice):
                    branches = list(t.branches)
                    if t.policy is Policy.SCORED:
                        scorer = self.scorers.get(t.scorer)
                        if scorer is None:
                            yield Panic(f"unknown scorer '{t.scorer}'")
                            return
                        branches.sort(key=lambda b: -scorer(b, state))
                    if not branches:
                        failure = VStr("choice with no branches")
                    elif t.policy is Policy.FAIR:
                        sources = [self._sub_run(b, env, state, handlers) for b in branches]
                        stream = _Stream(_interleave(sources), kont, handlers, scope_fuel)
                        choices = _Cons(stream, choices)
                        failure = _NEXT  # start pulling from the stream
                    else:
                        if t.policy is Policy.COMMIT:
                            kont = _Cons(_CutK(choices), kont)
                        else:
                            kont = _Cons(_BarrierK(choices), kont)
                        for alt in reversed(branches[1:]):
                            choices = _Cons(_Resume(alt, env, kont, state, handlers, scope_fuel), choices)
                        ctrl_term = branches[0]
                elif isinstance(t, Scoped) and t.scope == "split":
                    sub = self._sub_machine()
                    source = sub._loop(t.body, env, state, handlers)
                    split = _split_first(sub, source)
                    if isinstance(split, (Panic, OutOfFuel, Interrupted, ReplayIncompatible)):
                        yield split
                        return
                    if split is None:
                        ctrl_value = VList(())
                    else:
                        ctrl_value, state = split
                elif isinstance(t, Scoped) and t.scope == "reflect":
                    kont = _Cons(_ReflectK(), kont)
                    ctrl_term = t.body
                elif isinstance(t, Scoped) and t.scope == "progress":
                    kont = _Cons(_ProgressK(state), kont)
                    ctrl_term = t.body
                elif isinstance(t, Scoped):
                    parsed = _parse_scope(t.scope)
                    if isinstance(parsed, str):
                        yield Panic(parsed)
                        return
                    start = parsed if scope_fuel is None else min(parsed, scope_fuel)
                    kont = _Cons(_FuelK(scope_fuel, start), kont)
                    scope_fuel = start
                    ctrl_term = t.body
                elif isinstance(t, Focus):
                    narrow = getattr(state, "narrow", None)
                    if narrow is None:
                        yield Panic("`focus` on a state without goals")
                        return
                    narrowed = narrow(t.selector)
                    if isinstance(narrowed, str):
                        failure = VStr(narrowed)
                    else:
                        state, token = narrowed
                        kont = _Cons(_UnfocusK(token), kont)
                        ctrl_term = t.body
                elif isinstance(t, Handle):
                    handler = self.registry.get(t.handler)
                    if handler is None:
                        yield Panic(f"unknown handler '{t.handler}'")
                        return
                    kont = _Cons(_HandlersK(handlers), kont)
                    handlers = (handler, *handlers)  # type: ignore[arg-type]
                    ctrl_term = t.body
                elif isinstance(t, Fix):
                    env = env.set(t.name, _FixClosure(t, env))
                    ctrl_term = t.body
                elif isinstance(t, Rec):
                    closure = env.get(t.name)
                    if not isinstance(closure, _FixClosure):
                        yield Panic(f"`rec {t.name}` outside `fix {t.name}`")
                        return
                    env = closure.env.set(t.name, closure)
                    ctrl_term = closure.fix.body
                elif isinstance(t, Op) and t.name in ("Backtrack", "ConsumeFuel", "Cut"):
                    # control operations the machine itself interprets
                    if t.name == "Backtrack":
                        failure = VStr("backtrack")
                    elif t.name == "Cut":
                        # drop the alternatives of the innermost enclosing choice
                        choices = _innermost_barrier(kont)
                        ctrl_value = VUnit()
                    else:
                        amount = _resolve(t.operands[0], env) if t.operands else VStr("")
                        if not isinstance(amount, VNum) or amount.value < 0:
                            yield Panic("ConsumeFuel expects a non-negative number")
                            return
                        self.budget.steps += amount.value
                        ctrl_value = VUnit()
                elif isinstance(t, (Op, Foreign)):
                    outcome = self._perform(t, env, state, handlers)
                    if isinstance(outcome, (Panic, ReplayIncompatible)):
                        yield outcome
                        return
                    if isinstance(outcome, Raise):
                        failure = outcome.reason
                    elif isinstance(outcome, Refine):
                        ctrl_term, env = outcome.program, Map()
                    else:
                        ctrl_value, state = outcome
                else:  # pragma: no cover - every term class is handled above
                    yield Panic(f"unknown program node {type(t).__name__}")
                    return
            elif ctrl_value is not None:
                # return a value to the continuation
                if kont is None:
                    self.pending = choices  # what `split` keeps as the rest of the stream
                    yield Success(ctrl_value, state)  # type: ignore[arg-type]
                    failure = _NEXT  # ask for the next success: backtrack
                else:
                    frame, kont = kont.head, kont.tail
                    value = ctrl_value
                    ctrl_value = None
                    if isinstance(frame, _BindK):
                        env = frame.env if frame.var == "_" else frame.env.set(frame.var, value)
                        ctrl_term = frame.rest
                    elif isinstance(frame, _CutK):
                        choices = frame.saved_choices
                        ctrl_value = value
                    elif isinstance(frame, _BarrierK):
                        ctrl_value = value
                    elif isinstance(frame, _UnfocusK):
                        state = state.widen(frame.token)  # type: ignore[attr-defined]
                        ctrl_value = value
                    elif isinstance(frame, _HandlersK):
                        handlers = frame.handlers
                        ctrl_value = value
                    elif isinstance(frame, _ReflectK):
                        if value == VList(()):
                            failure = VStr("reflect: no result")
                        elif isinstance(value, VRecord) and isinstance(value.get("rest"), VSuspension):
                            rest = value.get("rest")
                            assert isinstance(rest, VSuspension) and isinstance(rest.resume, _Suspended)
                            if rest.resume.choices is not None:  # otherwise nothing is left to resume
                                sub = self._sub_machine()
                                source = sub._loop(Pure(), env, state, handlers, resume=rest.resume.choices)
                                stream = _Stream(source, kont, handlers, scope_fuel)  # type: ignore[arg-type]
                                choices = _Cons(stream, choices)
                            ctrl_value = value.get("value")
                        else:
                            yield Panic("reflect expects the result of `scoped \"split\"`")
                            return
                    elif isinstance(frame, _ProgressK):
                        if made_progress(frame.before, state):
                            ctrl_value = value
                        else:
                            failure = VStr("no progress: the state is unchanged")
                    elif isinstance(frame, _FuelK):
                        # what the scope consumed also counts for the enclosing one
                        used = frame.start - (scope_fuel if scope_fuel is not None else frame.start)
                        scope_fuel = None if frame.saved is None else frame.saved - used
                        ctrl_value = value

            if failure is not None:
                if failure is not _NEXT:
                    last_failure = failure
                # backtrack: resume the latest choice point
                while True:
                    if choices is None:
                        yield Failure(last_failure)
                        return
                    point, choices = choices.head, choices.tail
                    if isinstance(point, _Resume):
                        ctrl_term, env, kont, state = point.term, point.env, point.kont, point.state
                        handlers, scope_fuel = point.handlers, point.scope_fuel
                        break
                    assert isinstance(point, _Stream)
                    item = next(point.source)
                    if isinstance(item, Success):
                        choices = _Cons(point, choices)  # more may follow
                        ctrl_value, state, kont = item.value, item.state, point.kont
                        handlers, scope_fuel = point.handlers, point.scope_fuel
                        break
                    if isinstance(item, Failure):
                        last_failure = item.reason
                        continue
                    yield item  # panic, fuel, interrupt, replay: stop everything
                    return

    def _sub_machine(self) -> Machine[S]:
        """A machine for a sub-computation, sharing this one's handlers, scorers and budget."""
        return Machine(self.registry, self.scorers, self.budget)

    def _sub_run(
        self, term: Term, env: Env, state: object, handlers: tuple[Handler[object], ...]
    ) -> Iterator[Success[object] | Stop]:
        """A branch of a fair choice, as its own stream (sharing this machine's budget)."""
        return self._sub_machine()._loop(term, env, state, handlers)  # type: ignore[return-value]

    def _perform(
        self, t: Op | Foreign, env: Env, state: object, handlers: tuple[Handler[object], ...]
    ) -> tuple[Value, object] | Raise | Refine | Panic | ReplayIncompatible:
        inputs: list[Value] = []
        for v in t.operands if isinstance(t, Op) else (t.payload,):
            resolved = _resolve(v, env)
            if isinstance(resolved, str):
                return Panic(resolved)
            inputs.append(resolved)
        for handler in handlers:
            if isinstance(t, Op):
                result = handler.operation(t.name, inputs, state)
            else:
                result = handler.foreign(t.symbol, inputs[0], state)
            if isinstance(result, Forward):
                continue
            return result
        what = f"operation {t.name}" if isinstance(t, Op) else f"foreign symbol '{t.symbol}'"
        return Panic(f"unhandled {what} (no handler in scope handles it)")


@attrs.frozen
class _Suspended:
    choices: _Cons | None  # the sub-run's choice points after its first success


def _split_first(
    sub: Machine[S], source: Iterator[Success[S] | Stop]
) -> tuple[Value, object] | Panic | OutOfFuel | Interrupted | ReplayIncompatible | None:
    """The first success of a sub-run as ``({value, rest}, state)``; None when it fails."""
    item = next(source)
    if isinstance(item, Failure):
        return None
    if not isinstance(item, Success):
        return item
    rest = VSuspension(_Suspended(sub.pending))
    return VRecord((("value", item.value), ("rest", rest))), item.state


def _innermost_barrier(kont: _Cons | None) -> _Cons | None:
    """The choice points saved by the innermost enclosing choice (None: cut everything)."""
    while kont is not None:
        frame = kont.head
        if isinstance(frame, (_BarrierK, _CutK)):
            return frame.saved_choices
        kont = kont.tail
    return None


def _interleave(sources: list[Iterator[Success[object] | Stop]]) -> Iterator[Success[object] | Stop]:
    """Alternate the successes of several streams (LogicT ``interleave``); a stream's final
    ``Failure`` just removes it; any other stop ends the merged stream."""
    active = list(sources)
    last: Failure = Failure(VStr("no alternatives"))
    while active:
        still: list[Iterator[Success[object] | Stop]] = []
        for source in active:
            item = next(source)
            if isinstance(item, Success):
                yield item
                still.append(source)
            elif isinstance(item, Failure):
                last = item
            else:
                yield item
                return
        active = still
    yield last
    while True:  # a consumer may ask again after the end
        yield last


def _parse_scope(scope: str) -> int | str:
    parts = scope.split()
    if len(parts) == 2 and parts[0] == "fuel" and parts[1].isdigit():
        return int(parts[1])
    return f"unknown scope '{scope}' (supported: `fuel N`, `split`, `reflect`, `progress`)"


def made_progress(before: object, after: object) -> bool:
    """Did a run change the state?  States that know (``ProofState.progressed_from``) say so;
    any other state has progressed when it is not equal to the one it started from."""
    progressed = getattr(after, "progressed_from", None)
    if progressed is not None:
        return bool(progressed(before))
    return bool(before != after)


def _resolve(v: Value, env: Env) -> Value | str:
    """Substitute bound value variables; a string result is the error."""
    if isinstance(v, VVar):
        found = env.get(v.name)
        if not isinstance(found, Value):
            return f"unbound value variable '{v.name}'"
        return found
    if isinstance(v, VList):
        items = []
        for item in v.items:
            r = _resolve(item, env)
            if isinstance(r, str):
                return r
            items.append(r)
        return VList(tuple(items))
    if isinstance(v, VRecord):
        fields = []
        for key, item in v.fields:
            r = _resolve(item, env)
            if isinstance(r, str):
                return r
            fields.append((key, r))
        return VRecord(tuple(fields))
    return v


def collect(stream: Iterator[Success[S] | Stop], limit: int = 1000) -> tuple[list[Success[S]], Stop | None]:
    """The successes of a stream (at most ``limit``) and how it ended (None: cut off by limit)."""
    successes: list[Success[S]] = []
    for item in itertools.islice(stream, limit + 1):
        if isinstance(item, Success):
            if len(successes) == limit:
                return successes, None
            successes.append(item)
        else:
            return successes, item
    return successes, None
