"""Equational tactics of the library's own, for magma goals (derived vocabulary).

* ``symm`` — ``a = b`` becomes ``b = a``;
* ``congr`` — ``a ◇ b = c ◇ d`` becomes the two goals ``a = c`` and ``b = d``;
* ``eq_search [depth]`` — closes ``s = t`` by a bounded breadth-first rewrite search from both
  sides with the equations among the hypotheses (``h : ∀ x y, l = r``, used in either direction
  at any position; ``symbolic.chains.bidirectional``), then elaborates the chain found as an
  ordinary proof term (``Eq.trans``/``congrArg``/``Eq.symm``) — the kernel checks it like any
  other.  It is the library's counterpart of E prover on such goals: bounded, and it fails
  (catchably) when the bound is reached.

Rewriting with an instance, ``rw [h x y]`` or ``rw [h]`` (the instance found by unification),
is the general ``rw`` tactic.
"""

from __future__ import annotations

from tactic_mesh.calculus.combinators import exact, refine
from tactic_mesh.calculus.magma.chains import Chain, Fact, bidirectional, chain_text
from tactic_mesh.calculus.magma.equations import Term as MagmaTerm
from tactic_mesh.calculus.magma.terms import ordered_variables
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Fail, Term, VStr
from tactic_mesh.kernel.expr import BVar, Expr, FVar, Pi, const_name, get_app_fn_args

DEFAULT_DEPTH = 4
MAX_DEPTH = 8


def symm() -> Term:
    return refine("Eq.symm ?_")


def congr() -> Term:
    return refine("congr (congrArg _ ?_) ?_")


def _magma_term(e: Expr, names: dict[int, str], bound: list[str]) -> MagmaTerm | None:
    fn, args = get_app_fn_args(e)
    if const_name(fn) == "Magma.op" and len(args) == 4:
        left, right = _magma_term(args[2], names, bound), _magma_term(args[3], names, bound)
        return None if left is None or right is None else (left, right)
    if isinstance(e, FVar):
        return names.get(e.id)
    if isinstance(e, BVar) and e.idx < len(bound):
        return bound[len(bound) - 1 - e.idx]
    return None


def equation_of(ty: Expr, names: dict[int, str]) -> tuple[tuple[str, ...], MagmaTerm, MagmaTerm] | None:
    """``∀ xs, l = r`` over a magma as (its variables, l, r), or None."""
    bound: list[str] = []
    while isinstance(ty, Pi):
        bound.append(f"?{len(bound)}")
        ty = ty.body
    fn, args = get_app_fn_args(ty)
    if const_name(fn) != "Eq" or len(args) != 3:
        return None
    lhs, rhs = _magma_term(args[1], names, bound), _magma_term(args[2], names, bound)
    if lhs is None or rhs is None:
        return None
    return tuple(bound), lhs, rhs


def find_chain(lhs: MagmaTerm, rhs: MagmaTerm, facts: list[Fact], depth: int = DEFAULT_DEPTH) -> Chain | None:
    """The search ``eq_search depth`` runs: a chain of at most ``2·depth`` rewrites from ``lhs`` to
    ``rhs`` with ``facts``, or None."""
    return bidirectional(lhs, rhs, facts, depth, max_size=60, max_terms=20_000)


def eq_search(arg: str, state: ProofState) -> Term:
    """The ``eq_search`` tactic on the main goal of ``state``."""
    depth = DEFAULT_DEPTH
    if arg.strip():
        if not arg.strip().isdigit() or not 0 < int(arg) <= MAX_DEPTH:
            return Fail(VStr(f"eq_search: the depth must be a number from 1 to {MAX_DEPTH}, not {arg.strip()!r}"))
        depth = int(arg)
    goals = state.focus_goals()
    if not goals:
        return Fail(VStr("eq_search: no goals"))
    decl = state.metavar_graph.decl(goals[0])
    names = {d.fvar.id: d.user_name for d in decl.lctx}
    goal = equation_of(state.metavar_graph.instantiate(decl.type), names)
    if goal is None or goal[0]:
        return Fail(VStr("eq_search: the goal is not an equation between magma terms"))
    facts = []
    for d in decl.lctx:
        found = equation_of(state.metavar_graph.instantiate(d.type), names)
        if found is not None:
            params, lhs, rhs = found
            facts.append(Fact(d.user_name, lhs, rhs, params))
    if not facts:
        return Fail(VStr("eq_search: no equations among the hypotheses"))
    chain = find_chain(goal[1], goal[2], facts, depth)
    if chain is None:
        return Fail(VStr(f"eq_search: no chain of at most {2 * depth} rewrites found"))
    filler = ordered_variables(goal[1], goal[2])[0]  # an element of the carrier, for unconstrained binders
    return exact(chain_text(chain, filler))


__all__ = ["congr", "eq_search", "equation_of", "find_chain", "symm"]
