"""Checking the catalogue: both sides of a law, run on real proof states under the kernel handler
with a fuel budget, compared observationally (``calculus.observe``).

``check_law(law, examples=N)`` draws ``N`` instances with hypothesis (derandomized: the same
instances on every run) and counts instances *tried*, those where the *side condition held*, and
those where the law *held*.  A counterexample (an instance where the side condition holds and the
sides differ) is shrunk by hypothesis to a minimal one.  For a claimed law there should be none;
for an unclaimed variant the checker reports the minimal counterexample it found.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence

import attrs
from hypothesis import HealthCheck, Phase, assume, find, settings
from hypothesis.errors import HypothesisWarning, NoSuchExample

from tactic_mesh.calculus.effects import Sort as VSort
from tactic_mesh.calculus.goals import show_in_goal
from tactic_mesh.calculus.observe import Observation
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import goals_text as block_goals_text
from tactic_mesh.calculus.terms import Term
from tactic_mesh.codecs.dsl import print_program
from tactic_mesh.laws.catalogue import LAWS
from tactic_mesh.laws.generate import LawState, coupled, ingredients, library_states
from tactic_mesh.laws.law import Law
from tactic_mesh.laws.run import HANDLER_NAMES, LAW_SCORERS, observations_agree, run_side
from tactic_mesh.laws.schema import H_VAR, K_VAR, Ingredients
from tactic_mesh.typing.api import check
from tactic_mesh.typing.errors import TypingError
from tactic_mesh.typing.judgment import Delta


@attrs.frozen
class Counterexample:
    law: Law
    ingredients: Ingredients
    state: LawState
    lhs: Observation
    rhs: Observation

    def text(self) -> str:
        law, ing = self.law, self.ingredients
        lines = [f"counterexample to {law.name}: {law.statement}", f"  state {self.state.name}:"]
        lines += ["    " + line for line in goals_text(self.state).splitlines()]
        for name in law.uses:
            lines.append(f"  {name} = " + _shown(name, ing, self.state.state).replace("\n", "\n      "))
        for side, program, obs in (("lhs", law.lhs(ing), self.lhs), ("rhs", law.rhs(ing), self.rhs)):
            lines.append(f"  {side} = " + print_program(program).replace("\n", "\n        "))
            lines.append(f"    → {describe(obs)}")
            if law.projection_show is not None:
                for k, after in enumerate(obs.successes[:2]):
                    lines.append(f"      success {k + 1}, {law.projection_text}:")
                    lines += ["        " + line for line in law.projection_show(ing, self.state.state, after)]
        return "\n".join(lines)


def _shown(name: str, ing: Ingredients, state: ProofState) -> str:
    value = getattr(ing, name)
    if name in ("t", "u", "v", "k", "h"):
        return print_program(value)
    if name in ("i", "j"):
        goal = ing.positions(state)[0 if name == "i" else 1]
        target = state.metavar_graph.instantiate(state.metavar_graph.decl(goal).type)
        return f"{value} (goal {state.obligation_id(goal)}: {show_in_goal(state, goal, target)})"
    return repr(value)


@attrs.frozen
class LawReport:
    law: Law
    tried: int
    side_held: int
    held: int
    counterexample: Counterexample | None
    seconds: float
    outcomes: tuple[tuple[str, int], ...] = ()  # outcome classes of the left side, over the instances counted

    @property
    def ok(self) -> bool:
        """A claimed law holds on every instance tried; an unclaimed one is refuted."""
        return self.counterexample is None if self.law.claimed else self.counterexample is not None

    def cells(self) -> tuple[str, ...]:
        """The table row: law, claim, side condition, instances tried, where the side condition
        held, held, counterexample, verdict, time."""
        return (
            self.law.name,
            "claimed" if self.law.claimed else "unclaimed",
            self.law.side_condition_text,
            str(self.tried),
            str(self.side_held),
            str(self.held),
            "found" if self.counterexample is not None else "none",
            "ok" if self.ok else "FAIL",
            f"{self.seconds:.1f} s",
        )

    def row(self) -> str:
        return "  ".join(self.cells())


HEADER = ("law", "claim", "side condition", "tried", "side held", "held", "counterexample", "verdict", "time")
NUMERIC = {3, 4, 5, 8}


def table(reports: Sequence[LawReport]) -> str:
    """The reports as an aligned text table (numbers right-aligned)."""
    rows = [HEADER, *(r.cells() for r in reports)]
    widths = [max(len(row[k]) for row in rows) for k in range(len(HEADER))]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(w) if k in NUMERIC and n else c.ljust(w)
                 for k, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def goals_text(state: LawState) -> str:
    return block_goals_text(state.state, "")



def well_typed(law: Law, ing: Ingredients, state: ProofState) -> bool:
    """The ingredient programs the law uses are well-typed on the state (``typing``): ``t u v``
    closed, ``k`` and ``h`` with ``x`` and ``y`` bound to values of unknown sort (which of the two
    a continuation may use is the business of the law's side condition).  Laws are stated over
    well-typed programs; ill-typed instances are not counted."""
    closed, bound = Delta(), Delta.of(**{K_VAR: VSort.ANY, H_VAR: VSort.ANY})
    programs: list[tuple[Term, Delta]] = [(getattr(ing, n), closed) for n in ("t", "u", "v") if n in law.uses]
    programs += [(getattr(ing, n), bound) for n in ("k", "h") if n in law.uses]
    try:
        for program, delta in programs:
            check(program, state, delta, handlers=HANDLER_NAMES, foreign_symbols=("tactic",),
                  scorers=tuple(LAW_SCORERS))
    except TypingError:
        return False
    return True


def agree(law: Law, ing: Ingredients, state: ProofState, lhs: Observation, rhs: Observation) -> bool:
    """Observational equality, or, for a law with a projection, one projection for every success
    of either side."""
    if law.projection is None:
        return observations_agree(lhs, rhs)
    seen = {law.projection(ing, state, after) for after in (*lhs.successes, *rhs.successes)}
    return len(seen) <= 1


def describe(obs: Observation) -> str:
    if obs.outcome != "success":
        return obs.outcome
    goals = [len(s.active_obligations) for s in obs.successes]
    return f"{len(obs.successes)} success(es), goals left per success {goals}"


SEARCH_FACTOR, SEARCH_MIN = 10, 400  # an unclaimed variant: instances tried before giving up


def check_law(
    law: Law,
    examples: int = 50,
    states: Sequence[LawState] | None = None,
    max_leaves: int = 4,
    fuel: int | None = None,
    seed_shrink: bool = True,
) -> LawReport:
    """Run ``examples`` instances of ``law`` (derandomized) where its side condition holds, and
    look for a counterexample (``fuel``: machine steps per side, default the law's).  For an
    unclaimed variant the search stops at the first counterexample, and may try up to
    ``max(SEARCH_FACTOR * examples, SEARCH_MIN)`` instances."""
    pool = tuple(states) if states is not None else library_states()
    counts = {"tried": 0, "side": 0, "held": 0}
    outcomes: dict[str, int] = {}
    searching = [True]  # counts stop at the first counterexample (shrinking re-runs instances)
    started = time.monotonic()
    fuel = law.fuel if fuel is None else fuel

    def run(ing: Ingredients) -> tuple[bool, Observation, Observation] | None:
        state = pool[ing.state_index % len(pool)].state
        ing = ing.at(state)
        if not well_typed(law, ing, state) or not law.applies(ing, state, fuel):
            return None
        lhs = run_side(law.lhs(ing), state, fuel=fuel)
        rhs = run_side(law.rhs(ing), state, fuel=fuel)
        return agree(law, ing, state, lhs, rhs), lhs, rhs

    def is_counterexample(ing: Ingredients) -> bool:
        result = run(ing)
        if searching[0]:
            counts["tried"] += 1
            if result is not None:
                counts["side"] += 1
                counts["held"] += result[0]
                outcome = result[1].outcome
                if outcome == "success":  # how many successes, and whether one of them changed the state
                    state = pool[ing.state_index % len(pool)].state
                    moved = any(s.progressed_from(state) for s in result[1].successes)
                    outcome = f"success×{len(result[1].successes)}{'' if moved else ' (no change)'}"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        assume(result is not None)  # instances where the side condition fails do not count
        assert result is not None
        bad = not result[0]
        if bad:
            searching[0] = False
        return bad

    phases = [Phase.generate, Phase.shrink] if seed_shrink else [Phase.generate]
    config = settings(
        max_examples=examples if law.claimed else max(SEARCH_FACTOR * examples, SEARCH_MIN),
        derandomize=True,
        database=None,
        phases=phases,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    counterexample: Counterexample | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HypothesisWarning)  # reprs of large generated programs
            found = find(ingredients(len(pool), max_leaves, coupled(pool)), is_counterexample, settings=config)
    except NoSuchExample:
        found = None
    if found is not None:
        result = run(found)
        assert result is not None
        _, lhs, rhs = result
        where = pool[found.state_index % len(pool)]
        counterexample = Counterexample(law, found.at(where.state), where, lhs, rhs)
    return LawReport(law, counts["tried"], counts["side"], counts["held"], counterexample,
                     time.monotonic() - started, tuple(sorted(outcomes.items())))


def check_catalogue(examples: int = 50, laws: Sequence[Law] = LAWS) -> list[LawReport]:
    return [check_law(law, examples) for law in laws]
