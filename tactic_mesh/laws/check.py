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

from tactic_mesh.calculus.observe import Observation
from tactic_mesh.calculus.tactic_block import goals_text as block_goals_text
from tactic_mesh.codecs.dsl import print_program
from tactic_mesh.laws.catalogue import LAWS, Ingredients, Law
from tactic_mesh.laws.generate import LawState, ingredients, library_states
from tactic_mesh.laws.run import observations_agree, run_side


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
            value = getattr(ing, name)
            shown = print_program(value) if name in ("t", "u", "v", "k", "h") else repr(value)
            lines.append(f"  {name} = " + shown.replace("\n", "\n      "))
        for side, program, obs in (("lhs", law.lhs(ing), self.lhs), ("rhs", law.rhs(ing), self.rhs)):
            lines.append(f"  {side} = " + print_program(program).replace("\n", "\n        "))
            lines.append(f"    → {describe(obs)}")
        return "\n".join(lines)


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

    def row(self) -> str:
        verdict = "held" if self.counterexample is None else "REFUTED"
        claim = "claimed" if self.law.claimed else "unclaimed"
        return (f"{self.law.name:<22} {claim:<9} {self.law.side_condition_text:<38} tried {self.tried:>4}  "
                f"side {self.side_held:>4}  held {self.held:>4}  {verdict:<7} {'ok' if self.ok else 'FAIL'} "
                f"({self.seconds:.1f} s)")


def goals_text(state: LawState) -> str:
    return block_goals_text(state.state, "")


def describe(obs: Observation) -> str:
    if obs.outcome != "success":
        return obs.outcome
    goals = [len(s.active_obligations) for s in obs.successes]
    return f"{len(obs.successes)} success(es), goals left per success {goals}"


def check_law(
    law: Law,
    examples: int = 50,
    states: Sequence[LawState] | None = None,
    max_leaves: int = 4,
    fuel: int | None = None,
    seed_shrink: bool = True,
) -> LawReport:
    """Run ``examples`` instances of ``law`` (derandomized) where its side condition holds, and
    look for a counterexample (``fuel``: machine steps per side, default the law's)."""
    pool = tuple(states) if states is not None else library_states()
    counts = {"tried": 0, "side": 0, "held": 0}
    outcomes: dict[str, int] = {}
    searching = [True]  # counts stop at the first counterexample (shrinking re-runs instances)
    started = time.monotonic()
    fuel = law.fuel if fuel is None else fuel

    def run(ing: Ingredients) -> tuple[bool, Observation, Observation] | None:
        state = pool[ing.state_index % len(pool)].state
        if not law.side_condition(ing, state, fuel):
            return None
        lhs = run_side(law.lhs(ing), state, fuel=fuel)
        rhs = run_side(law.rhs(ing), state, fuel=fuel)
        return observations_agree(lhs, rhs), lhs, rhs

    def is_counterexample(ing: Ingredients) -> bool:
        result = run(ing)
        if searching[0]:
            counts["tried"] += 1
            if result is not None:
                counts["side"] += 1
                counts["held"] += result[0]
                outcome = result[1].outcome
                if outcome == "success":
                    outcome = f"success×{len(result[1].successes)}"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        assume(result is not None)  # instances where the side condition fails do not count
        assert result is not None
        bad = not result[0]
        if bad:
            searching[0] = False
        return bad

    phases = [Phase.generate, Phase.shrink] if seed_shrink else [Phase.generate]
    config = settings(
        max_examples=examples,
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
            found = find(ingredients(len(pool), max_leaves), is_counterexample, settings=config)
    except NoSuchExample:
        found = None
    if found is not None:
        result = run(found)
        assert result is not None
        _, lhs, rhs = result
        counterexample = Counterexample(law, found, pool[found.state_index % len(pool)], lhs, rhs)
    return LawReport(law, counts["tried"], counts["side"], counts["held"], counterexample,
                     time.monotonic() - started, tuple(sorted(outcomes.items())))


def check_catalogue(examples: int = 50, laws: Sequence[Law] = LAWS) -> list[LawReport]:
    return [check_law(law, examples) for law in laws]
