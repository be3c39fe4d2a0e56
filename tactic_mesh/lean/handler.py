"""The Lean handler: the effect signature interpreted over Lean proof states (DESIGN §9).

``LeanHandler(backend)`` gives meaning, on a ``LeanState`` (``lean/handler_state.py``), to the
operations a Lean REPL can serve and to our derived tactics, which it sends to Lean as tactic text
— one Lean tactic per REPL ``tactic`` request — reading the goals Lean prints back into
obligations (``lean/goals.py``).  The backend is the REPL (``handler_repl.ReplBackend``) or
LeanDojo (``lean/dojo.py``).

Served:

* ``foreign "tactic"`` (a deferred derived tactic, ``calculus/tactics``): printed as Lean text
  (``handler_text.lean_tactics``: ``intro exact apply refine constructor cases induction rfl rw
  simp assumption exfalso contradiction exists left right have show``, ``first try repeat
  all_goals any_goals <;> focus``, bullets, ``case``/``next``) and run at the state's proof state;
  a tactic with no Lean counterpart is a catchable failure naming it, never sent;
* ``foreign "lean"`` (``lean_tactic(text)``): a Lean tactic given as Lean text, sent verbatim;
* inspection: ``ViewActiveObligations``, ``ReadObligation``, ``ReadLocalContext`` (hypothesis
  types and targets as kernel terms where our term syntax reads them, else Lean's text, and the
  record says which), ``ReadEnvironment`` (``#check`` in the base environment);
* control: ``Checkpoint``/``Rollback`` (exact: states and Lean's proof states are immutable);
* provenance: ``ReadProvenance`` (backend, Lean toolchain, REPL revision, header, handler
  version), ``RequireReplayCompatibility``.

Refused, each with a ``Panic`` naming the operation and why (``REFUSED_OPERATIONS``) — the Lean
side builds its proof terms itself and shows us only goal text, so anything needing our kernel's
terms or metavariable graph would have to be faked: ``ReadMetavarGraph ReadConstraintStore
PreviewAssign FreshMetavar SpawnObligations AssignMetavar RegisterResidualBuilder Elaborate
Normalize Unify Rewrite SynthesizeInstance CheckWitness``.  ``Backtrack Cut ConsumeFuel`` are the
machine's and never reach a handler.

A failed tactic is a catchable failure (``Raise``) with Lean's message; a process or protocol
failure of the Lean side that it cannot recover from is a ``Panic``.

**Proved.**  A run's final state is a proof only by ``verify``: no goals, the Lean side reported
the proof complete (REPL ``proofStatus == "Completed"`` — an empty goal list is not a proof), *and*
the whole declaration with the script re-elaborates from scratch with no error and no sorry.
``prove`` runs a program from a declaration's start and verifies its successes.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import attrs

from tactic_mesh.calculus.effects import SPECS
from tactic_mesh.calculus.machine import Budget, Machine
from tactic_mesh.calculus.outcomes import Panic, ReplayIncompatible, Success
from tactic_mesh.calculus.tactic_syntax import split_tactics
from tactic_mesh.calculus.tactics import decode_call, defer_seq, stop_reason
from tactic_mesh.calculus.terms import (
    Contract,
    Foreign,
    Term,
    Value,
    VGoal,
    VList,
    VName,
    VNum,
    VRecord,
    VStr,
    VUnit,
)
from tactic_mesh.handlers.protocol import Forward, HandlerResult, Raise
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.lean.goals import GoalTextError, LeanGoal, LeanTerm, TermReader, parse_goal
from tactic_mesh.lean.handler_state import (
    LeanBackend,
    LeanBackendError,
    LeanProvenance,
    LeanState,
    LeanStep,
    LeanVerdict,
)
from tactic_mesh.lean.handler_text import LeanUnsupported, lean_tactics

SERVED_OPERATIONS = frozenset({
    "ViewActiveObligations", "ReadObligation", "ReadLocalContext", "ReadEnvironment",
    "Checkpoint", "Rollback", "ReadProvenance", "RequireReplayCompatibility",
})
MACHINE_OPERATIONS = frozenset({"Backtrack", "Cut", "ConsumeFuel"})  # interpreted by the machine
REFUSED_OPERATIONS: dict[str, str] = {
    "ReadMetavarGraph": "the Lean REPL does not report which goals share metavariables (coupling is unknown)",
    "ReadConstraintStore": "the Lean REPL does not report Lean's postponed unification or universe constraints",
    "PreviewAssign": "Lean assigns goals by running tactics; there is no kernel term to preview",
    "FreshMetavar": "Lean's holes are made by Lean tactics (`refine ?_`), not from kernel types",
    "SpawnObligations": "Lean's goal list is Lean's: only Lean tactics add goals",
    "AssignMetavar": "partial proof terms live in Lean; close goals with `exact`/`refine` tactics",
    "RegisterResidualBuilder": "Lean builds the proof term itself; there is no residual builder to register",
    "Elaborate": "Lean's elaborated terms do not come back as kernel expressions",
    "Normalize": "Lean's reduction is not ours; kernel expressions cannot be sent to Lean",
    "Unify": "kernel expressions cannot be sent to Lean for unification",
    "Rewrite": "rewriting with a kernel equation proof cannot happen in Lean; use the `rw` tactic",
    "SynthesizeInstance": "Lean's instances do not come back as kernel expressions",
    "CheckWitness": "the check is Lean's: `verify` re-elaborates the whole declaration",
}
assert SERVED_OPERATIONS | MACHINE_OPERATIONS | REFUSED_OPERATIONS.keys() == SPECS.keys(), "decide every operation"

LEAN_SYMBOL = "lean"
LEAN_CONTRACT = Contract(projection="opaque", replay_codec="lean-tactic-text")


def lean_tactic(text: str) -> Term:
    """A Lean tactic given as Lean text (``omega``, ``decide`` …), for the Lean handler only."""
    return Foreign(LEAN_SYMBOL, VStr(text), LEAN_CONTRACT)


def lean_program(script: str) -> Term:
    """A tactic script in our syntax as a program every step of which is a deferred derived
    tactic (``foreign "tactic"``): the Lean handler prints each as Lean text."""
    return defer_seq(split_tactics(script, 1, 1))


class LeanHandler:
    """The effect signature over ``LeanState``; see the module's doc for what is served."""

    name = "lean"

    def __init__(self, backend: LeanBackend, reader: TermReader | None = None, *, read_terms: bool = True) -> None:
        self.backend = backend
        self.reader = reader if reader is not None or not read_terms else TermReader.prelude()

    # -- starting and finishing ------------------------------------------------------------------

    def provenance(self) -> LeanProvenance:
        return self.backend.provenance()

    def start(self, declaration: str) -> LeanState:
        """The proof state of ``declaration`` (``theorem name binders : type``, no ``:=``)."""
        step = self.backend.start(declaration)
        return LeanState(
            provenance=self.backend.provenance(),
            declaration=declaration.strip(),
            proof_state=step.proof_state,
            goals=self._goals(step),
            status=step.status,
            completed=step.completed,
        )

    def verify(self, state: LeanState) -> LeanVerdict:
        """Is ``state`` the end of a proof?  Only when no goal is left, the Lean side reported the
        proof complete, and the declaration with the script re-elaborates with no error and no
        sorry."""

        def no(reason: str) -> LeanVerdict:
            return LeanVerdict(False, reason, state.declaration, state.script, state.status)

        if state.goals:
            return no(f"{len(state.goals)} goal(s) remain")
        if not state.completed:
            status = state.status or "no proof status"
            return no(f"the Lean side reports {status!r}, not a completed proof (no goals is not a proof)")
        if not state.script:
            return no("no tactic was run")
        recheck = self.backend.recheck(state.declaration, state.script)
        if not recheck.ok:
            why = "; ".join(recheck.problems) or "it does not elaborate"
            return LeanVerdict(False, f"the re-check failed: {why}", state.declaration, state.script, state.status,
                               recheck)
        return LeanVerdict(True, "proved", state.declaration, state.script, state.status, recheck)

    # -- the handler protocol --------------------------------------------------------------------

    def operation(self, name: str, operands: Sequence[Value], state: LeanState) -> HandlerResult[LeanState]:
        if name in REFUSED_OPERATIONS:
            return Panic(f"lean handler: operation {name} is not served: {REFUSED_OPERATIONS[name]}")
        method = getattr(self, f"op_{name}", None) if name in SERVED_OPERATIONS else None
        if method is None:
            return Forward()
        try:  # the operand count is checked first: a TypeError inside an operation is a bug, not bad operands
            inspect.signature(method).bind(state, *operands)
        except TypeError as err:
            return Raise(VStr(f"{name}: bad operands ({err})"))
        try:
            result: HandlerResult[LeanState] = method(state, *operands)
        except LeanBackendError as err:
            return Panic(err.message) if err.fatal else Raise(VStr(err.message))
        except TacticMeshError as err:
            return Raise(VStr(err.message))
        return result

    def foreign(self, symbol: str, payload: Value, state: LeanState) -> HandlerResult[LeanState]:
        if symbol == "tactic":
            try:
                texts = lean_tactics(decode_call(payload))
            except TacticMeshError as err:  # LeanUnsupported names the tactic
                return Raise(VStr(err.message))
            return self._run(state, texts)
        if symbol == LEAN_SYMBOL:
            if not isinstance(payload, VStr) or not payload.value.strip():
                return Raise(VStr("lean: a Lean tactic text is expected"))
            if "sorry" in payload.value or "admit" in payload.value.split():
                return Raise(VStr(LeanUnsupported("lean", "the text mentions `sorry`/`admit`").message))
            return self._run(state, (payload.value.strip(),))
        return Forward()

    # -- running tactics -------------------------------------------------------------------------

    def _focused(self, state: LeanState, texts: tuple[str, ...]) -> tuple[str, ...] | str:
        """The texts to send so that only the goals in focus are touched (or why not)."""
        total = len(state.goals)
        start, count = state.window()
        if total == 0:
            return "lean: no goals"
        if count == 0:
            return "lean: no goals in focus"
        if (start, count) == (0, total):
            return texts
        if count != 1:
            return f"lean: the focus holds goals {start + 1}–{start + count} of {total}; Lean runs a tactic " \
                   "on one goal or on all of them"
        body = "\n".join("  " + line if line.strip() else "" for t in texts for line in t.split("\n"))
        focused = f"focus\n{body}"
        return (focused,) if start == 0 else (f"rotate_left {start}", focused, f"rotate_right {start}")

    def _run(self, state: LeanState, texts: tuple[str, ...]) -> HandlerResult[LeanState]:
        sent = self._focused(state, texts)
        if isinstance(sent, str):
            return Raise(VStr(sent))
        proof_state, step = state.proof_state, None
        for text in sent:
            try:
                step = self.backend.run_tactic(proof_state, text)
            except LeanBackendError as err:
                return Panic(err.message) if err.fatal else Raise(VStr(err.message))
            if step.errors:
                return Raise(VStr(f"lean: {text.splitlines()[0]}: " + "\n".join(step.errors)))
            if step.uses_sorry:
                return Raise(VStr(f"lean: {text.splitlines()[0]}: the tactic left a `sorry`"))
            proof_state = step.proof_state
        assert step is not None
        goals = self._goals(step)
        focus = state.focus
        if focus is not None:
            focus = (focus[0], max(0, focus[1] + len(goals) - len(state.goals)))
        return VUnit(), attrs.evolve(
            state, proof_state=step.proof_state, goals=goals, status=step.status, completed=step.completed,
            script=(*state.script, *sent), focus=focus,
        )

    def _goals(self, step: LeanStep) -> tuple[LeanGoal, ...]:
        out: list[LeanGoal] = []
        for text in step.goals:
            try:
                out.append(parse_goal(text, self.reader))
            except GoalTextError as err:
                out.append(LeanGoal("", (), LeanTerm(text, None, f"goal text not understood: {err.message}"), text))
        return tuple(out)

    # -- inspection ------------------------------------------------------------------------------

    def op_ViewActiveObligations(self, state: LeanState) -> HandlerResult[LeanState]:
        return VList(tuple(VGoal(state.goal_id(i)) for i in state.focus_indices())), state

    def op_ReadObligation(self, state: LeanState, goal: Value) -> HandlerResult[LeanState]:
        i = state.goal_index(goal)
        g = state.goals[i]
        return VRecord((
            ("id", VGoal(state.goal_id(i))),
            ("tag", VStr(g.tag)),
            *_term_fields("target", g.target),
            ("visibility", VStr("visible")),
            ("hypotheses", VNum(len(g.locals()))),
            ("text", VStr(g.text)),
        )), state

    def op_ReadLocalContext(self, state: LeanState, goal: Value) -> HandlerResult[LeanState]:
        g = state.goals[state.goal_index(goal)]
        hyps: list[Value] = []
        for name, ty, value in g.locals():
            fields: list[tuple[str, Value]] = [("name", VName(name)), *_term_fields("type", ty)]
            if value is not None:
                fields += _term_fields("value", value)
            hyps.append(VRecord(tuple(fields)))
        return VList(tuple(hyps)), state

    def op_ReadEnvironment(self, state: LeanState, name: Value) -> HandlerResult[LeanState]:
        if not isinstance(name, VName):
            return Raise(VStr("ReadEnvironment: a name is expected"))
        text = self.backend.constant_type(name.name)
        term = LeanTerm(text)
        if self.reader is not None:
            term = self.reader.read(LeanGoal("", (), term, text)).target
        return VRecord((("name", VName(name.name)), *_term_fields("type", term))), state

    # -- control ---------------------------------------------------------------------------------

    def op_Checkpoint(self, state: LeanState) -> HandlerResult[LeanState]:
        n = len(state.saved)
        return VNum(n), attrs.evolve(state, saved=(*state.saved, state), checkpoint=n + 1)

    def op_Rollback(self, state: LeanState, n: Value) -> HandlerResult[LeanState]:
        if not isinstance(n, VNum) or not 0 <= n.value < len(state.saved):
            return Raise(VStr(f"Rollback: no checkpoint {n!r}"))
        return VUnit(), attrs.evolve(state.saved[n.value], saved=state.saved[: n.value + 1])

    # -- provenance ------------------------------------------------------------------------------

    def op_ReadProvenance(self, state: LeanState) -> HandlerResult[LeanState]:
        return state.provenance.record(), state

    def op_RequireReplayCompatibility(self, state: LeanState, expected: Value) -> HandlerResult[LeanState]:
        if not isinstance(expected, VRecord):
            return Raise(VStr("RequireReplayCompatibility: a provenance record is expected"))
        current = dict(state.provenance.record().fields)
        for key, value in expected.fields:
            found = current.get(key)
            if found != value:
                return ReplayIncompatible(key, _shown(value), "(absent)" if found is None else _shown(found))
        return VUnit(), state


