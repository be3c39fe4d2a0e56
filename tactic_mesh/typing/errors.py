"""Type errors and static-failure diagnostics of the typing judgment.

A ``TypingError`` is a program the judgment rejects: an out-of-scope value variable, ``rec``, goal
id or hypothesis, an operand of the wrong sort, a residual builder over children the step did not
spawn, an obligation-id collision, a dropped replay-critical provenance field, a malformed tactic.
It names the sub-term by a *path* into the program (``$.rest.branches[1].first``; inside a deferred
tactic the path continues into its payload, ``$.payload.children[0]``) and the mismatch (expected,
found).

A ``Diagnostic`` is not an error: it explains why a sub-term can *never succeed* (its output
interface is ⊥), e.g. ``intro`` on a goal that is not a Π, ``done`` with goals left.  That is a
legitimate, catchable outcome under ``first``/``try``; it becomes a ``TypingError`` only where
nothing can catch it (a ``by`` block, or ``check(..., require_success=True)``).
"""

from __future__ import annotations

import attrs

from tactic_mesh.kernel.errors import Location, TacticMeshError


@attrs.frozen
class Diagnostic:
    """Why a sub-term cannot succeed: where, what, and the mismatch."""

    path: str
    message: str
    expected: str = ""
    found: str = ""
    loc: Location | None = None

    def render(self) -> str:
        mismatch = f" (expected {self.expected}, found {self.found})" if self.expected or self.found else ""
        return f"{self.path}: {self.message}{mismatch}"


class TypingError(TacticMeshError):
    """The typing judgment rejects a program; ``path`` names the offending sub-term."""

    def __init__(
        self, message: str, path: str, expected: str = "", found: str = "", loc: Location | None = None
    ) -> None:
        self.path = path
        self.what = message
        self.expected = expected
        self.found = found
        mismatch = f" (expected {expected}, found {found})" if expected or found else ""
        super().__init__(f"{path}: {message}{mismatch}", loc)

    @staticmethod
    def of(diag: Diagnostic) -> TypingError:
        return TypingError(diag.message, diag.path, diag.expected, diag.found, diag.loc)

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.path, self.what, self.expected, self.found, self.loc)


__all__ = ["Diagnostic", "TypingError"]
