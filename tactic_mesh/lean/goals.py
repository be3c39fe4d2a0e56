"""Lean's goal text, read back into obligations.

Lean prints a goal (``Meta.ppGoal``) as an optional ``case tag`` line, one line per hypothesis
group and the target after ``⊢``::

    case succ
    a b : Nat
    h : P a := proof
    ⊢ a + b = b + a

* a hypothesis line is ``names : type`` (several names share one type: ``a b : Nat``), or
  ``name : type := value`` for a let-bound one;
* a long type or target continues on the following lines, indented (the continuation lines start
  with white space); ``parse_goal`` joins them with single spaces;
* several goals in one text (LeanDojo's ``TacticState.pp``, a REPL tactic-mode sorry) are separated
  by blank lines, each ending with its ``⊢`` entry; ``no goals`` is the empty list.

Reading the *terms* is a second, optional step: a ``TermReader`` parses each hypothesis type, let
value and target with our term syntax (``kernel/syntax.py``, Lean 4 notation) and elaborates it in
the local context of the hypotheses before it (``kernel/elab.py``, over the reader's
environment).  Where that works the ``LeanTerm`` carries the kernel ``Expr``; where it does not
(Lean-only notation, inaccessible names such as ``n✝``, constants our environment lacks) it keeps
Lean's text only and ``note`` says why — a term is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from tactic_mesh.calculus.terms import Value, VExpr, VStr
from tactic_mesh.kernel.elab import Elaborator
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.syntax import parse_term

TURNSTILE = "⊢"
_GOAL_COUNT = re.compile(r"^\d+ goals?$")


class GoalTextError(TacticMeshError):
    """Lean's goal text does not have the shape ``[case t] (names : type)* ⊢ target``."""


@attrs.frozen
class LeanTerm:
    """A term as Lean printed it, and our kernel's reading of it when there is one."""

    text: str
    expr: Expr | None = None
    note: str = ""  # why ``expr`` is None ("" when it is not)

    @property
    def parsed(self) -> bool:
        return self.expr is not None

    def value(self) -> Value:
        """``VExpr`` when our term syntax read it, else Lean's text as ``VStr``."""
        return VExpr(self.expr) if self.expr is not None else VStr(self.text)


@attrs.frozen
class LeanHypothesis:
    """One hypothesis line: ``a b : Nat`` (names sharing a type) or ``x : T := v``."""

    names: tuple[str, ...]
    type: LeanTerm
    value: LeanTerm | None = None


@attrs.frozen
class LeanGoal:
    tag: str  # the ``case`` tag ("" when the goal has none)
    hypotheses: tuple[LeanHypothesis, ...]
    target: LeanTerm
    text: str  # the goal as Lean printed it

    def locals(self) -> tuple[tuple[str, LeanTerm, LeanTerm | None], ...]:
        """Every hypothesis name with its type and value, in context order (``a b : Nat`` is two)."""
        return tuple((name, h.type, h.value) for h in self.hypotheses for name in h.names)

    @property
    def fully_parsed(self) -> bool:
        terms = [self.target, *(h.type for h in self.hypotheses), *(h.value for h in self.hypotheses if h.value)]
        return all(t.parsed for t in terms)


# ---------------------------------------------------------------------------------------------
# the text


def _entries(text: str) -> list[list[str]]:
    """Logical entries: a line starting in column 0 and its indented continuation lines; a blank
    line ends the current entry."""
    entries: list[list[str]] = []
    open_entry = False
    for raw in text.split("\n"):
        line = raw.rstrip()
        if not line.strip():
            open_entry = False
            continue
        if line[0].isspace() and open_entry:
            entries[-1].append(line.strip())
        else:
            entries.append([line.strip()])
            open_entry = True
    return entries


def _split_top(text: str, sep: str) -> tuple[str, str] | None:
    """``text`` split at the first ``sep`` outside brackets."""
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            return text[:i], text[i + len(sep):]
        i += 1
    return None


def _hypothesis(entry: str, goal_text: str) -> LeanHypothesis:
    split = _split_top(entry, " : ")
    if split is None:
        raise GoalTextError(f"a hypothesis line `names : type` is expected, got {entry!r} in goal\n{goal_text}")
    names_text, rest = split
    names = tuple(names_text.split())
    if not names:
        raise GoalTextError(f"a hypothesis without a name: {entry!r}")
    let = _split_top(rest, " := ")
    if let is not None:
        return LeanHypothesis(names, LeanTerm(let[0].strip()), LeanTerm(let[1].strip()))
    return LeanHypothesis(names, LeanTerm(rest.strip()))


