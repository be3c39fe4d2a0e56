"""``rw [e₁, ← e₂, …] (at h)`` (also spelled ``rewrite``): rewrite the main goal (or ``h``) with each
equation in turn, then try ``rfl``, as Lean's.  Proposer (family ``rewrite``): ``rw [h]`` and
``rw [← h]`` for each hypothesis that is an equation, possibly quantified (``h : ∀ x, f x = g x``:
the instance is found by unification — an induction hypothesis is one), and ``rw [l]`` for each of
the library's ``@[simp]`` lemmas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tactic_mesh.calculus.combinators import rewrite
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics.common import is_equation, need, parse_rules
from tactic_mesh.calculus.tactics.registry import Candidate, GoalView, TacticSpec, call, register
from tactic_mesh.calculus.terms import Term

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


def _compile(c: TacticCall, state: ProofState) -> Term:
    arg = c.arg
    rules_text, _, location = need(arg, c).rpartition(" at ") if "] at " in arg else (arg, "", "")
    return rewrite(parse_rules(rules_text, c), location.strip() or None)


def simp_lemmas(state: ProofState) -> tuple[str, ...]:
    """The library's ``@[simp]`` lemmas, in declaration order."""
    ext = state.environment.extension("attributes", {})
    return tuple(ext.get("simp", ())) if isinstance(ext, dict) else ()


def _propose(view: GoalView) -> Iterator[Candidate]:
    for d in reversed(view.hypotheses):
        if is_equation(d.type):
            yield Candidate(call("rw", f"[{d.user_name}]"), "rewrite")
            yield Candidate(call("rw", f"[← {d.user_name}]"), "rewrite")
    for lemma in simp_lemmas(view.state):
        yield Candidate(call("rw", f"[{lemma}]"), "rewrite")


def _typing(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REWRITE, lambda p: ck.rewrite_children(p, c, path))


register(
    TacticSpec("rw", _compile, _typing, _propose, "rewrite", "rewrite with equations, then try `rfl`"),
    TacticSpec("rewrite", _compile, _typing, summary="the same as `rw`"),
)
