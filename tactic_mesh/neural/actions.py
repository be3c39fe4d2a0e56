"""Tactics as actions a learner can compare across proof states.

``action_key(call, hypotheses)`` abstracts a tactic call from the names of the state it ran on:
every word of the argument that names a hypothesis becomes ``#k``, the hypothesis's position in the
local context (the positions the canonical form uses, ``neural/features.py``), so ``rw [← ih]`` on
one state and ``rw [← h]`` on another are the same action when ``ih`` and ``h`` sit at the same
position.  Library lemma names, literals and keywords stay as they are.  ``action_tokens`` splits a
key into the tokens an action embedding is built from; ``referenced_hypothesis`` and
``referenced_lemma`` say which hypothesis or library constant the action mentions (the premise the
expert selected).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.kernel.local_context import LocalDecl

_WORD = re.compile(r"[^\s\[\],()←⟨⟩:*]+")


def _positions(hypotheses: Sequence[LocalDecl]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, d in enumerate(hypotheses):  # a shadowed name means its last declaration, as in Lean
        out[d.user_name] = i
    return out


def action_key(call: TacticCall, hypotheses: Sequence[LocalDecl]) -> str:
    """``call`` as a name-independent action (``rw [← #3]``, ``induction #0``, ``apply Nat.le_trans``);
    blocks (``·``, alternatives) include their children's keys."""
    where = _positions(hypotheses)
    if call.name == "intro":  # the names an intro binds are new names, not references
        arg = " ".join("_" for _ in call.arg.split())
    else:
        arg = _WORD.sub(lambda m: f"#{where[m.group(0)]}" if m.group(0) in where else m.group(0), call.arg)
    key = f"{call.name} {arg}".strip()
    if call.children:
        key += " { " + "; ".join(action_key(c, hypotheses) for c in call.children) + " }"
    return key


def action_tokens(key: str) -> list[str]:
    """The tokens of an action key: the tactic name, then each word or symbol of its argument."""
    name, _, rest = key.partition(" ")
    return [f"tac:{name}", *(f"arg:{w}" for w in re.findall(r"#\d+|[^\s\[\],()]+", rest))]


def referenced_hypothesis(key: str) -> int | None:
    """The position of the first hypothesis the action mentions, if any."""
    m = re.search(r"#(\d+)", key)
    return int(m.group(1)) if m else None


def referenced_lemma(call: TacticCall, known: frozenset[str] | set[str]) -> str | None:
    """The first word of ``call``'s argument that is one of the ``known`` library constants."""
    for word in _WORD.findall(call.arg):
        if word in known:
            return str(word)
    return None