def _goal_from_entries(entries: list[list[str]], text: str) -> LeanGoal:
    tag = ""
    hyps: list[LeanHypothesis] = []
    for i, lines in enumerate(entries[:-1]):
        entry = " ".join(lines)
        if i == 0 and (entry == "case" or entry.startswith("case ")):
            tag = entry[len("case"):].strip()
            continue
        hyps.append(_hypothesis(entry, text))
    last = " ".join(entries[-1])
    return LeanGoal(tag, tuple(hyps), LeanTerm(last[len(TURNSTILE):].strip()), text)


def parse_goals(text: str, reader: TermReader | None = None) -> tuple[LeanGoal, ...]:
    """Every goal of a text that may hold several (``no goals``: none).  With ``reader``, the
    hypothesis types, let values and targets are read as terms where they parse."""
    stripped = text.strip()
    if stripped in ("", "no goals"):
        return ()
    entries = _entries(stripped)
    if entries and _GOAL_COUNT.match(" ".join(entries[0])):  # LeanDojo/Lean's "2 goals" header
        entries = entries[1:]
    goals: list[LeanGoal] = []
    current: list[list[str]] = []
    for entry in entries:
        current.append(entry)
        if entry[0].startswith(TURNSTILE):
            goals.append(_goal_from_entries(current, _render(current)))
            current = []
    if current:
        raise GoalTextError(f"a goal without `{TURNSTILE}`: {_render(current)!r}")
    return tuple(reader.read(g) for g in goals) if reader is not None else tuple(goals)


def parse_goal(text: str, reader: TermReader | None = None) -> LeanGoal:
    """Exactly one goal (a REPL goal string, a sorry's goal)."""
    goals = parse_goals(text, reader)
    if len(goals) != 1:
        raise GoalTextError(f"one goal is expected, the text has {len(goals)}:\n{text}")
    return attrs.evolve(goals[0], text=text.strip("\n"))


def _render(entries: Iterable[list[str]]) -> str:
    return "\n".join("\n".join([lines[0], *("  " + c for c in lines[1:])]) for lines in entries)


# ---------------------------------------------------------------------------------------------
# the terms


class TermReader:
    """Reads a goal's terms with our term syntax, elaborated over ``env`` in the goal's local
    context (each hypothesis sees the ones before it).  A term that does not parse, does not
    elaborate, or leaves holes keeps Lean's text with the reason in ``note``."""

    def __init__(self, env: Environment) -> None:
        self.env = env

    @staticmethod
    def prelude() -> TermReader:
        """A reader over the kernel's prelude (``Nat``, ``Eq``, ``∧ ∨ ¬ ∃``, …)."""
        from tactic_mesh.kernel.prelude import prelude

        return TermReader(prelude())

    def read(self, goal: LeanGoal) -> LeanGoal:
        el = Elaborator(self.env, "<lean goal>", [], auto_bound_levels=False)
        hyps: list[LeanHypothesis] = []
        for h in goal.hypotheses:
            ty = self._read(el, h.type.text, None)
            value = self._read(el, h.value.text, ty.expr) if h.value is not None and ty.expr is not None else (
                attrs.evolve(h.value, note="not read: its type was not read") if h.value is not None else None)
            if ty.expr is not None:
                for name in h.names:
                    el.push_local(name, ty.expr, value.expr if value is not None else None)
            hyps.append(LeanHypothesis(h.names, ty, value))
        target = self._read(el, goal.target.text, None)
        missing = [n for h in hyps if h.type.expr is None for n in h.names]
        if target.expr is None and missing and "unknown identifier" in target.note:
            target = attrs.evolve(target, note=f"{target.note} (hypotheses not read: {', '.join(missing)})")
        return LeanGoal(goal.tag, tuple(hyps), target, goal.text)

    def _read(self, el: Elaborator, text: str, expected: Expr | None) -> LeanTerm:
        try:
            stx = parse_term(text, "<lean goal>")
        except TacticMeshError as err:
            return LeanTerm(text, None, f"not our term syntax: {err.message}")
        except RecursionError:
            return LeanTerm(text, None, "not read: nested too deeply")
        try:
            e = el.elab(stx, expected) if expected is not None else el.elab_type(stx)
            el.synthesize_pending()
            e = el.instantiate(e)
        except TacticMeshError as err:
            return LeanTerm(text, None, f"does not elaborate here: {err.message}")
        except RecursionError:
            return LeanTerm(text, None, "not read: nested too deeply")
        if e.has_mvar or e.has_level_mvar:
            return LeanTerm(text, None, "does not elaborate here: parts are left undetermined")
        return LeanTerm(text, e)
