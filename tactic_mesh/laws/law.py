"""A law: ``lhs ≅ rhs`` between two program schemas, with its side condition, policy and anchor.

* ``precondition``: what makes an instance well-formed (a state with two goals, two distinct goal
  positions); it is never dropped.
* ``side_condition``: the law's side condition (DESIGN §6), an executable predicate over the
  ingredients, the state and the fuel each side runs with.  For a claimed law with a side
  condition, the catalogue also holds the variant *without* it (``unconditional``), which the
  checker must refute — unless ``refuted_by`` names the unclaimed law that shows the side
  condition is needed (the policy of a choice law, explicit fuel for fixpoints).
* ``projection``: when set, the sides are compared through it instead of observationally: every
  success of either side must have the same projection (a frame law: "the goals outside the
  focus are unchanged").
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.terms import Policy
from tactic_mesh.laws.run import LAW_FUEL
from tactic_mesh.laws.schema import Ingredients, Schema

SideCondition = Callable[[Ingredients, ProofState, int], bool]
"""A predicate over the (resolved) ingredients, the state, and the fuel each side is run with."""
Projection = Callable[[Ingredients, ProofState, ProofState], Hashable]
"""What is compared of a success: a function of the ingredients, the input and the output state."""


def always(_ing: Ingredients, _state: ProofState, _fuel: int) -> bool:
    return True


@attrs.frozen
class Law:
    name: str
    statement: str  # the law as people write it
    lhs: Schema
    rhs: Schema
    policy: Policy | None  # the choice policy the law is stated for (None: no choice involved)
    anchor: str  # where the law comes from
    claimed: bool = True  # False: a variant expected to fail (the checker looks for a counterexample)
    side_condition: SideCondition = always
    side_condition_text: str = "—"
    precondition: SideCondition = always
    uses: tuple[str, ...] = ("t",)  # the ingredients the schemas read (shown with a counterexample)
    fuel: int = LAW_FUEL  # machine steps each side may take
    projection: Projection | None = None
    projection_text: str = ""
    projection_show: Callable[[Ingredients, ProofState, ProofState], list[str]] | None = None
    refuted_by: str = ""  # the unclaimed law showing the side condition is needed (else: `unconditional`)

    @property
    def conditional(self) -> bool:
        return self.side_condition is not always

    def applies(self, ing: Ingredients, state: ProofState, fuel: int) -> bool:
        return self.precondition(ing, state, fuel) and self.side_condition(ing, state, fuel)

    def unconditional(self) -> Law:
        """The variant without the side condition (not claimed: the checker must refute it)."""
        return attrs.evolve(
            self,
            name=f"{self.name}/unconditional",
            claimed=False,
            side_condition=always,
            side_condition_text=f"dropped: {self.side_condition_text}",
            anchor=f"{self.name} without its side condition",
        )
