"""Type soundness as a property (DESIGN §5): a well-typed program run on a state matching ``I_in`` ends,
on every success, in a state matching ``I_out``, and performs only effects in ``Φ``.

Programs are generated over the core (bind, choice under every policy, fuel/split/reflect scopes,
focus by position/tag/id, handle, fix/rec, inspection, construction, elaboration, checkpoints,
provenance) and the derived vocabulary (the tactics and tacticals of ``tactic_block``, mixed with
the real continuation of the theorem's script); states are real ones from the library (initial
states of its theorems and states after a prefix of their scripts).  Ill-typed programs are
skipped; for well-typed ones the run (bounded by fuel, recorded by ``RecordingHandler``) must
also never panic nor meet a replay incompatibility, and a program typed ⊥ must never succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typing_support import Sample

from tactic_mesh.calculus.combinators import first as first_of
from tactic_mesh.calculus.combinators import refine, repeat, try_
from tactic_mesh.calculus.machine import Budget, collect
from tactic_mesh.calculus.outcomes import Panic, ReplayIncompatible, Success
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics import HANDLERS, defer, defer_seq
from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Fail,
    Focus,
    Handle,
    Op,
    Policy,
    Pure,
    Scoped,
    Term,
    VExpr,
    VGoal,
    VName,
    VNum,
    VRecord,
    VStr,
    VSurface,
    VVar,
)
from tactic_mesh.handlers.recording import Performed, RecordingHandler, outside, recording_tactic_machine
from tactic_mesh.kernel.expr import Const
from tactic_mesh.typing import TypingError, check, conforms

T = TypeVar("T")

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
FUEL = 3000
LEMMAS = ["Nat.add_succ", "Nat.add_comm", "Nat.zero_add", "Nat.mul_succ", "Nat.succ_add"]
APPLY = ["Nat.le.step", "Or.inl", "Or.inr", "And.intro", "Nat.succ_le_succ", "Eq.symm", "absurd", "False.elim"]
EXACT = ["rfl", "True.intro", "Nat.le.refl", "Iff.refl _"]


def C(name: str, arg: str = "", *children: TacticCall) -> TacticCall:
    return TacticCall(name, arg, 0, 0, tuple(children))


def alt(*calls: TacticCall) -> TacticCall:
    return C("|", "", *calls)


class Gen:
    """Draws programs for one sample (its hypotheses, tags, goal ids and script)."""

    def __init__(self, data: st.DataObject, sample: Sample) -> None:
        self.data = data
        self.sample = sample
        state = sample.state
        mctx = state.metavar_graph
        goals = state.focus_goals()
        self.hyps = sorted({d.user_name for g in goals for d in mctx.decl(g).lctx}) or ["h"]
        self.tags = [*sorted({mctx.decl(g).user_name for g in goals if mctx.decl(g).user_name}), "zero", "succ"]
        self.ids = [state.obligation_id(g) for g in goals]
        self.counter = 0

    def n(self, k: int) -> int:
        return self.data.draw(st.integers(0, k - 1))

    def pick(self, xs: Sequence[T]) -> T:
        return xs[self.n(len(xs))]

    def chance(self, percent: int) -> bool:
        return self.n(100) < percent

    def fresh(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def hyp(self) -> str:
        return self.pick([*self.hyps, "h", "ha", "x"])

    # -- derived vocabulary

    def leaf(self) -> TacticCall:
        k = self.n(22)
        simple = {4: "rfl", 5: "assumption", 6: "constructor", 7: "exfalso", 8: "left", 9: "done", 18: "contradiction",
                  20: "right", 21: "intros"}
        if k in simple:
            return C(simple[k])
        if k == 0:
            return C("intro", " ".join(["x", "y", "h1", "_"][: self.n(3)]))
        if k == 1:
            return C("intro")
        if k == 2:
            return C("exact", self.hyp())
        if k == 3:
            return C("exact", self.pick(EXACT))
        if k == 10:
            return C("apply", self.pick([*APPLY, self.hyp()]))
        if k == 11:
            return C("cases", self.hyp())
        if k == 12:
            return C("induction", self.hyp())
        if k == 13:
            at = f" at {self.hyp()}" if self.chance(20) else ""
            return C("rw", f"[{self.pick([*LEMMAS, self.hyp()])}]{at}")
        if k == 14:
            return C("simp", self.pick(["", "only [Nat.add_zero]", f"[{self.hyp()}]", "[*]"]))
        if k == 15:
            return C("exists", self.pick(["0", "1", self.hyp()]))
        if k == 16:
            return C("have", self.pick(["hT : True := True.intro", "hT : True", "hq : 0 = 0 := rfl"]))
        if k == 17:
            return C("refine", self.pick(["⟨?_, ?_⟩", "fun x => ?_", "Or.inl ?_", "⟨?w, ?_⟩", "?_"]))
        return C("exact", f"{self.hyp()}.1")

    def scripted(self) -> list[TacticCall]:
        script = self.sample.script
        if not script:
            return [self.leaf()]
        return list(script[: 1 + self.n(min(len(script), 3))])

    def calls(self, depth: int, n: int | None = None) -> list[TacticCall]:
        if self.chance(30):
            return self.scripted() + ([self.call(depth)] if self.chance(30) else [])
        return [self.call(depth) for _ in range(n if n is not None else 1 + self.n(3))]

    def call(self, depth: int) -> TacticCall:
        if depth <= 0 or self.chance(55):
            return self.leaf()
        d = depth - 1
        k = self.n(14)
        if k in (0, 2, 3, 4, 6, 7, 10):
            name = {0: "try", 2: "repeat", 3: "all_goals", 4: "any_goals", 6: "focus", 7: "·", 10: "once"}[k]
            return C(name, "", *self.calls(d, 1 if name == "repeat" else None))
        if k in (1, 11, 12):
            name = {1: "first", 11: "solve", 12: "interleave"}[k]
            return C(name, "", alt(*self.calls(d)), alt(*self.calls(d)))
        if k == 5:
            return C("<;>", "", alt(*self.calls(d, 1)), alt(*self.calls(d, 1)))
        if k == 8:
            return C("case", self.pick(self.tags) + self.pick(["", " a", " a b"]), *self.calls(d))
        if k == 9:
            return C("next", self.pick(["", "a", "a b"]), *self.calls(d))
        return C(self.pick(["induction", "cases"]), f"{self.hyp()} with",
                 C("|", self.pick(["zero", "inl", "intro", "refl"]), *self.calls(d)),
                 C("|", self.pick(["succ m ih", "inr h", "step j hj ih"]), *self.calls(d)))

    # -- core

    def term(self, depth: int) -> Term:
        if depth <= 0 or self.chance(35):
            return self.core_leaf()
        d = depth - 1
        k = self.n(11)
        if k == 0:
            return Bind("_", self.term(d), self.term(d))
        if k == 1:
            return Choice(self.pick([Policy.BACKTRACK, Policy.COMMIT, Policy.FAIR]), (self.term(d), self.term(d)))
        if k == 2:
            return Scoped(f"fuel {self.n(60)}", self.term(d))
        if k == 3:
            return Scoped("reflect", Scoped("split", self.term(d)))
        if k == 4:
            return Focus(self.pick(["main", "last", "1", "2", "all", *self.tags, *self.ids]), self.term(d))
        if k == 5:
            c = self.fresh()
            rollback = Choice(Policy.BACKTRACK, (Op("Rollback", (VVar(c),)), Pure()))
            return Bind(c, Op("Checkpoint"), Bind("_", self.term(d), rollback))
        if k == 6:
            return repeat(self.term(d), self.fresh())
        if k == 7:
            return Scoped("split", self.term(d))
        if k == 8:
            return try_(self.term(d))
        if k == 9:
            return Handle(self.pick(list(HANDLERS)), self.term(d))
        return defer_seq(self.calls(d, 1 + self.n(2)))

    def core_leaf(self) -> Term:
        k = self.n(15)
        if k < 3:
            return defer_seq(self.scripted())
        if k < 6:
            return defer(self.call(2))
        if k == 6:
            return Op("ViewActiveObligations")
        if k == 7:
            return Op("ReadObligation", (VGoal(self.pick(["main", *self.ids])),))
        if k == 8:
            return self.pick([Op("Backtrack"), Fail(VStr("no")), Pure(), Op("Cut"), Op("ConsumeFuel", (VNum(1),))])
        if k == 9:
            m = self.fresh()
            return Bind(m, Op("FreshMetavar", (VExpr(Const("True")), VName(self.fresh()))),
                        Op("SpawnObligations", (VVar(m),)))
        if k == 10:
            return refine(self.pick(["?_", "True.intro", "⟨?_, ?_⟩", "fun z => ?_", self.hyp()]))
        if k == 11:
            p = self.fresh()
            return Bind(p, Op("ReadProvenance"), Op("RequireReplayCompatibility", (VVar(p),)))
        if k == 12:
            x = self.fresh()
            surface = VSurface(self.pick(["rfl", "True.intro", self.hyp()]))
            return Bind(x, Op("Elaborate", (surface, VGoal("main"))),
                        Op("AssignMetavar", (VGoal(self.pick(["main", *self.ids])), VVar(x))))
        if k == 13:
            m = self.fresh()
            return Bind(m, Op("FreshMetavar", (VExpr(Const("True")), VName(""))),
                        Op("RegisterResidualBuilder", (VRecord((("goal", VGoal("main")), ("term", VVar(m)))),)))
        return first_of(defer(self.leaf()), defer(self.leaf()))


@SETTINGS
@given(data=st.data())
def test_well_typed_programs_end_in_their_output_interface_with_their_effects(
    data: st.DataObject, samples: list[Sample]
) -> None:
    sample = data.draw(st.sampled_from(samples))
    program = Gen(data, sample).term(3)
    try:
        typed = check(program, sample.state, handlers=HANDLERS, foreign_symbols=["tactic"])
    except TypingError:
        event("ill-typed")
        return
    machine, log = recording_tactic_machine(Budget(fuel=FUEL))
    successes, stop = collect(machine.run(program, sample.state, HANDLERS), limit=3)
    event("success" if successes else type(stop).__name__)
    assert not isinstance(stop, (Panic, ReplayIncompatible)), stop
    if typed.out is None:
        assert not successes, typed.failure
        return
    for success in successes:
        mismatch = conforms(success.state, typed.out)
        assert mismatch is None, mismatch
    assert not outside(log, typed.effects), (outside(log, typed.effects), typed.effects)


def test_the_recording_handler_logs_what_its_handler_performs(samples: list[Sample]) -> None:
    sample = samples[0]
    machine, log = recording_tactic_machine(Budget(fuel=FUEL))
    program = defer_seq(list(sample.script[:1]))
    result = machine.first(program, sample.state, HANDLERS)
    assert isinstance(result, Success)
    assert Performed("foreign", "tactic", "tactic") in log
    assert any(p.kind == "op" and p.handler == "kernel" for p in log)
    typed = check(program, sample.state)
    assert not outside(log, typed.effects)
    # forwarded operations are not performed by the wrapped handler
    from tactic_mesh.handlers.tactic import TacticHandler

    wrapped = RecordingHandler(TacticHandler())
    wrapped.operation("ViewActiveObligations", (), sample.state)
    assert wrapped.log == []
