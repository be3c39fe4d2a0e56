"""The outcome classes of a run (DESIGN §4: failure is first-class).

A run of a program is a stream of ``Success``es ended by exactly one ``Stop``:

* ``Failure(reason)`` — every alternative failed; ``fail`` is catchable by ``choice``;
* ``Panic(reason)`` — not catchable: the whole run stops (unhandled operation, malformed program);
* ``OutOfFuel`` — the step budget is exhausted; ``Interrupted`` — the wall-clock budget is;
* ``ReplayIncompatible`` — an operation refused a state whose provenance does not match.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs

from tactic_mesh.calculus.terms import Value

S = TypeVar("S")




@attrs.frozen
class Success(Generic[S]):
    value: Value
    state: S


@attrs.frozen
class Failure:
    reason: Value


@attrs.frozen
class Panic:
    reason: str


@attrs.frozen
class OutOfFuel:
    steps: int


@attrs.frozen
class Interrupted:
    seconds: float


@attrs.frozen
class ReplayIncompatible:
    field: str
    expected: str
    found: str


Stop = Failure | Panic | OutOfFuel | Interrupted | ReplayIncompatible
