"""Observational equality of tactic programs (DESIGN §4), relative to a handler and a state.

``t ≅ u`` when, run on the same state, they have the same outcome class and, success by success
(up to a bound): the same number of remaining goals with the same targets up to a renaming of
fresh metavariables, and definitionally equal parent witnesses once the same child witnesses are
supplied for the open goals (decided by the kernel's conversion check — so, by proof
irrelevance, any two witnesses of the same proposition are equal; witnesses of data differ).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from tactic_mesh.calculus.machine import Budget, Machine, Scorer, collect
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Term
from tactic_mesh.handlers.protocol import Handler
from tactic_mesh.kernel.expr import Const, Expr, FVar, MVar, mk_app, replace
from tactic_mesh.kernel.typechecker import TypeChecker
from tactic_mesh.kernel.unify import MetaChecker

CANONICAL_BASE = 10**15  # canonical metavariable numbers, far above any fresh id


@attrs.frozen
class Observation:
    outcome: str  # success | failure | panic | out_of_fuel | interrupted | replay_incompatible
    successes: tuple[ProofState, ...]


def observe(
    term: Term,
    state: ProofState,
    handlers: Mapping[str, Handler[ProofState]],
    fuel: int = 100_000,
    limit: int = 8,
    scorers: Mapping[str, Scorer] | None = None,
    installed: Sequence[str] | None = None,
) -> Observation:
    """Run ``term`` on ``state`` with the handlers ``installed`` (default: all registered ones,
    outermost last; the others are available to ``handle``)."""
    machine: Machine[ProofState] = Machine(handlers, scorers, budget=Budget(fuel=fuel))
    base = list(handlers) if installed is None else list(installed)
    successes, stop = collect(machine.run(term, state, base), limit)
    outcome = "success" if successes else _outcome_name(stop)
    return Observation(outcome, tuple(s.state for s in successes))


def _outcome_name(stop: object) -> str:
    return {
        "Failure": "failure",
        "Panic": "panic",
        "OutOfFuel": "out_of_fuel",
        "Interrupted": "interrupted",
        "ReplayIncompatible": "replay_incompatible",
    }.get(type(stop).__name__, "failure")


def _canonical_goals(state: ProofState) -> tuple[tuple[Expr, ...], ...]:
    """Each goal as (hypothesis types…, target), with free variables and metavariables renumbered
    by first occurrence: fresh names chosen by a run do not matter."""
    numbering: dict[Expr, Expr] = {}

    def canonical(e: Expr) -> Expr:
        def fn(sub: Expr, off: int) -> Expr | None:
            if isinstance(sub, (MVar, FVar)):
                if sub not in numbering:
                    numbering[sub] = type(sub)(CANONICAL_BASE + len(numbering))
                return numbering[sub]
            return None if (sub.has_mvar or sub.has_fvar) else sub

        return replace(state.metavar_graph.instantiate(e), fn)

    out: list[tuple[Expr, ...]] = []
    for ob in state.goals():
        for d in ob.local_context:
            canonical(d.fvar)
        out.append((*(canonical(d.type) for d in ob.local_context), canonical(ob.target_type)))
    return tuple(out)


def witness_with_placeholders(state: ProofState) -> Expr:
    """The parent witness once each open goal is given a witness: the i-th goal gets the same
    opaque placeholder (``sorryAx`` of its target) in every run compared."""
    mctx = state.metavar_graph
    for g in state.active_obligations:
        decl = mctx.decl(g)
        checker = MetaChecker(state.environment, mctx, decl.lctx)
        target = mctx.instantiate(decl.type)
        sort = checker.ensure_sort(checker.infer(target))
        mctx = checker.mctx.assign(MVar(g), mk_app(Const("sorryAx", (sort.level,)), target))
    return mctx.instantiate(state.partial_term)


def same_state(a: ProofState, b: ProofState) -> bool:
    """Same goals (up to renaming of fresh ids) and the same parent witness once the same child
    witnesses are supplied (kernel conversion)."""
    if len(a.active_obligations) != len(b.active_obligations):
        return False
    if _canonical_goals(a) != _canonical_goals(b):
        return False
    if a.environment.find("sorryAx") is None:  # no placeholder to supply: compare complete proofs only
        if not (a.is_complete and b.is_complete):
            return True
        wa, wb = a.proof_term(), b.proof_term()
    else:
        wa, wb = witness_with_placeholders(a), witness_with_placeholders(b)
    if wa.has_mvar or wb.has_mvar:  # holes that are not goals: compare their shapes only
        return _canonical_goals(a) == _canonical_goals(b)
    checker = TypeChecker(a.environment, level_params=a.level_params)
    return checker.is_def_eq(wa, wb)


def obs_equal(
    t: Term, u: Term, state: ProofState, handlers: Mapping[str, Handler[ProofState]], limit: int = 8
) -> bool:
    """``t ≅ u`` on ``state`` (the first ``limit`` successes are compared pairwise)."""
    ot, ou = observe(t, state, handlers, limit=limit), observe(u, state, handlers, limit=limit)
    if ot.outcome != ou.outcome or len(ot.successes) != len(ou.successes):
        return False
    return all(same_state(a, b) for a, b in zip(ot.successes, ou.successes, strict=True))
