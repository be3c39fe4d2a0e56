"""The continuation machine: outcome classes, choice policies, handlers, budgets, deep programs."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tactic_mesh.calculus.machine import Budget, Machine, collect
from tactic_mesh.calculus.outcomes import Failure, Interrupted, OutOfFuel, Panic, Success
from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Fail,
    Fix,
    Focus,
    Foreign,
    Handle,
    Op,
    Policy,
    Pure,
    Rec,
    Scoped,
    Term,
    Value,
    VList,
    VNum,
    VRecord,
    VStr,
    VUnit,
    VVar,
    seq,
)
from tactic_mesh.handlers.protocol import Forward, HandlerResult, Raise, Refine


@attrs.frozen
class Counter:
    """A toy state: a number, and (for focus) a list of goals with the focused prefix length."""

    n: int = 0
    goals: tuple[int, ...] = ()

    def narrow(self, selector: str) -> tuple[Counter, object] | str:
        if selector == "first":
            if not self.goals:
                return "no goals"
            return Counter(self.n, self.goals[:1]), self.goals[1:]
        return f"unknown selector {selector}"

    def widen(self, token: object) -> Counter:
        assert isinstance(token, tuple)
        return Counter(self.n, self.goals + token)


class CounterHandler:
    name = "counter"

    def operation(self, name: str, operands: Sequence[Value], state: Counter) -> HandlerResult[Counter]:
        if name == "Inc":
            return VUnit(), Counter(state.n + 1, state.goals)
        if name == "Get":
            return VNum(state.n), state
        if name == "Set":
            assert isinstance(operands[0], VNum)
            return VUnit(), Counter(operands[0].value, state.goals)
        if name == "Check":  # fails unless the counter equals the operand
            assert isinstance(operands[0], VNum)
            return (VUnit(), state) if state.n == operands[0].value else Raise(VStr(f"counter is {state.n}"))
        if name == "Goals":
            return VNum(len(state.goals)), state
        return Forward()

    def foreign(self, symbol: str, payload: Value, state: Counter) -> HandlerResult[Counter]:
        if symbol == "double":
            return VUnit(), Counter(state.n * 2, state.goals)
        return Forward()


class LoggingHandler:
    """Handles only `Log`; everything else is forwarded outward."""

    name = "log"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def operation(self, name: str, operands: Sequence[Value], state: Counter) -> HandlerResult[Counter]:
        if name == "Log":
            self.seen.append(str(operands))
            return VUnit(), state
        return Forward()

    def foreign(self, symbol: str, payload: Value, state: Counter) -> HandlerResult[Counter]:
        return Forward()


def machine(**budget: float) -> Machine[Counter]:
    return Machine(
        {"counter": CounterHandler(), "log": LoggingHandler()},
        scorers={"prefer_last": lambda t, s: float(isinstance(t, Pure) and t.value == VNum(3))},
        budget=Budget(**budget),  # type: ignore[arg-type]
    )


def values(term: Term, state: Counter = Counter(), **budget: float) -> tuple[list[object], object]:
    successes, stop = collect(machine(**budget).run(term, state, ["counter"]))
    return [s.value for s in successes], stop


def test_pure_and_bind() -> None:
    prog = Bind("x", Op("Get"), seq(Op("Inc"), Op("Inc"), Bind("y", Op("Get"), Pure(VVar("x")))))
    result = machine().first(prog, Counter(5), ["counter"])
    assert isinstance(result, Success) and result.value == VNum(5) and result.state.n == 7


def test_outcome_classes_are_distinct() -> None:
    assert values(Fail(VStr("no")))[1] == Failure(VStr("no"))
    assert isinstance(values(Op("Nope"))[1], Panic)  # unhandled operation: not catchable
    assert isinstance(values(Pure(VVar("ghost")))[1], Panic)
    assert isinstance(values(Rec("f"))[1], Panic)
    loop = Fix("f", Bind("_", Op("Inc"), Rec("f")))
    assert isinstance(values(loop, fuel=1000)[1], OutOfFuel)
    assert isinstance(values(loop, seconds=0.05)[1], Interrupted)


def test_panic_is_not_caught_by_choice() -> None:
    prog = Choice(Policy.BACKTRACK, (Op("Nope"), Pure(VNum(1))))
    assert isinstance(values(prog)[1], Panic)
    caught = Choice(Policy.BACKTRACK, (Fail(), Pure(VNum(1))))
    assert values(caught)[0] == [VNum(1)]


def branches(*ns: int) -> tuple[Term, ...]:
    return tuple(Pure(VNum(n)) for n in ns)


def test_backtrack_enumerates_all_successes_in_order() -> None:
    inner = Choice(Policy.BACKTRACK, branches(1, 2))
    prog = Choice(Policy.BACKTRACK, (inner, Fail(), Pure(VNum(3))))
    assert values(prog)[0] == [VNum(1), VNum(2), VNum(3)]


def test_backtracking_restores_the_state_exactly() -> None:
    # the first branch changes the state and then fails: the second sees the original state
    prog = Choice(Policy.BACKTRACK, (seq(Op("Inc"), Op("Inc"), Fail()), Op("Get")))
    assert values(prog, Counter(10))[0] == [VNum(10)]


def test_commit_keeps_only_the_first_success() -> None:
    prog = Choice(Policy.COMMIT, (Choice(Policy.BACKTRACK, branches(1, 2)), Pure(VNum(3))))
    assert values(prog)[0] == [VNum(1)]
    # committing means a failing continuation does not come back into the choice
    k = Bind("v", prog, Bind("_", Op("Set", (VVar("v"),)), Op("Check", (VNum(2),))))
    vals, stop = values(k)
    assert vals == [] and stop == Failure(VStr("counter is 1"))
    # …whereas with backtracking it does
    b = Bind("v", Choice(Policy.BACKTRACK, (Choice(Policy.BACKTRACK, branches(1, 2)), Pure(VNum(3)))),
             Bind("_", Op("Set", (VVar("v"),)), Op("Check", (VNum(2),))))
    assert values(b)[0] == [VUnit()]


def test_fair_interleaves_successes() -> None:
    left = Choice(Policy.BACKTRACK, branches(1, 2, 3))
    right = Choice(Policy.BACKTRACK, branches(10, 20))
    prog = Choice(Policy.FAIR, (left, right))
    assert values(prog)[0] == [VNum(1), VNum(10), VNum(2), VNum(20), VNum(3)]
    # an infinite branch does not starve the other one
    ones = Fix("f", Choice(Policy.BACKTRACK, (Pure(VNum(1)), Rec("f"))))
    fair = Choice(Policy.FAIR, (ones, Pure(VNum(7))))
    successes, _ = collect(machine(fuel=10_000).run(fair, Counter(), ["counter"]), limit=4)
    assert [s.value for s in successes] == [VNum(1), VNum(7), VNum(1), VNum(1)]
    # and the continuation is applied to every merged success
    k = Bind("v", prog, Bind("_", Op("Set", (VVar("v"),)), Op("Get")))
    assert values(k)[0] == [VNum(1), VNum(10), VNum(2), VNum(20), VNum(3)]


def test_scored_orders_branches_best_first() -> None:
    prog = Choice(Policy.SCORED, branches(1, 2, 3), scorer="prefer_last")
    assert values(prog)[0] == [VNum(3), VNum(1), VNum(2)]
    assert isinstance(values(Choice(Policy.SCORED, branches(1), scorer="nope"))[1], Panic)


def test_handlers_compose_and_forward() -> None:
    m = machine()
    prog = Handle("log", seq(Op("Log", (VNum(1),)), Op("Inc"), Op("Get")))
    result = m.first(prog, Counter(), ["counter"])
    assert isinstance(result, Success) and result.value == VNum(1)
    log = m.registry["log"]
    assert isinstance(log, LoggingHandler) and log.seen == ["[VNum(value=1)]"]
    # outside the `handle`, Log is unhandled
    assert isinstance(m.first(Op("Log"), Counter(), ["counter"]), Panic)
    # foreign computations go to handlers too
    assert machine().first(seq(Op("Inc"), Foreign("double", VUnit()), Op("Get")), Counter(2), ["counter"]) \
        == Success(VNum(6), Counter(6))


def test_fix_unfolds_under_fuel() -> None:
    # repeat Inc until Check 5 succeeds (committed choice: Check, else Inc and loop)
    loop = Fix("f", Choice(Policy.COMMIT, (Op("Check", (VNum(5),)), seq(Op("Inc"), Rec("f")))))
    result = machine().first(loop, Counter(0), ["counter"])
    assert isinstance(result, Success) and result.state.n == 5


def test_scoped_fuel_is_a_catchable_failure() -> None:
    loop = Fix("f", seq(Op("Inc"), Rec("f")))
    prog = Choice(Policy.BACKTRACK, (Scoped("fuel 50", loop), Op("Get")))
    vals, _ = values(prog, Counter(0))
    assert vals == [VNum(0)]
    assert isinstance(values(Scoped("bogus", Pure()))[1], Panic)


def test_focus_narrows_and_restores_the_goals() -> None:
    prog = seq(Focus("first", Op("Goals")), Op("Goals"))
    result = machine().first(Bind("inner", Focus("first", Op("Goals")), Pure(VVar("inner"))),
                             Counter(0, (1, 2, 3)), ["counter"])
    assert result == Success(VNum(1), Counter(0, (1, 2, 3)))
    assert machine().first(prog, Counter(0, (1, 2, 3)), ["counter"]) == Success(VNum(3), Counter(0, (1, 2, 3)))
    assert values(Focus("first", Pure()), Counter(0, ()))[1] == Failure(VStr("no goals"))


def test_a_program_of_100000_steps_runs_without_recursion() -> None:
    prog: Term = Op("Get")
    for _ in range(100_000):
        prog = Bind("_", Op("Inc"), prog)
    result = machine().first(prog, Counter(0), ["counter"])
    assert result == Success(VNum(100_000), Counter(100_000))
    deep_choice: Term = Pure(VNum(0))
    for _ in range(20_000):
        deep_choice = Choice(Policy.BACKTRACK, (Fail(), deep_choice))
    assert values(deep_choice)[0] == [VNum(0)]


def test_cut_drops_the_alternatives_of_the_innermost_choice() -> None:
    # (1 ; cut) + 2 + 3  →  only 1: cut removes the later branches of its own choice
    prog = Choice(Policy.BACKTRACK, (Bind("_", Op("Cut"), Pure(VNum(1))), Pure(VNum(2)), Pure(VNum(3))))
    assert values(prog)[0] == [VNum(1)]
    # an outer choice is not affected by a cut inside an inner one
    outer = Choice(Policy.BACKTRACK, (prog, Pure(VNum(4))))
    assert values(outer)[0] == [VNum(1), VNum(4)]
    # Backtrack is a catchable failure; ConsumeFuel spends the budget
    assert values(Choice(Policy.BACKTRACK, (Op("Backtrack"), Pure(VNum(5)))))[0] == [VNum(5)]
    assert isinstance(values(Op("ConsumeFuel", (VNum(10_000),)), fuel=100)[1], OutOfFuel)


def test_split_returns_the_first_success_and_a_resumable_rest() -> None:
    three = Choice(Policy.BACKTRACK, branches(1, 2, 3))
    # split yields exactly one result: the first value and the rest
    found, stop = values(Scoped("split", three))
    assert len(found) == 1 and isinstance(stop, Failure)
    record = found[0]
    assert isinstance(record, VRecord) and record.get("value") == VNum(1)
    # reflect (split t) ≅ t: every success again, in order
    assert values(Scoped("reflect", Scoped("split", three)))[0] == [VNum(1), VNum(2), VNum(3)]
    # the rest can be resumed more than once (it is persistent machine data)
    twice = Bind("r", Scoped("split", three), seq(
        Choice(Policy.BACKTRACK, (Scoped("reflect", Pure(VVar("r"))), Scoped("reflect", Pure(VVar("r")))))
    ))
    assert values(twice)[0] == [VNum(1), VNum(2), VNum(3)] * 2


def test_split_of_a_failure_is_none_and_keeps_the_state() -> None:
    found, _ = values(seq(Op("Inc"), Scoped("split", seq(Op("Inc"), Fail())), Op("Get")))
    assert found == [VNum(1)]
    assert values(Scoped("split", Fail()))[0] == [VList(())]
    assert values(Scoped("reflect", Scoped("split", Fail())))[0] == []
    # a single success: nothing is left to resume
    assert values(Scoped("reflect", Scoped("split", Pure(VNum(7)))))[0] == [VNum(7)]


def test_split_keeps_the_state_of_the_first_success() -> None:
    prog = Bind("r", Scoped("split", Choice(Policy.BACKTRACK, (seq(Op("Inc"), Op("Get")), Op("Get")))), Op("Get"))
    assert values(prog)[0] == [VNum(1)]
    # the rest resumes from its own saved state, not the current one
    rest = Bind("r", Scoped("split", Choice(Policy.BACKTRACK, (seq(Op("Inc"), Op("Get")), Op("Get")))),
                Scoped("reflect", Pure(VVar("r"))))
    assert values(rest, Counter(10))[0] == [VNum(11), VNum(10)]


def test_split_propagates_stops_that_are_not_failures() -> None:
    assert isinstance(values(Scoped("split", Op("Nope")))[1], Panic)
    assert isinstance(values(Scoped("reflect", Pure(VNum(1))))[1], Panic)


def test_once_is_a_committed_choice() -> None:
    once = Choice(Policy.COMMIT, (Choice(Policy.BACKTRACK, branches(1, 2)),))
    assert values(once)[0] == [VNum(1)]


class RefiningHandler:
    """``foreign "twice" n``: refined into the core program ``Inc`` n times (known refinement)."""

    name = "refining"

    def operation(self, name: str, operands: Sequence[Value], state: Counter) -> HandlerResult[Counter]:
        return Forward()

    def foreign(self, symbol: str, payload: Value, state: Counter) -> HandlerResult[Counter]:
        if symbol == "incs" and isinstance(payload, VNum):
            return Refine(seq(*(Op("Inc") for _ in range(payload.value)), Op("Get")))
        return Forward()


def test_a_foreign_node_with_a_known_refinement_runs_its_core_program() -> None:
    m = Machine({"counter": CounterHandler(), "refining": RefiningHandler()})
    prog = Choice(Policy.BACKTRACK, (seq(Foreign("incs", VNum(3)), Fail()), Foreign("incs", VNum(2))))
    successes, stop = collect(m.run(prog, Counter(), ["counter", "refining"]))
    # the first refinement's effects are undone by backtracking, as for any core program
    assert [s.value for s in successes] == [VNum(2)] and isinstance(stop, Failure)
