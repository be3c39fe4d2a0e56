"""Generators of law instances: real proof states from the theorem library, and well-scoped
programs over the derived vocabulary (``by``-block tactics compiled by the tactic handler, the
tactics of ``calculus.tactics``) and the core (``pure``, ``fail``, ``bind``, ``choice`` under
every policy, ``once``, ``focus``).

Strategies are built so that hypothesis shrinks towards the first atom of each list (``pure ()``,
the first state): a minimal counterexample reads well.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import attrs
from hypothesis import strategies as st

from tactic_mesh.calculus.combinators import MAIN, exact, intro, refine, try_
from tactic_mesh.calculus.machine import Budget
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import split_block, split_tactics
from tactic_mesh.calculus.tactics import HANDLERS, defer, defer_seq
from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Fail,
    Focus,
    Op,
    Policy,
    Pure,
    Term,
    Value,
    VStr,
    VSurface,
    VUnit,
    VVar,
    seq,
)
from tactic_mesh.handlers.blocks import prove_by_block, tactic_machine
from tactic_mesh.handlers.typecheck import initial_state
from tactic_mesh.kernel.commands import FileChecker
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import Const, Expr, get_app_fn
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.laws.run import HANDLER_NAMES
from tactic_mesh.laws.schema import H_VAR, K_VAR, Ingredients

PROOFS = Path(__file__).resolve().parents[1] / "proofs"

# ---------------------------------------------------------------------------------------------
# proof states
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class LawState:
    """A real proof state, with where it comes from (for printing counterexamples)."""

    name: str
    state: ProofState


COUPLING_SCRIPT = "constructor\n  · exact"  # a witness then its property: coupled goals, always included


@lru_cache(maxsize=4)
def library_states(every: int = 6, prefixes: tuple[int, ...] = (0, 1, 2)) -> tuple[LawState, ...]:
    """States of the theorems of ``tactics.tm`` (checked after ``basics.tm``): for every
    ``every``-th theorem, and every theorem whose script opens with ``constructor`` on an
    existential (coupled goals), its initial state and the states after the first ``k`` tactics of
    its script for ``k`` in ``prefixes``; and, for each state with coupled goals, the states where
    ``constructor`` split one of its conjunctions (``?n < 5``, ``?n = 3`` as two goals)."""
    blocks: list[tuple[Environment, Expr, tuple[str, ...], tuple[str, ...], str, int, int]] = []
    tactics_file = str(PROOFS / "tactics.tm")

    def runner(env: Environment, statement: Expr, levels: tuple[str, ...], binders: list[str], text: str,
               line: int, col: int, filename: str) -> Expr:
        if filename == tactics_file:
            blocks.append((env, statement, levels, tuple(binders), text, line, col))
        return prove_by_block(env, statement, levels, binders, text, line, col, filename)

    checker = FileChecker(prelude(), tactic_runner=runner)
    for name in ("basics.tm", "tactics.tm"):
        path = PROOFS / name
        run_deep(checker.check_text, path.read_text(encoding="utf-8"), str(path))
    out: list[LawState] = []
    for i, (env, statement, levels, binders, text, line, col) in enumerate(blocks):
        if i % every and not text.removeprefix("by").lstrip().startswith(COUPLING_SCRIPT):
            continue
        start = initial_state(env, statement, levels, binders)
        calls = split_block(text, line, col)
        for k in prefixes:
            if k > len(calls):
                break
            if k == 0:
                out.append(LawState(f"tactics.tm:{line}", start))
                continue
            result = tactic_machine(Budget(fuel=50_000)).first(defer_seq(calls[:k]), start, HANDLERS)
            if isinstance(result, Success) and result.state.active_obligations:
                out.append(LawState(f"tactics.tm:{line}+{k}", result.state))
                out += _split_conjunctions(out[-1])
    return tuple(out)


def _split_conjunctions(state: LawState) -> list[LawState]:
    """For a state with coupled goals: the states after ``focus k constructor`` on each goal ``k``
    whose target is a conjunction."""
    s = state.state
    if not s.metavar_graph.shared_mvars(s.focus_goals()):
        return []
    out: list[LawState] = []
    for k, goal in enumerate(s.focus_goals(), start=1):
        target = s.metavar_graph.instantiate(s.metavar_graph.decl(goal).type)
        head = get_app_fn(target)
        if not (isinstance(head, Const) and head.name == "And"):
            continue
        result = tactic_machine(Budget(fuel=50_000)).first(Focus(str(k), tactic("constructor")), s, HANDLERS)
        if isinstance(result, Success):
            out.append(LawState(f"{state.name} ▸ focus {k} constructor", result.state))
    return out


# ---------------------------------------------------------------------------------------------
# programs
# ---------------------------------------------------------------------------------------------

SURFACE_TERMS = ("?_", "rfl", "True.intro", "Or.inl ?_", "Or.inr ?_", "⟨?_, ?_⟩", "fun h => ?_")
VALUES: tuple[Value, ...] = (VUnit(), *(VSurface(s) for s in SURFACE_TERMS))

BLOCK_TACTICS = ("intro", "intros", "constructor", "assumption", "rfl", "left", "right", "exfalso", "done", "simp")


def tactic(text: str) -> Term:
    """A ``by``-block tactic, compiled by the tactic handler on the state it meets."""
    (call,) = split_tactics(text, 1, 1)
    return defer(call)


ANY_STEP = "first | intro | constructor | assumption | rfl | simp | left"  # applies on most goals

ATOMS: tuple[Term, ...] = (
    Pure(),
    Fail(VStr("gen: fail")),
    tactic(ANY_STEP),
    *(tactic(t) for t in BLOCK_TACTICS),
    intro("h"),
    exact("rfl"),
    exact("True.intro"),
    refine("Or.inl ?_"),
    refine("Or.inr ?_"),
    refine("⟨?_, ?_⟩"),
)


def atoms() -> st.SearchStrategy[Term]:
    """Mostly tactics (they make the runs go somewhere); sometimes ``pure`` of a value."""
    tactics = st.sampled_from(ATOMS)
    return st.one_of(tactics, tactics, tactics, st.sampled_from(VALUES).map(Pure))


def _extend(inner: st.SearchStrategy[Term]) -> st.SearchStrategy[Term]:
    two = st.tuples(inner, inner)
    sequence = two.map(lambda p: seq(p[0], p[1]))
    return st.one_of(
        sequence,
        sequence,
        two.map(lambda p: Choice(Policy.BACKTRACK, p)),
        two.map(lambda p: Choice(Policy.COMMIT, p)),
        two.map(lambda p: Choice(Policy.FAIR, p)),
        inner.map(try_),
        inner.map(lambda t: Choice(Policy.COMMIT, (t,))),
        inner.map(lambda t: Focus("main", t)),
    )


def programs(max_leaves: int = 4) -> st.SearchStrategy[Term]:
    """Closed programs (no free value variables)."""
    return st.recursive(atoms(), _extend, max_leaves=max_leaves)


def refine_with(var: str) -> Term:
    """``refine`` with the surface term bound to ``var`` (the continuation uses its argument)."""
    return Bind("term", Op("Elaborate", (VVar(var), MAIN)), Op("AssignMetavar", (MAIN, VVar("term"))))


def continuations(var: str, max_leaves: int = 3) -> st.SearchStrategy[Term]:
    """Programs that may use the value bound to ``var``."""
    p = programs(max_leaves)
    uses = st.just(refine_with(var))
    return st.one_of(
        p,
        uses,
        st.tuples(p, uses).map(lambda q: seq(q[0], q[1])),
        st.tuples(uses, p).map(lambda q: Choice(Policy.COMMIT, q)),
        st.tuples(uses, p).map(lambda q: Choice(Policy.BACKTRACK, q)),
    )


SELECTORS = ("main", "last", "all", "1", "2", "3", "zero", "succ", "inl", "inr", "left", "right")


def coupled(states: tuple[LawState, ...]) -> tuple[int, ...]:
    """The indices of the states with coupled goals (a metavariable shared by two goals)."""
    return tuple(k for k, s in enumerate(states)
                 if s.state.metavar_graph.shared_mvars(s.state.focus_goals()))


def ingredients(n_states: int, max_leaves: int = 4, featured: tuple[int, ...] = ()) -> st.SearchStrategy[Ingredients]:
    """Instances over ``n_states`` states; the ``featured`` ones (the coupled states) are drawn
    as often as all the others together, so that laws about coupling meet them."""
    state_index = st.integers(0, n_states - 1)
    if featured:
        state_index = st.one_of(state_index, st.sampled_from(featured))
    return st.builds(
        Ingredients,
        t=programs(max_leaves),
        u=programs(max_leaves),
        v=programs(max_leaves),
        k=continuations(K_VAR),
        h=st.one_of(continuations(H_VAR), continuations(K_VAR)),  # h may mention x (bind-assoc)
        a=st.sampled_from(VALUES),
        state_index=state_index,
        i=st.integers(0, 3),
        j=st.integers(0, 3),
        sel=st.sampled_from(SELECTORS),
        h1=st.sampled_from(HANDLER_NAMES),
        h2=st.sampled_from(HANDLER_NAMES),
        n=st.integers(0, 16),
    )
