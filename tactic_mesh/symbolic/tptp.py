"""TPTP for magma implications: writing the problem, reading the clauses E prover prints.

``problem(a, b)`` states ``a`` as an axiom and ``b`` as the conjecture (the operation is ``m``,
variable ``x`` is ``Vx``).  ``parse_clauses(text)`` reads the ``cnf(...)`` lines of a proof object
or a saturation (each clause a list of equational literals, and where it came from).  Terms use
the representation of ``symbolic.equations``: a variable is its name (E's ``X1``, ``X2``…), a
constant (E's Skolem symbols ``esk1_0``…) is its name behind ``CONST``, and ``m(s, t)`` is the
pair ``(s, t)``.  Anything else in a clause (another symbol, a non-equational literal) is a
``TptpError`` with the line and column.
"""

from __future__ import annotations

import re

import attrs

from tactic_mesh.calculus.magma.equations import Equation, Term
from tactic_mesh.calculus.magma.terms import CONST
from tactic_mesh.kernel.errors import Location, TacticMeshError

MAX_DEPTH = 400  # nesting of a term (deeper terms are refused, not recursed into)
_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z$][A-Za-z0-9_$]*)|(?P<num>\d+)|(?P<str>'(?:[^'\\]|\\.)*')"
                    r"|(?P<sym>!=|[(),\[\]=|~:.!?&]))")


class TptpError(TacticMeshError):
    """A line of E's output this reader does not understand (with where it is)."""


def _tptp_term(t: Term) -> str:
    if isinstance(t, str):
        return f"V{t}"
    return f"m({_tptp_term(t[0])},{_tptp_term(t[1])})"


def _tptp_equation(eq: Equation) -> str:
    names = ",".join(f"V{v}" for v in eq.variables())
    return f"![{names}]: {_tptp_term(eq.lhs)} = {_tptp_term(eq.rhs)}"


def problem(a: Equation, b: Equation) -> str:
    """The TPTP problem ``a ⊢ b`` (first-order, unit equality)."""
    return f"fof(hypothesis, axiom, {_tptp_equation(a)}).\nfof(goal, conjecture, {_tptp_equation(b)}).\n"


@attrs.frozen
class Literal:
    positive: bool
    lhs: Term
    rhs: Term


@attrs.frozen
class Source:
    """Where a clause came from: an inference with its parents, or a copy of a named clause."""

    rule: str  # an inference rule, "copy" (a bare name), or "file"
    parents: tuple[Source | str, ...] = ()


@attrs.frozen
class Clause:
    name: str
    role: str
    literals: tuple[Literal, ...]  # () is the empty clause ($false)
    source: Source
    line: int

    def unit(self) -> Literal | None:
        return self.literals[0] if len(self.literals) == 1 else None


class _Reader:
    def __init__(self, text: str, line: int, file: str) -> None:
        self.text, self.line, self.file = text, line, file
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None:
                raise self.error(pos, "a TPTP token")
            kind = m.lastgroup or "sym"
            self.tokens.append((kind, m.group(kind), m.start(kind)))
            pos = m.end()
        self.i = 0

    def error(self, col: int, expected: str) -> TptpError:
        found = self.text[col:col + 12] or "the end of the line"
        return TptpError(f"expected {expected}, found {found!r}", Location(self.file, self.line, col + 1))

    def peek(self) -> str:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else ""

    def col(self) -> int:
        return self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)

    def take(self, expected: str | None = None) -> str:
        if self.i >= len(self.tokens) or (expected is not None and self.tokens[self.i][1] != expected):
            raise self.error(self.col(), repr(expected) if expected else "a token")
        self.i += 1
        return self.tokens[self.i - 1][1]

    def name(self) -> str:
        if self.i >= len(self.tokens) or self.tokens[self.i][0] not in ("name", "num"):
            raise self.error(self.col(), "a name")
        return self.take()

    def term(self, depth: int = 0) -> Term:
        if depth > MAX_DEPTH:
            raise self.error(self.col(), f"a term nested less than {MAX_DEPTH} deep")
        col = self.col()
        head = self.name()
        if head[0].isupper():
            return head
        if self.peek() != "(":
            return CONST + head
        if head != "m":
            raise self.error(col, "the operation m or a variable or a constant")
        self.take("(")
        left = self.term(depth + 1)
        self.take(",")
        right = self.term(depth + 1)
        self.take(")")
        return (left, right)

    def literal(self) -> Literal:
        positive = True
        if self.peek() == "~":
            self.take()
            positive = False
        lhs = self.term()
        op = self.take()
        if op not in ("=", "!="):
            raise self.error(self.tokens[self.i - 1][2], "'=' or '!='")
        return Literal(positive == (op == "="), lhs, self.term())

    def clause(self) -> tuple[Literal, ...]:
        parens = 0
        while self.peek() == "(":
            self.take()
            parens += 1
        if self.peek() == "$false":
            self.take()
            literals: tuple[Literal, ...] = ()
        else:
            out = [self.literal()]
            while self.peek() == "|":
                self.take()
                out.append(self.literal())
            literals = tuple(out)
        for _ in range(parens):
            self.take(")")
        return literals

    def skip_balanced(self) -> None:
        """Skip one TPTP general term (``status(thm)``, ``'proof'``, ``[...]``)."""
        depth = 0
        while True:
            tok = self.take()
            if tok in ("(", "["):
                depth += 1
            elif tok in (")", "]"):
                depth -= 1
            if depth <= 0 and self.peek() in (",", ")", "]", ""):
                if depth < 0:
                    self.i -= 1
                return

    def source(self, depth: int = 0) -> Source | str:
        if depth > 200:
            raise self.error(self.col(), "an inference nested less than 200 deep")
        head = self.name()
        if self.peek() != "(":
            return head
        if head != "inference":
            self.i -= 1
            self.skip_balanced()
            return Source(head)
        self.take("(")
        rule = self.name()
        self.take(",")
        self.skip_balanced()
        self.take(",")
        self.take("[")
        parents: list[Source | str] = []
        while self.peek() != "]":
            parents.append(self.source(depth + 1))
            if self.peek() == ",":
                self.take()
        self.take("]")
        self.take(")")
        return Source(rule, tuple(parents))

    def annotated(self) -> Clause:
        self.take("cnf")
        self.take("(")
        name = self.name()
        self.take(",")
        role = self.name()
        self.take(",")
        literals = self.clause()
        self.take(",")
        src = self.source()
        source = Source("copy", (src,)) if isinstance(src, str) else src
        while self.peek() == ",":  # useful info: ['proof'], ['final']
            self.take()
            self.skip_balanced()
        self.take(")")
        self.take(".")
        return Clause(name, role, literals, source, self.line)


def parse_clauses(text: str, file: str = "<eprover>") -> list[Clause]:
    """The ``cnf`` clauses of E's output, in order (other lines are ignored)."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("cnf("):
            out.append(_Reader(line, number, file).annotated())
    return out


__all__ = ["Clause", "Literal", "Source", "TptpError", "parse_clauses", "problem"]
