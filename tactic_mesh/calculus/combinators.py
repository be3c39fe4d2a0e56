"""Derived tactics, compiled into core programs (``expand`` is the identity: these *are* the core
forms).  This is the beginning of the derived vocabulary of DESIGN §4; each tactic acts on the
main goal (``VGoal("main")``: the first goal in focus).

* ``refine e`` — elaborate ``e`` against the main goal; its ``?_`` holes become the new goals;
* ``exact e`` — the same, for a complete term (no ``?_``);
* ``intro x y …`` — ``refine fun x y … => ?_``;
* ``rfl`` — ``exact rfl``;
* tacticals ``first [t₁, …]`` (committed choice), ``try t``, ``repeat t`` (a fixpoint that stops
  at the first failure), ``focus t`` (on the main goal only), ``progress t`` (only the successes
  that changed the state), ``not_ t`` (negation as failure), ``ifte c x th el`` (LogicT's soft cut:
  every success of ``c`` continued by ``th``, or ``el`` when ``c`` has none).
"""

from __future__ import annotations

from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Fail,
    Fix,
    Focus,
    Op,
    Policy,
    Pure,
    Rec,
    Scoped,
    Term,
    VGoal,
    VName,
    VStr,
    VSurface,
    VUnit,
    VVar,
    seq,
)

MAIN = VGoal("main")


def refine(text: str) -> Term:
    return Bind("term", Op("Elaborate", (VSurface(text), MAIN)), Op("AssignMetavar", (MAIN, VVar("term"))))


def apply(text: str, extra_args: int) -> Term:
    """``f _ … _`` (``extra_args`` arguments left to unification) against the main goal; the
    arguments unification does not determine become the new goals (Lean's ``apply``)."""
    surface = VSurface(f"{text}{' _' * extra_args}")
    return Bind("term", Op("Elaborate", (surface, MAIN)), Op("AssignMetavar", (MAIN, VVar("term"), VStr("apply"))))


def exact(text: str) -> Term:
    return refine(text)


def intro(*names: str) -> Term:
    binders = " ".join(names) if names else "a"
    return refine(f"fun {binders} => ?_")


def rewrite(rules: list[tuple[str, bool]], at: str | None = None, ordered: bool = False) -> Term:
    """``rw [e₁, ← e₂, …] (at h)``: rewrite the main goal (or hypothesis ``h``) with each equation in
    turn (``True``: right to left), then try ``rfl`` — as Lean's ``rw``."""
    steps: list[Term] = []
    for i, (text, reverse) in enumerate(rules):
        var = f"eq{i}"
        direction = VStr(("<-" if reverse else "->") + (" ordered" if ordered else ""))
        operands = (MAIN, VVar(var), direction) + ((VName(at),) if at else ())
        steps.append(Bind(var, Op("Elaborate", (VSurface(text), VUnit())), Op("Rewrite", operands)))
    return seq(*steps, try_(rfl()))


def rfl() -> Term:
    return exact("rfl")


def first(*tactics: Term) -> Term:
    return Choice(Policy.COMMIT, tactics)


def try_(tactic: Term) -> Term:
    return Choice(Policy.COMMIT, (tactic, Pure()))


def repeat(tactic: Term, name: str = "repeat") -> Term:
    """``repeat t``: apply ``t`` as long as it succeeds (needs fuel to stop on ``repeat (pure ())``)."""
    return Fix(name, Choice(Policy.COMMIT, (Bind("_", tactic, Rec(name)), Pure())))


def focus(tactic: Term) -> Term:
    return Focus("main", tactic)


def progress(tactic: Term) -> Term:
    return Scoped("progress", tactic)


def not_(tactic: Term) -> Term:
    """Negation as failure: succeeds (changing nothing) exactly when ``tactic`` has no success.
    ``Cut`` drops the ``pure ()`` alternative once ``tactic`` succeeds."""
    return Choice(Policy.BACKTRACK, (seq(tactic, Op("Cut"), Fail(VStr("not: the tactic succeeded"))), Pure()))


IFTE_RESULT = "ifte_r"  # the variable holding the split of the condition


def ifte(cond: Term, var: str, then: Term, else_: Term) -> Term:
    """LogicT ``ifte``: when ``cond`` has a success, ``bind var <- cond ; then`` over *all* its
    successes (a soft cut: ``cond`` keeps its alternatives); otherwise ``else_``.  Built from
    ``split``/``reflect``: the condition runs once, its first success decides the branch."""
    split = VVar(IFTE_RESULT)
    successes = Scoped("reflect", Pure(split))
    return Bind(IFTE_RESULT, Scoped("split", cond), Choice(Policy.BACKTRACK, (
        Bind(var, successes, then),
        Bind("_", not_(successes), else_),
    )))
