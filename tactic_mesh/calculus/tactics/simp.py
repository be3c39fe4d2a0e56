"""``simp``, ``simp only [l…]``, ``simp [l…, *]``, ``… at h``: rewrite to a fixpoint with the
library's ``@[simp]`` lemmas (and the given ones; ``*``: the equations among the hypotheses),
closing the goal by ``rfl`` when it can; it fails when nothing changes, as Lean's ``simp``.
Proposer (family ``simp``): ``simp``, and ``simp [*]`` when a hypothesis is an equation (an
induction hypothesis, say)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tactic_mesh.calculus.combinators import exact, first, repeat, rewrite
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics.common import is_equation, main_lctx, parse_rule, parse_rules
from tactic_mesh.calculus.tactics.registry import Candidate, GoalView, TacticSpec, call, register
from tactic_mesh.calculus.tactics.rewrite import simp_lemmas
from tactic_mesh.calculus.terms import Fail, Term, VStr, seq

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


def simp_program(arg: str, state: ProofState, call: TacticCall) -> Term:
    """``simp``, ``simp only [l…]``, ``simp [l…, *]``, ``… at h``: rewrite to a fixpoint with the
    library's ``@[simp]`` lemmas (and the given ones; ``*``: the equations among the hypotheses),
    closing the goal by ``rfl`` when it can.  Fails when nothing changes, as Lean's ``simp``."""
    text = arg.strip()
    location: str | None = None
    if " at " in f" {text}":
        text, _, location = f" {text}".rpartition(" at ")
        text, location = text.strip(), location.strip()
    only = text.startswith("only")
    if only:
        text = text[len("only"):].strip()
    extra: list[str] = []
    if text:
        extra = [r[0] if not r[1] else f"← {r[0]}" for r in parse_rules(text, call)]
    rules: list[tuple[str, bool]] = []
    if not only:
        rules += [(lemma, False) for lemma in simp_lemmas(state)]
    for item in extra:
        if item == "*":
            rules += [(d.user_name, False) for d in main_lctx(state) if d.user_name != location
                      and is_equation(state.metavar_graph.instantiate(d.type))]
        else:
            rules.append(parse_rule(item))
    if not rules:
        return exact("rfl")
    steps = first(*(rewrite([rule], location, ordered=True) for rule in rules))
    done = (exact("rfl"),) if location is None else ()
    return first(*done, seq(steps, repeat(steps, "simp")), Fail(VStr("simp made no progress")))


def _propose(view: GoalView) -> Iterator[Candidate]:
    yield Candidate(call("simp"), "simp")
    if any(is_equation(d.type) for d in view.hypotheses):
        yield Candidate(call("simp", "[*]"), "simp")


def _typing(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REWRITE, lambda p: ck.simp_children(p, c, path))


register(TacticSpec("simp", lambda c, s: simp_program(c.arg, s, c), _typing, _propose, "simp",
                    "rewrite to a fixpoint with the @[simp] lemmas"))
