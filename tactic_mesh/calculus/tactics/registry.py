"""The tactic registry: one entry per derived tactic, holding everything the library knows of it.

A ``TacticSpec`` gives, under one name,

* ``compile(call, state) -> Term`` — the core program the tactic runs as on ``state`` (it may look
  at the state: ``induction n`` needs the type of ``n``); raises ``TacticMeshError`` when the
  tactic cannot apply there;
* ``typing(checker, call, I_in, Δ, path) -> Typed`` — its rule of the judgment, written against
  the checker of ``typing/derived.py`` (which passes itself in: the rule only calls the checker's
  primitives, so this module does not depend on the typing layer);
* ``propose(view) -> candidates`` — optional: the calls of this tactic worth trying on the
  main goal of ``state``, as typed ``TacticCall``s (never raw text), for the search's
  ``SearchPolicy`` and the router; ``family`` names the expert family the proposer belongs to
  (``intro``, ``apply``, ``rewrite``, ``induction``, ``cases``, ``simp``, ``auto``).

Adding a tactic is one module under ``calculus/tactics/`` that calls ``register``; the package's
``__init__`` imports every such module, so importing ``tactic_mesh.calculus.tactics`` gives the
complete registry.  A name is registered once; a second registration is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, loc
from tactic_mesh.calculus.terms import Contract, Fail, Foreign, Pure, Term, Value, VList, VRecord, VStr, seq
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.local_context import LocalDecl

if TYPE_CHECKING:  # the rules are written against the typing checker, which passes itself in
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed

Compile = Callable[[TacticCall, ProofState], Term]
TypingRule = Callable[["Checker", TacticCall, "Interface", "Delta", str], "Typed"]
FAMILIES = ("intro", "apply", "rewrite", "induction", "cases", "simp", "auto")


@attrs.frozen
class Candidate:
    """A tactic worth trying on the main goal: a parsed call (no source position), the expert
    family that proposed it, and that family's prior for it (higher first; 0 when it has none)."""

    call: TacticCall
    family: str
    prior: float = 0.0

    @property
    def text(self) -> str:
        """The call as one script line (``rw [← h]``)."""
        return f"{self.call.name} {self.call.arg}".strip()


@attrs.frozen
class GoalView:
    """What a proposer looks at: the state, its main goal (a metavariable), the goal's target and
    local context (instantiated), and the script that led to the state."""

    state: ProofState
    goal: int
    target: Expr
    hypotheses: tuple[LocalDecl, ...]
    script: tuple[str, ...] = ()

    @staticmethod
    def of(state: ProofState, script: tuple[str, ...] = ()) -> GoalView | None:
        """The view of ``state``'s main goal, or ``None`` when no goal is in focus."""
        goals = state.focus_goals()
        if not goals:
            return None
        mctx = state.metavar_graph
        decl = mctx.decl(goals[0])
        hyps = tuple(attrs.evolve(d, type=mctx.instantiate(d.type)) for d in decl.lctx)
        return GoalView(state, goals[0], mctx.instantiate(decl.type), hyps, script)

    def taken(self) -> set[str]:
        return {d.user_name for d in self.hypotheses}


Proposer = Callable[[GoalView], Iterable[Candidate]]


@attrs.frozen
class TacticSpec:
    name: str
    compile: Compile
    typing: TypingRule
    propose: Proposer | None = None
    family: str | None = None  # the expert family of ``propose``
    summary: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.propose is None) != (self.family is None):
            raise ValueError(f"tactic '{self.name}': a proposer needs a family and a family a proposer")
        if self.family is not None and self.family not in FAMILIES:
            raise ValueError(f"tactic '{self.name}': unknown family '{self.family}' (known: {', '.join(FAMILIES)})")


_SPECS: dict[str, TacticSpec] = {}


def register(*specs: TacticSpec) -> None:
    for spec in specs:
        if spec.name in _SPECS:
            raise ValueError(f"tactic '{spec.name}' is registered twice")
        _SPECS[spec.name] = spec


def spec_of(name: str) -> TacticSpec | None:
    return _SPECS.get(name)


def specs() -> tuple[TacticSpec, ...]:
    """Every registered tactic, in registration order."""
    return tuple(_SPECS.values())


def proposers(family: str | None = None) -> tuple[TacticSpec, ...]:
    """The tactics with a proposer (of ``family``), in registration order."""
    return tuple(s for s in _SPECS.values() if s.propose is not None and (family is None or s.family == family))


def call(name: str, arg: str = "", children: Sequence[TacticCall] = ()) -> TacticCall:
    """A tactic call made by a program (no source position)."""
    return TacticCall(name, arg, 0, 0, tuple(children))


# ---------------------------------------------------------------------------------------------
# compiling
# ---------------------------------------------------------------------------------------------


def compile_tactic(c: TacticCall, state: ProofState) -> Term:
    """The core program of one tactic, given the state it will run on."""
    spec = _SPECS.get(c.name)
    if spec is None:
        raise TacticError(f"unknown tactic '{c.name}'", loc(c))
    return spec.compile(c, state)


def compile_seq(calls: Sequence[TacticCall], state: ProofState) -> Term:
    """``t₁; t₂; …`` run on ``state``: the first tactic is compiled now, the others when they run
    (they depend on the state the previous ones leave).  A tactic that cannot be compiled on
    ``state`` becomes a catchable failure (``try assumption`` without hypotheses is fine)."""
    if not calls:
        return Pure()
    try:
        head = compile_tactic(calls[0], state)
    except TacticMeshError as err:
        head = Fail(VStr(f"{calls[0].name}: {err.message}"))
    return seq(head, *(defer(c) for c in calls[1:]))


def defer_seq(calls: Sequence[TacticCall]) -> Term:
    return seq(*(defer(c) for c in calls))


# `foreign "tactic"`: a tactic whose core program depends on the state it runs on; the tactic
# handler compiles it there and the machine runs the result in its place (a known refinement).
TACTIC_EFFECTS = frozenset({"Elaborate", "AssignMetavar", "Rewrite"})  # what the compiled tactics perform
TACTIC_CONTRACT = Contract(
    effects=TACTIC_EFFECTS, projection="steps", replay_codec="tactic-text", refinement_known=True
)


def defer(c: TacticCall) -> Term:
    return Foreign("tactic", _encode_call(c), TACTIC_CONTRACT)


def _encode_call(c: TacticCall) -> VRecord:
    """The payload of a deferred tactic: its name, argument and children (no source position)."""
    return VRecord((
        ("name", VStr(c.name)), ("arg", VStr(c.arg)),
        ("children", VList(tuple(_encode_call(child) for child in c.children))),
    ))


def decode_call(v: Value) -> TacticCall:
    if isinstance(v, VRecord):
        name, arg, children = (v.get(k) for k in ("name", "arg", "children"))
        if isinstance(name, VStr) and isinstance(arg, VStr) and isinstance(children, VList):
            return TacticCall(name.value, arg.value, 0, 0, tuple(decode_call(c) for c in children.items))
    raise TacticMeshError(f"foreign \"tactic\": malformed payload {v!r}")


DONE = defer(TacticCall("done", "", 0, 0))
# the handlers a tactic program runs under: the kernel handler, and the tactic handler that refines
# `foreign "tactic"` (both in `handlers/`; this is the name of the stack, not the handlers)
HANDLERS = ("kernel", "tactic")