def _term_fields(key: str, term: LeanTerm) -> tuple[tuple[str, Value], ...]:
    """``key`` (a kernel term, or Lean's text when ours does not read it), ``key_text`` (Lean's),
    ``key_read`` (``term`` | ``text``) and, for text, ``key_note`` (why)."""
    fields: tuple[tuple[str, Value], ...] = (
        (key, term.value()), (f"{key}_text", VStr(term.text)), (f"{key}_read", VStr("term" if term.parsed else "text")),
    )
    return fields if term.parsed else (*fields, (f"{key}_note", VStr(term.note)))


def _shown(v: Value) -> str:
    return v.value if isinstance(v, VStr) else repr(v)


# ---------------------------------------------------------------------------------------------
# proving


@attrs.frozen
class LeanRun:
    """The outcome of ``prove``: the verdict on the first success that verified (or on the last
    one tried), and how the run ended when none did."""

    verdict: LeanVerdict
    tried: int  # successes verified
    stop: str = ""  # why the run ended without a proof ("" when proved)

    @property
    def proved(self) -> bool:
        return self.verdict.proved


def prove(
    handler: LeanHandler, declaration: str, program: Term | str, *, budget: Budget | None = None,
    max_successes: int = 8,
) -> LeanRun:
    """Run ``program`` (a core program, or a tactic script in our syntax) from ``declaration``'s
    start under the Lean handler and return the first success that ``verify`` accepts (at most
    ``max_successes`` successes are verified).  A declaration that cannot be started raises
    ``LeanStartError`` (or ``LeanBackendError`` when the Lean side itself failed).

    A core program must reach Lean through ``foreign "tactic"`` / ``foreign "lean"`` nodes
    (``lean_program``, ``lean_tactic``): kernel-level operations (``Elaborate``, ``AssignMetavar``
    …, as in ``calculus.tactics.expand``) are refused."""
    term = lean_program(program) if isinstance(program, str) else program
    state = handler.start(declaration)
    machine: Machine[LeanState] = Machine({"lean": handler}, budget=budget)
    last = LeanVerdict(False, "the program has no success", state.declaration, (), state.status)
    tried = 0
    for item in machine.run(term, state, ("lean",)):
        if not isinstance(item, Success):
            return LeanRun(last, tried, stop_reason(item))
        if item.state.goals:
            last = LeanVerdict(False, f"{len(item.state.goals)} goal(s) remain", declaration, item.state.script,
                               item.state.status)
            continue
        verdict = handler.verify(item.state)
        tried += 1
        if verdict.proved:
            return LeanRun(verdict, tried)
        last = verdict
        if tried >= max_successes:
            return LeanRun(last, tried, f"{tried} successes verified, none proved")
    return LeanRun(last, tried, "the run ended")  # pragma: no cover - a run always ends with a Stop


__all__ = [
    "LEAN_CONTRACT",
    "MACHINE_OPERATIONS",
    "REFUSED_OPERATIONS",
    "SERVED_OPERATIONS",
    "LeanHandler",
    "LeanRun",
    "LeanState",
    "LeanVerdict",
    "lean_program",
    "lean_tactic",
    "prove",
]
