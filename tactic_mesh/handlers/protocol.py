"""The handler protocol: what the machine (``calculus/machine.py``) asks of a handler.

A handler gives meaning to operations (``op``) and ``foreign`` symbols on a state of type ``S``.
For each request it answers one of:

* ``(value, state')`` — handled: the operation returns ``value`` and the run continues on ``state'``;
* ``Forward()`` — not mine: the machine asks the next handler outward (``handle h t`` installs
  ``h`` innermost); when no handler is left the run panics (``unhandled operation``);
* ``Raise(reason)`` — a catchable failure (as ``fail reason``);
* ``Refine(program)`` — only for ``foreign``: a known refinement; the machine runs ``program`` (a
  closed core term computed from the current state) in the node's place;
* ``Panic`` / ``ReplayIncompatible`` — the uncatchable outcome classes (``calculus/outcomes.py``).

Handlers never see the continuation and cannot backtrack by themselves; choice, cut, fuel and
focus are the machine's.  Composition is by name: a ``Machine`` holds a registry of handlers and a
run names the stack it uses (``handlers/compose.py``).  This module is the bottom of ``handlers/``:
it depends only on ``calculus.terms`` and ``calculus.outcomes``, so the machine can be written
against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

import attrs

from tactic_mesh.calculus.outcomes import Panic, ReplayIncompatible
from tactic_mesh.calculus.terms import Term, Value

S = TypeVar("S")




@attrs.frozen
class Forward:
    """The handler does not handle this operation: ask the next one outward."""


@attrs.frozen
class Raise:
    """The operation failed catchably."""

    reason: Value


@attrs.frozen
class Refine:
    """A ``foreign`` computation whose refinement into the core is known: run ``program`` (closed,
    computed from the current state) in its place."""

    program: Term


HandlerResult = tuple[Value, S] | Forward | Raise | Refine | Panic | ReplayIncompatible


class Handler(Protocol[S]):
    """Gives meaning to operations (and ``foreign`` symbols) on a state of type ``S``."""

    name: str

    def operation(self, name: str, operands: Sequence[Value], state: S) -> HandlerResult[S]: ...

    def foreign(self, symbol: str, payload: Value, state: S) -> HandlerResult[S]: ...
