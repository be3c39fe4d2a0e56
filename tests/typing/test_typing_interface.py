"""Interfaces as a lattice (join, widening), goal selection and conformance of real states."""

from __future__ import annotations

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.kernel.elab import elaborate_closed
from tactic_mesh.kernel.expr import Const
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.typing import Arity, Interface, Shape, Slot, conforms, interface_of_state, join
from tactic_mesh.typing.interface import first_picks, nth_picks, tag_picks, widen

ENV = prelude()


def test_join_is_positional_when_the_lengths_agree() -> None:
    a = Interface((Slot("x", shape=Shape("And", "And", True)), Slot("y", tag="t")))
    b = Interface((Slot("z", shape=Shape("Or", "Or", True)), Slot("y", tag="t")))
    joined = join(a, b)
    assert joined is not None and joined.bounds() == (2, 2)
    first, second = joined.slots()
    assert first.shape == Shape(prop=True) and second.tag == "t"
    assert join(None, a) == a and join(a, None) == a


def test_join_collapses_what_differs_into_an_arity_variable() -> None:
    a = Interface((Slot("x", hyps=frozenset({"h"})), Slot("y")))
    b = Interface((Slot("y"),))
    joined = join(a, b)
    assert joined is not None and joined.bounds() == (1, 2)
    assert isinstance(joined.items[0], Arity) and joined.items[-1] == Slot("y")


def test_widening_makes_growing_interfaces_unbounded() -> None:
    old = Interface.goals(1)
    new = Interface.goals(2)
    widened = widen(old, join(old, new) or old)
    assert widened.bounds() == (1, None)
    assert widen(old, old) == old


def test_goal_selection() -> None:
    items = (Slot("a", optional=True), Slot("b", tag="succ"), Arity("α", 1, 3, frozenset({"zero"})))
    assert [p.chosen.name for p in first_picks(items)] == ["a", "b"]
    assert [p.chosen.name for p in nth_picks((Slot("a"), Slot("b")), 2)] == ["b"]
    assert nth_picks((Slot("a"),), 2) == []
    assert [(p.chosen.name, p.chosen.tag) for p in tag_picks(items, "zero")] == [("a", "zero"), ("α#0", "zero")]
    assert [p.chosen.name for p in tag_picks(items, "succ")] == ["a", "b"]  # `a` has an unknown tag


def test_states_conform_to_their_own_interface_and_not_to_others() -> None:
    e, _ = elaborate_closed(ENV, parse_term("∀ n : Nat, n = n"))
    state = ProofState.initial(ENV, e)
    iface = interface_of_state(state)
    assert conforms(state, iface) is None
    assert conforms(state, Interface.goals(2)) is not None
    assert conforms(state, Interface((Slot("g", shape=Shape("Eq")),))) is not None  # the head is Π
    assert conforms(state, Interface((Arity("α", 0, None),))) is None
    wrong_target = Interface((Slot("g", target=Const("False"), lctx=state.goals()[0].local_context),))
    assert conforms(state, wrong_target) is not None  # targets are compared up to definitional equality
    assert conforms(state, wrong_target, deep=False) is None
