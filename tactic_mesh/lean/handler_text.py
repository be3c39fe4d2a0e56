"""Our derived tactics printed as Lean 4 tactic text (the Lean handler's vocabulary).

A tactic program's steps are ``TacticCall`` trees (``calculus/tactic_syntax.py``); the Lean handler
sends each as Lean tactic text, one Lean ``tactic`` per REPL request.  ``lean_tactics(call)`` is
that text — a tuple, since a few of our forms are a *sequence* in Lean — or ``LeanUnsupported``
naming the tactic that has no Lean counterpart.  The vocabulary:

* printed as they are (our surface syntax is Lean 4's): ``intro intros exact apply refine
  constructor cases induction rfl rw rewrite simp assumption exfalso contradiction exists left
  right have show done``, ``cases x with | c a => …`` / ``induction x with …``, the tacticals
  ``first try repeat all_goals any_goals <;> <|> focus``, bullets ``·``, ``case tag x… => …`` and
  ``next x… => …``; arguments are passed verbatim (they are Lean terms);
* translated: ``t orelse u`` is ``first | t | u``; ``solve | t | u`` is
  ``first | (t; done) | (u; done)``; ``once t`` is ``t`` (a Lean tactic never has a second
  success to drop); ``have h : T`` (no proof) is ``have h : T := ?_`` (core Lean needs the
  ``:=``; the goal ``T`` comes first, as ours);
* refused: ``interleave`` (fair choice between successes: Lean tactics have one), ``progress``,
  ``calc``, ``symm``, ``congr``, ``eq_search``, ``eprover`` (ours, or different in core Lean),
  anything unknown, and any text mentioning ``sorry``/``admit`` (never sent).
"""

from __future__ import annotations

import re

import attrs

from tactic_mesh.calculus.tactic_syntax import TacticCall, is_elim_with, print_tactics
from tactic_mesh.kernel.errors import TacticMeshError

# tactics whose text is the same in Lean (no children)
LEAF_TACTICS = frozenset({
    "intro", "intros", "exact", "apply", "refine", "constructor", "cases", "induction", "rfl", "rw",
    "rewrite", "simp", "assumption", "exfalso", "contradiction", "exists", "left", "right", "have",
    "show", "done",
})
SEQUENCE_TACTICALS = frozenset({"try", "repeat", "all_goals", "any_goals"})  # `name t…`
ALTERNATIVE_TACTICALS = frozenset({"first", "<|>", "<;>"})  # children: `|` alternatives
BLOCK_TACTICS = frozenset({"·", "focus", "case", "next"})
TRANSLATED = frozenset({"orelse", "solve", "once"})
REFUSED: dict[str, str] = {
    "interleave": "fair choice between a tactic's successes has no Lean counterpart (a Lean tactic has one)",
    "progress": "core Lean 4 has no `progress` tactical",
    "calc": "our `calc` steps are not printed as Lean's yet",
    "symm": "not a core Lean 4 tactic (Mathlib's `symm` differs)",
    "congr": "core Lean's `congr` is not ours (it closes goals by `rfl` and `Subsingleton`)",
    "eq_search": "an equational search of our kernel, not a Lean tactic",
    "eprover": "E prover runs on our kernel's goals, not on Lean's",
    "|": "an alternative `| c … =>` belongs to `cases x with` / `induction x with`",
}
_SORRY = re.compile(r"sorry|\badmit\b")  # ``sorry`` anywhere: ``sorryAx`` is the axiom behind it


def mentions_sorry(text: str) -> bool:
    """Whether ``text`` mentions ``sorry`` (as a word or inside a name such as ``sorryAx``) or the
    word ``admit``: a proof or tactic text that does is never sent to Lean nor accepted from it."""
    return _SORRY.search(text) is not None


class LeanUnsupported(TacticMeshError):
    """A tactic that cannot be printed as Lean tactic text; ``tactic`` names it."""

    def __init__(self, tactic: str, reason: str) -> None:
        super().__init__(f"lean: tactic '{tactic}' cannot be sent to Lean: {reason}")
        self.tactic = tactic
        self.reason = reason


def lean_tactics(call: TacticCall) -> tuple[str, ...]:
    """The Lean tactic texts that run ``call``, in order, each one Lean ``tactic``."""
    texts = tuple(print_tactics([c]) for c in _seq([call]))
    if not texts:
        raise LeanUnsupported(call.name, "it prints as no Lean tactic at all")
    for text in texts:
        if mentions_sorry(text):
            raise LeanUnsupported(call.name, "the text mentions `sorry`/`admit`; a proof never uses them")
    return texts


def lean_text(call: TacticCall) -> str:
    """``lean_tactics`` joined as one script (one tactic per line)."""
    return "\n".join(lean_tactics(call))


def _seq(calls: tuple[TacticCall, ...] | list[TacticCall]) -> list[TacticCall]:
    out: list[TacticCall] = []
    for c in calls:
        out.extend(_translate(c))
    return out


def _alts(c: TacticCall, extra: tuple[TacticCall, ...] = ()) -> tuple[TacticCall, ...]:
    alts: list[TacticCall] = []
    for alt in c.children:
        if alt.name != "|":
            raise LeanUnsupported(c.name, f"expected alternatives `| …`, found '{alt.name}'")
        body = _seq(alt.children)
        if not body:
            raise LeanUnsupported(c.name, "an empty alternative")
        alts.append(attrs.evolve(alt, children=(*body, *extra)))
    if not alts:
        raise LeanUnsupported(c.name, "no alternatives")
    return tuple(alts)


def _body(c: TacticCall) -> tuple[TacticCall, ...]:
    body = _seq(c.children)
    if not body and c.name not in ("·", "case", "next", "focus"):
        raise LeanUnsupported(c.name, "a tactic is expected inside")
    return tuple(body)


def _translate(c: TacticCall) -> list[TacticCall]:
    name = c.name
    if name in REFUSED:
        raise LeanUnsupported(name, REFUSED[name])
    if name in ("cases", "induction") and is_elim_with(c):
        return [attrs.evolve(c, children=_alts(c))]
    if name in LEAF_TACTICS:
        if c.children:
            raise LeanUnsupported(name, "unexpected nested tactics")
        if name == "have" and top_level_assign(c.arg) is None:
            return [attrs.evolve(c, arg=f"{c.arg} := ?_")]
        return [c]
    if name in SEQUENCE_TACTICALS:
        return [attrs.evolve(c, children=_body(c))]
    if name in ALTERNATIVE_TACTICALS:
        return [attrs.evolve(c, children=_alts(c))]
    if name in BLOCK_TACTICS:
        return [attrs.evolve(c, children=_body(c))]
    if name == "orelse":
        return [attrs.evolve(c, name="first", children=_alts(c))]
    if name == "solve":
        done = TacticCall("done", "", c.line, c.col)
        return [attrs.evolve(c, name="first", children=_alts(c, (done,)))]
    if name == "once":
        return list(_body(c))
    raise LeanUnsupported(name, "not in the vocabulary the Lean handler prints (see lean/handler_text.py)")


def top_level_assign(arg: str) -> int | None:
    """Where the first ``:=`` outside brackets starts in ``arg`` (None: there is none)."""
    depth = 0
    for i, ch in enumerate(arg):
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth == 0 and arg.startswith(":=", i):
            return i
    return None
