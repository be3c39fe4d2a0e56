"""Magma equations (the Equational Theories Project's laws): parsing, printing, evaluation.

A term is a variable name or a pair ``(left, right)`` standing for ``left ◇ right``; an equation
is a pair of terms.  The text form is the ETP's: ``x ◇ (y ◇ z) = (x ◇ y) ◇ z`` — variables are
lowercase letters, every application is binary and parenthesised unless it is a whole side.
Parse errors carry the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from tactic_mesh.kernel.errors import Location, TacticMeshError

Term = str | tuple["Term", "Term"]
OP = "◇"
MAX_TEXT = 10_000  # characters of one equation
MAX_DEPTH = 200  # nesting of parentheses (the parser recurses)


class EquationError(TacticMeshError):
    """A malformed equation (with where it is)."""


@attrs.frozen
class Equation:
    lhs: Term
    rhs: Term

    def variables(self) -> tuple[str, ...]:
        """The variables in order of first occurrence (left side first)."""
        out: list[str] = []
        for side in (self.lhs, self.rhs):
            _collect(side, out)
        return tuple(out)

    def text(self) -> str:
        return f"{show(self.lhs, top=True)} = {show(self.rhs, top=True)}"


def _collect(t: Term, out: list[str]) -> None:
    stack = [t]
    while stack:
        cur = stack.pop()
        if isinstance(cur, str):
            if cur not in out:
                out.append(cur)
        else:
            stack.extend((cur[1], cur[0]))


def show(t: Term, top: bool = False) -> str:
    if isinstance(t, str):
        return t
    inner = f"{show(t[0])} {OP} {show(t[1])}"
    return inner if top else f"({inner})"


def evaluate(t: Term, env: Mapping[str, int], table: Sequence[Sequence[int]]) -> int:
    if isinstance(t, str):
        return env[t]
    return table[evaluate(t[0], env, table)][evaluate(t[1], env, table)]


class EquationParser:
    """Recursive descent over the ETP syntax (extended by the rewrite-certificate reader)."""

    leaf_in_parentheses = False  # ``(x)``: refused in equations

    def __init__(self, text: str, where: Location) -> None:
        self.text, self.pos, self.where = text, 0, where

    def error(self, message: str, pos: int | None = None) -> TacticMeshError:
        loc = Location(self.where.file, self.where.line, self.where.col + (self.pos if pos is None else pos))
        return EquationError(f"{message} in equation {self.text!r}", loc)

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def side(self, depth: int = 0) -> Term:
        left = self.atom(depth)
        if self.peek() == OP:
            self.pos += 1
            right = self.atom(depth)
            if self.peek() == OP:
                raise self.error(f"ambiguous chain of {OP} (parenthesise it)")
            return (left, right)
        return left

    def atom(self, depth: int = 0) -> Term:
        if depth > MAX_DEPTH:
            raise self.error(f"a term nested more than {MAX_DEPTH} deep")
        c = self.peek()
        if c == "(":
            self.pos += 1
            inner = self.side(depth + 1)
            if isinstance(inner, str) and not self.leaf_in_parentheses:
                raise self.error("parentheses around a variable")
            if self.peek() != ")":
                raise self.error("expected ')'")
            self.pos += 1
            return inner
        return self.leaf(c)

    def leaf(self, c: str) -> Term:
        """A variable (``c`` is the next character)."""
        if c.isalpha() and c.islower() and c.isascii():
            start = self.pos
            while self.pos < len(self.text) and self.text[self.pos].isalnum() and self.text[self.pos].isascii():
                self.pos += 1
            return self.text[start:self.pos]
        raise self.error("expected a variable or '('" if c else "unexpected end")


def parse_equation(text: str, where: Location | None = None) -> Equation:
    """``lhs = rhs`` (raises ``EquationError`` with the column of the problem)."""
    where = where or Location("<equation>", 1, 1)
    if len(text) > MAX_TEXT:
        raise EquationError(f"equation longer than {MAX_TEXT} characters", where)
    p = EquationParser(text, where)
    lhs = p.side()
    if p.peek() != "=":
        raise p.error("expected '='")
    p.pos += 1
    rhs = p.side()
    if p.peek():
        raise p.error("unexpected text after the equation")
    return Equation(lhs, rhs)


def load_equations(path: Path) -> dict[int, Equation]:
    """``equations.txt``: ``N<TAB>equation`` per line."""
    out: dict[int, Equation] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        number, sep, text = line.partition("\t")
        if not sep or not number.strip().isdigit():
            raise EquationError("expected 'N<TAB>equation'", Location(str(path), n, 1))
        out[int(number)] = parse_equation(text, Location(str(path), n, len(number) + 2))
    return out


def data_dir() -> Path | None:
    """Where the ETP data lives: ``$TACTIC_MESH_ETP_DATA``, else ``shared/data/etp`` next to the
    repository or under ``/work`` (None when absent)."""
    import os

    candidates = [os.environ.get("TACTIC_MESH_ETP_DATA", "")]
    here = Path(__file__).resolve()
    candidates += [str(p / "shared" / "data" / "etp") for p in here.parents[2:4]]
    candidates.append("/work/shared/data/etp")
    for c in candidates:
        if c and (Path(c) / "equations.txt").is_file():
            return Path(c)
    return None
