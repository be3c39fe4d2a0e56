"""Tacticals and blocks: ``first | t | u`` (also ``t <|> u``, ``t orelse u``), ``solve``,
``interleave`` (fair choice), ``try``, ``once``, ``progress``, ``repeat``, ``focus``, ``t <;> u``,
``done``, bullets ``·``, ``case tag x… => …``, ``next x… => …``, ``all_goals``, ``any_goals``.
Each compiles into the core calculus's choice, focus and fixpoint forms; their children run later
as ``foreign "tactic"`` nodes, compiled on the state they meet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tactic_mesh.calculus.combinators import first, progress, repeat, try_
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, loc
from tactic_mesh.calculus.tactics.registry import (
    DONE,
    TacticSpec,
    TypingRule,
    compile_seq,
    defer,
    defer_seq,
    register,
)
from tactic_mesh.calculus.terms import Choice, Fail, Focus, Policy, Pure, Term, VStr, seq

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


def alternative(alt: TacticCall) -> tuple[str, Term]:
    """``| succ m ih => t…``: the goal tagged ``succ``, its fields named ``m ih``, then ``t…``."""
    if alt.name != "|" or not alt.arg.split():
        raise TacticError("expected an alternative `| c x… => tactics`", loc(alt))
    tag, *names = alt.arg.split()
    return tag, case_body(names, alt)


def case_body(names: list[str], call: TacticCall) -> Term:
    """The body of ``case``/``next``/an alternative: introduce the named fields, run the tactics,
    and the goal must be solved."""
    intro_names = (defer(TacticCall("intro", " ".join(names), call.line, call.col)),) if names else ()
    return seq(*intro_names, defer_seq(call.children), DONE)


def _alternatives(c: TacticCall, state: ProofState) -> list[Term]:
    return [compile_seq(alt.children, state) for alt in c.children]


def _then(c: TacticCall, state: ProofState) -> Term:
    """``t <;> u`` is ``focus (t; all_goals u)``, as in Lean."""
    head, *rest = c.children
    program = compile_seq(head.children, state)
    for then in rest:
        program = seq(program, defer(TacticCall("all_goals", "", c.line, c.col, then.children)))
    return Focus("main", program)


def _done(c: TacticCall, state: ProofState) -> Term:
    return Pure() if not state.focus_goals() else Fail(VStr(f"{len(state.focus_goals())} goal(s) remain"))


def _case(c: TacticCall, state: ProofState) -> Term:
    tag, *names = c.arg.split() if c.name == "case" else ["main", *c.arg.split()]
    if not tag:
        raise TacticError("case: expected `case tag x… => tactics`", loc(c))
    return Focus(tag, case_body(names, c))


def _stray_alternative(c: TacticCall, state: ProofState) -> Term:
    raise TacticError("`| c … =>` alternatives belong to `induction x with` or `cases x with`", loc(c))


def _per_goal(c: TacticCall, state: ProofState) -> Term:
    inner = defer_seq(c.children)
    per_goal = [Focus(state.obligation_id(g), inner) for g in state.focus_goals()]
    if c.name == "all_goals":
        return seq(*per_goal)
    # any_goals: on each goal where it applies, failing only if it applies nowhere — the
    # first goal where it applies is chosen by committed choice, the rest are tried
    return first(*(seq(per_goal[i], *(try_(t) for t in per_goal[i + 1 :])) for i in range(len(per_goal))))


def _alts_rule(then_done: bool) -> TypingRule:
    def rule(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        return ck.alternatives(c, iface, delta, path, then_done=then_done)

    return rule


def _focus_rule(must_solve: bool) -> TypingRule:
    def rule(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
        return ck.focus_rule(c, iface, delta, path, must_solve)

    return rule


def _first(c: TacticCall, state: ProofState) -> Term:
    return first(*_alternatives(c, state))


register(
    *(TacticSpec(name, _first, _alts_rule(False), summary="the first alternative that succeeds")
      for name in ("first", "<|>", "orelse")),
    TacticSpec("solve", lambda c, s: first(*(seq(compile_seq(a.children, s), DONE) for a in c.children)),
               _alts_rule(True), summary="the first alternative that closes the goal"),
    TacticSpec("interleave", lambda c, s: Choice(Policy.FAIR, tuple(_alternatives(c, s))), _alts_rule(False),
               summary="the alternatives' successes, fairly interleaved"),
    TacticSpec("try", lambda c, s: try_(compile_seq(c.children, s)), lambda ck, c, i, d, p: ck.try_rule(c, i, d, p),
               summary="the tactics, or nothing when they fail"),
    TacticSpec("once", lambda c, s: Choice(Policy.COMMIT, (compile_seq(c.children, s),)),
               lambda ck, c, i, d, p: ck.seq_rule(c, i, d, p), summary="the first success only"),
    TacticSpec("progress", lambda c, s: progress(compile_seq(c.children, s)),
               lambda ck, c, i, d, p: ck.seq_rule(c, i, d, p), summary="only successes that change the state"),
    # each round of `repeat` runs on the state the previous one left
    TacticSpec("repeat", lambda c, s: repeat(defer_seq(c.children)), lambda ck, c, i, d, p: ck.repeat(c, i, d, p),
               summary="apply as long as it succeeds"),
    TacticSpec("focus", lambda c, s: Focus("main", compile_seq(c.children, s)), _focus_rule(False),
               summary="work on the main goal only"),
    TacticSpec("·", lambda c, s: Focus("main", seq(compile_seq(c.children, s), DONE)), _focus_rule(True),
               summary="a bullet: focus on the main goal and solve it"),
    TacticSpec("<;>", _then, lambda ck, c, i, d, p: ck.then_rule(c, i, d, p),
               summary="`t <;> u`: u on every goal t leaves"),
    TacticSpec("done", _done, lambda ck, c, i, d, p: ck.done_rule(c, i, d, p), summary="no goals remain"),
    TacticSpec("case", _case, lambda ck, c, i, d, p: ck.case_rule(c, i, d, p), summary="solve the goal tagged"),
    TacticSpec("next", _case, lambda ck, c, i, d, p: ck.case_rule(c, i, d, p), summary="solve the main goal"),
    TacticSpec("|", _stray_alternative, lambda ck, c, i, d, p: ck.stray_alternative(c, i, d, p),
               summary="an alternative of `induction x with` (only there)"),
    TacticSpec("all_goals", _per_goal, lambda ck, c, i, d, p: ck.all_goals(c, i, d, p),
               summary="on every goal in focus"),
    TacticSpec("any_goals", _per_goal, lambda ck, c, i, d, p: ck.any_goals(c, i, d, p),
               summary="on every goal where it applies, at least one"),
)
