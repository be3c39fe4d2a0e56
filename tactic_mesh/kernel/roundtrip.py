"""Printing that is guaranteed to parse back: readable when that round-trips, explicit otherwise."""

from __future__ import annotations

from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.printer import print_expr
from tactic_mesh.kernel.syntax import parse_term


def reparse(env: Environment, text: str) -> Expr:
    return elaborate_closed(env, parse_term(text))[0]


def print_roundtrip(e: Expr, env: Environment) -> str:
    """The notation form of a closed, well-typed ``e`` if it elaborates back to ``e`` itself;
    otherwise the explicit form (``@f.{u} a b``), which always does."""
    text = print_expr(e, env)
    try:
        if reparse(env, text) is e:
            return text
    except TacticMeshError:
        pass
    return print_expr(e, env, explicit=True)
