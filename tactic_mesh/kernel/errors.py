"""Errors raised by the proof engine.  Each carries a human-readable message and, where known,
the source location (``file:line:col``) or the declaration it concerns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class TacticMeshError(Exception):
    """Base class of every error the library raises on bad input."""

    def __init__(self, message: str, loc: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc

    def located(self, loc: Location) -> TacticMeshError:
        if self.loc is None:
            self.loc = loc
        return self

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}" if self.loc else self.message


class KernelError(TacticMeshError):
    """The trusted type checker rejected a term or a declaration."""


class KernelLimitError(KernelError):
    """The kernel refuses a computation beyond its resource limits (it neither accepts nor
    rejects the term; elaboration reports it instead of a type mismatch)."""


class ElabError(TacticMeshError):
    """The elaborator could not turn surface syntax into a kernel term."""


class ParseError(TacticMeshError):
    """The surface syntax is malformed."""


class UnifyError(TacticMeshError):
    """A metavariable assignment would be ill-scoped, cyclic or not allowed."""
