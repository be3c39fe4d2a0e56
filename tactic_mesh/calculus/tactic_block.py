"""``by`` blocks: Lean-style tactic scripts, compiled tactic by tactic into core programs.

A block is a sequence of tactics separated by newlines or ``;``.  As in Lean, the tactics of a
block run one after the other and each commits to its first success; a failing tactic stops the
block with its location and the goals it was applied to.  A tactic may look at the current
proof state to decide its core program (``induction n`` needs the type of ``n``), so each one is
compiled just before it runs.  Inside tacticals, the tactics that run later are ``foreign
"tactic"`` nodes with a known refinement: the tactic handler compiles them on the state they
meet and the machine runs the result in their place.  ``expand`` shows the core program.

Tactics: ``intro x …``, ``intros``, ``exact e``, ``refine e``, ``apply e``, ``rfl``,
``constructor``, ``left``, ``right``, ``exists e``, ``exfalso``, ``assumption``,
``contradiction``, ``have h : T (:= e)``, ``show t``, ``induction x`` / ``cases x`` (also on
indexed families such as ``=`` and ``≤``; ``with | c x… => …``), ``rw [..] (at h)``, ``simp``
(``only [..]``, ``[*]``, ``at h``), ``calc`` (``=``, ``≤``, ``<`` chains), ``done``.
Tacticals: ``t <;> u``, ``t <|> u``, ``t orelse u``, ``first | t | u``, ``solve | t | u``,
``interleave | t | u`` (fair choice), ``try t``, ``repeat t``,
``once t``, ``focus``, ``all_goals t``, ``any_goals t``, bullets ``·``, ``case tag x… => …``,
``next x… => …``.  Goals made by ``induction``/``cases`` are tagged with the constructors' names.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tactic_mesh.calculus import equational
from tactic_mesh.calculus.assembly import TRACING, ReplayError, assemble
from tactic_mesh.calculus.elim import elim_program
from tactic_mesh.calculus.kernel_handler import KernelHandler
from tactic_mesh.calculus.machine import (
    Budget,
    Forward,
    HandlerResult,
    Interrupted,
    Machine,
    OutOfFuel,
    Raise,
    Refine,
    Success,
)
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import (
    TacticCall,
    TacticError,
    is_elim_with,
    loc,
    split_block,
    split_tactics,
    top_level_split,
)
from tactic_mesh.calculus.tactics import apply, exact, first, intro, progress, refine, repeat, rewrite, try_
from tactic_mesh.calculus.terms import (
    Choice,
    Contract,
    Fail,
    Focus,
    Foreign,
    Policy,
    Pure,
    Term,
    Value,
    VList,
    VRecord,
    VStr,
    seq,
)
from tactic_mesh.kernel.environment import Environment, InductiveInfo
from tactic_mesh.kernel.errors import ElabError, Location, TacticMeshError
from tactic_mesh.kernel.expr import BinderInfo, Const, Expr, Pi, const_name, get_app_fn_args, has_loose_bvar
from tactic_mesh.kernel.printer import Printer

MAX_APPLY_ARGS = 8
STEP_FUEL = 200_000  # machine steps one tactic may take
STEP_SECONDS = 10.0  # and wall-clock seconds


def stop_reason(stop: object) -> str:
    """Why a run ended without success, for people."""
    if isinstance(stop, OutOfFuel):
        return f"ran out of fuel after {stop.steps} steps (a rewrite loop?)"
    if isinstance(stop, Interrupted):
        return f"interrupted after {stop.seconds:.1f} s"
    reason = getattr(stop, "reason", stop)
    return str(getattr(reason, "value", reason))


def compile_tactic(call: TacticCall, state: ProofState) -> Term:
    """The core program of one tactic, given the state it will run on."""
    name, arg = call.name, call.arg
    if name == "intro":
        return _intro(arg.split() or _binder_names(state), state)
    if name == "intros":
        names = arg.split() or _all_binder_names(state)
        return _intro(names, state) if names else Pure()
    if name == "have":
        return _have(_need(arg, call), call)
    if name == "contradiction":
        return _contradiction(state, call)
    if name == "exact":
        return exact(_need(arg, call))
    if name == "refine":
        return refine(_need(arg, call))
    if name == "apply":
        return _apply(_need(arg, call), state)
    if name == "rfl":
        return exact("rfl")
    if name == "symm":
        return equational.symm()
    if name == "congr":
        return equational.congr()
    if name == "eq_search":
        return equational.eq_search(arg, state)
    if name == "exfalso":
        return refine("False.elim ?_")
    if name == "left":
        return refine("Or.inl ?_")
    if name == "right":
        return refine("Or.inr ?_")
    if name == "exists":  # then closes the rest by `rfl` or a hypothesis when it can, as Lean's
        closers = [exact(d.user_name) for d in reversed(_main_lctx(state))]
        return seq(refine(f"⟨{_need(arg, call)}, ?_⟩"), try_(first(exact("rfl"), *closers)))
    if name == "show":
        return refine(f"(?_ : {_need(arg, call)})")
    if name == "constructor":
        return first(*(_apply(c, state) for c in _constructors(state, call)))
    if name == "assumption":
        hyps = [d.user_name for d in reversed(_main_lctx(state))]
        if not hyps:
            raise TacticError("assumption: no hypotheses", loc(call))
        return first(*(exact(h) for h in hyps))
    if name in ("<|>", "orelse", "first"):
        return first(*(compile_seq(alt.children, state) for alt in call.children))
    if name == "solve":  # the first alternative that closes the goal
        return first(*(seq(compile_seq(alt.children, state), DONE) for alt in call.children))
    if name == "interleave":
        return Choice(Policy.FAIR, tuple(compile_seq(alt.children, state) for alt in call.children))
    if name == "try":
        return try_(compile_seq(call.children, state))
    if name == "once":
        return Choice(Policy.COMMIT, (compile_seq(call.children, state),))
    if name == "progress":
        return progress(compile_seq(call.children, state))
    if name == "repeat":  # each round runs on the state the previous one left
        return repeat(defer_seq(call.children))
    if name == "focus":
        return Focus("main", compile_seq(call.children, state))
    if name == "<;>":  # `t <;> u` is `focus (t; all_goals u)`, as in Lean
        head, *rest = call.children
        program = compile_seq(head.children, state)
        for then in rest:
            program = seq(program, defer(TacticCall("all_goals", "", call.line, call.col, then.children)))
        return Focus("main", program)
    if name == "done":
        return Pure() if not state.focus_goals() else Fail(VStr(f"{len(state.focus_goals())} goal(s) remain"))
    if name == "·":
        return Focus("main", seq(compile_seq(call.children, state), DONE))
    if name in ("case", "next"):
        tag, *names = call.arg.split() if name == "case" else ["main", *call.arg.split()]
        if not tag:
            raise TacticError("case: expected `case tag x… => tactics`", loc(call))
        return Focus(tag, _case_body(names, call))
    if name == "|":
        raise TacticError("`| c … =>` alternatives belong to `induction x with` or `cases x with`", loc(call))
    if name in ("all_goals", "any_goals"):
        inner = defer_seq(call.children)
        per_goal = [Focus(state.obligation_id(g), inner) for g in state.focus_goals()]
        if name == "all_goals":
            return seq(*per_goal)
        # any_goals: on each goal where it applies, failing only if it applies nowhere — the
        # first goal where it applies is chosen by committed choice, the rest are tried
        return first(*(seq(per_goal[i], *(try_(t) for t in per_goal[i + 1 :])) for i in range(len(per_goal))))
    if name == "calc":
        return _calc(call)
    if name == "simp":
        return _simp(arg, state, call)
    if name in ("rw", "rewrite"):
        rules_text, _, location = _need(arg, call).rpartition(" at ") if "] at " in arg else (arg, "", "")
        return rewrite(parse_rules(rules_text, call), location.strip() or None)
    if is_elim_with(call):
        var = call.arg[: -len("with")].strip()
        branches = [Focus(*_alternative(alt)) for alt in call.children]
        return seq(_elim(name, _need(var, call), state, call), *branches)
    if name in ("induction", "cases"):
        return _elim(name, _need(arg, call), state, call)
    raise TacticError(f"unknown tactic '{name}'", loc(call))


def _alternative(alt: TacticCall) -> tuple[str, Term]:
    """``| succ m ih => t…``: the goal tagged ``succ``, its fields named ``m ih``, then ``t…``."""
    if alt.name != "|" or not alt.arg.split():
        raise TacticError("expected an alternative `| c x… => tactics`", loc(alt))
    tag, *names = alt.arg.split()
    return tag, _case_body(names, alt)


def _case_body(names: list[str], call: TacticCall) -> Term:
    """The body of ``case``/``next``/an alternative: introduce the named fields, run the tactics,
    and the goal must be solved."""
    intro_names = (defer(TacticCall("intro", " ".join(names), call.line, call.col)),) if names else ()
    return seq(*intro_names, defer_seq(call.children), DONE)


def compile_seq(calls: list[TacticCall] | tuple[TacticCall, ...], state: ProofState) -> Term:
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


def defer_seq(calls: list[TacticCall] | tuple[TacticCall, ...]) -> Term:
    return seq(*(defer(c) for c in calls))


# `foreign "tactic"`: a tactic whose core program depends on the state it runs on; the tactic
# handler compiles it there and the machine runs the result in its place (a known refinement).
TACTIC_EFFECTS = frozenset({"Elaborate", "AssignMetavar", "Rewrite"})  # what the compiled tactics perform
TACTIC_CONTRACT = Contract(
    effects=TACTIC_EFFECTS, projection="steps", replay_codec="tactic-text", refinement_known=True
)


def defer(call: TacticCall) -> Term:
    return Foreign("tactic", _encode_call(call), TACTIC_CONTRACT)


def _encode_call(call: TacticCall) -> VRecord:
    """The payload of a deferred tactic: its name, argument and children (no source position)."""
    return VRecord((
        ("name", VStr(call.name)), ("arg", VStr(call.arg)),
        ("children", VList(tuple(_encode_call(c) for c in call.children))),
    ))


def decode_call(v: Value) -> TacticCall:
    if isinstance(v, VRecord):
        name, arg, children = (v.get(k) for k in ("name", "arg", "children"))
        if isinstance(name, VStr) and isinstance(arg, VStr) and isinstance(children, VList):
            return TacticCall(name.value, arg.value, 0, 0, tuple(decode_call(c) for c in children.items))
    raise TacticMeshError(f"foreign \"tactic\": malformed payload {v!r}")


class TacticHandler:
    """Refines ``foreign "tactic"`` nodes into their core programs on the state they meet."""

    name = "tactic"

    def operation(self, name: str, operands: Sequence[Value], state: ProofState) -> HandlerResult[ProofState]:
        return Forward()

    def foreign(self, symbol: str, payload: Value, state: ProofState) -> HandlerResult[ProofState]:
        if symbol != "tactic":
            return Forward()
        try:
            call = decode_call(payload)
            return Refine(compile_tactic(call, state))
        except TacticMeshError as err:
            return Raise(VStr(err.message))


DONE = defer(TacticCall("done", "", 0, 0))
HANDLERS = ("kernel", "tactic")


def tactic_machine(budget: Budget | None = None) -> Machine[ProofState]:
    """A machine with the kernel handler and the tactic handler."""
    return Machine({"kernel": KernelHandler(), "tactic": TacticHandler()}, budget=budget)


def expand(text: str, state: ProofState) -> Term:
    """The core program of a tactic script on ``state``: the first tactic fully expanded, the
    later ones as ``foreign "tactic"`` nodes refined when they run (they need the state then)."""
    return compile_seq(split_tactics(text, 1, 1), state)


def _apply(term: str, state: ProofState) -> Term:
    """``apply f``: ``f _ … _`` with as many arguments as make its type fit the goal; the ones
    unification does not determine become goals.  For a constant the count starts from its number
    of explicit arguments (the usual fit) and goes down."""
    info = state.environment.find(term.strip())
    if info is not None:
        explicit = _explicit_binders(info.type)
        counts = list(range(explicit, -1, -1))
    else:
        counts = list(range(MAX_APPLY_ARGS + 1))
    return first(*(apply(term, k) for k in counts))


def _explicit_binders(t: Expr) -> int:
    n = 0
    while isinstance(t, Pi):
        if t.bi is BinderInfo.DEFAULT:
            n += 1
        t = t.body
    return n


def parse_rules(arg: str, call: TacticCall) -> list[tuple[str, bool]]:
    """``[e, ← e', …]`` (of ``rw``/``simp``) as (term text, right to left) pairs."""
    text = arg.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise TacticError(f"{call.name}: expected a list of equations `[h, ← h']`", loc(call))
    rules = [_rule(part) for part in top_level_split(text[1:-1], ",")]
    if any(not r[0] for r in rules):
        raise TacticError(f"{call.name}: an empty rule", loc(call))
    return rules


def _rule(text: str) -> tuple[str, bool]:
    text = text.strip()
    for arrow in ("←", "<-"):
        if text.startswith(arrow):
            return text[len(arrow):].strip(), True
    return text, False


def _simp(arg: str, state: ProofState, call: TacticCall) -> Term:
    """``simp``, ``simp only [l…]``, ``simp [l…, *]``, ``… at h``: rewrite to a fixpoint with the
    library's ``@[simp]`` lemmas (and the given ones; ``*``: the equations among the hypotheses),
    closing the goal by ``rfl`` when it can.  Fails when nothing changes, as Lean's ``simp``."""
    text = arg.strip()
    location: str | None = None
    if " at " in f" {text}":
        text, _, location = f" {text}".rpartition(" at ")
        text, location = text.strip(), location.strip()
    only = text.startswith("only")
    if only:
        text = text[len("only"):].strip()
    extra: list[str] = []
    if text:
        extra = [r[0] if not r[1] else f"← {r[0]}" for r in parse_rules(text, call)]
    rules: list[tuple[str, bool]] = []
    if not only:
        attrs_ext = state.environment.extension("attributes", {})
        if isinstance(attrs_ext, dict):
            rules += [(lemma, False) for lemma in attrs_ext.get("simp", ())]
    for item in extra:
        if item == "*":
            rules += [(d.user_name, False) for d in _main_lctx(state) if d.user_name != location
                      and const_name(state.metavar_graph.instantiate(d.type)) == "Eq"]
        else:
            rules.append(_rule(item))
    if not rules:
        return exact("rfl")
    steps = first(*(rewrite([rule], location, ordered=True) for rule in rules))
    done = (exact("rfl"),) if location is None else ()
    return first(*done, seq(steps, repeat(steps, "simp")), Fail(VStr("simp made no progress")))


CALC_RELATIONS = ("≤", "<", "=", "≥", ">")
# transitivity of two steps: (first relation, second relation) → (lemma, resulting relation)
CALC_TRANS = {
    ("≤", "≤"): ("Nat.le_trans", "≤"),
    ("≤", "<"): ("Nat.lt_of_le_of_lt", "<"),
    ("<", "≤"): ("Nat.lt_of_lt_of_le", "<"),
    ("<", "<"): ("Nat.lt_trans", "<"),
}


def _calc(call: TacticCall) -> Term:
    """``calc a = b := p₁; _ ≤ c := p₂ …`` (steps on one line separated by `;`, or on the following
    lines indented further, each inside brackets when it spans lines): ``exact`` the chained proof.
    ``=`` steps chain by ``Eq.trans``, or by rewriting the other relation's side (``Eq.mpr`` with
    ``congrArg``); ``≤``/``<`` steps by the library's transitivity lemmas (``Nat.le_trans``,
    ``Nat.lt_of_le_of_lt``, ``Nat.lt_of_lt_of_le``, ``Nat.lt_trans``)."""
    chain: tuple[str, str, str, str] | None = None  # (lhs, relation, rhs, proof) so far
    for lhs, rel, rhs, proof in calc_steps(call):
        if lhs == "_":
            assert chain is not None
            lhs = chain[2]
        term = f"(({proof}) : ({lhs}) {rel} ({rhs}))"
        chain = (lhs, rel, rhs, term) if chain is None else _calc_trans(chain, (lhs, rel, rhs, term), call)
    assert chain is not None
    return exact(chain[3])


def calc_steps(call: TacticCall) -> list[tuple[str, str, str, str]]:
    """The steps of a ``calc`` as (lhs, relation, rhs, proof) texts; ``_`` as the lhs of a later
    step stands for the previous rhs."""
    steps = [s for s in top_level_split(call.arg.replace("\n", " ; "), ";") if s]
    if not steps:
        raise TacticError("calc: expected steps `a = b := proof`", loc(call))
    out: list[tuple[str, str, str, str]] = []
    for step in steps:
        relation_text, sep, proof = step.partition(":=")
        found = next(((r, *relation_text.partition(f" {r} ")[::2]) for r in CALC_RELATIONS
                      if f" {r} " in relation_text), None)
        if not sep or found is None:
            raise TacticError(f"calc: a step must read `a R b := proof` (R one of = ≤ <), got `{step}`", loc(call))
        rel, lhs, rhs = found[0], found[1].strip(), found[2].strip()
        if rel in ("≥", ">"):
            raise TacticError("calc: write `≥`/`>` chains as `≤`/`<` chains read right to left", loc(call))
        if lhs == "_" and not out:
            raise TacticError("calc: the first step cannot start with `_`", loc(call))
        out.append((lhs, rel, rhs, proof.strip()))
    return out


def _calc_trans(
    a: tuple[str, str, str, str], b: tuple[str, str, str, str], call: TacticCall
) -> tuple[str, str, str, str]:
    (x, r1, _, p), (_, r2, z, q) = a, b
    if r1 == "=" and r2 == "=":
        return x, "=", z, f"(Eq.trans {p} {q})"
    if r1 == "=":  # x = y, y R z: rewrite y back into x
        return x, r2, z, f"(Eq.mpr (congrArg (fun t => t {r2} ({z})) {p}) {q})"
    if r2 == "=":  # x R y, y = z
        return x, r1, z, f"(Eq.mp (congrArg (fun t => ({x}) {r1} t) {q}) {p})"
    lemma = CALC_TRANS.get((r1, r2))
    if lemma is None:
        raise TacticError(f"calc: cannot chain `{r1}` with `{r2}`", loc(call))
    return x, lemma[1], z, f"({lemma[0]} {p} {q})"


def _need(arg: str, call: TacticCall) -> str:
    if not arg:
        raise TacticError(f"{call.name}: an argument is expected", loc(call))
    return arg


def _main(state: ProofState) -> int:
    goals = state.focus_goals()
    if not goals:
        raise TacticError("no goals left")
    return goals[0]


def _main_lctx(state: ProofState) -> list:  # type: ignore[type-arg]
    return list(state.metavar_graph.decl(_main(state)).lctx)


def _intro(names: list[str], state: ProofState) -> Term:
    """``intro x y …``: ``refine fun x y … => ?_``, with each binder bracketed like the goal's
    (``{x : _}`` for an implicit ∀), so implicit binders are introduced too."""
    checker = KernelHandler.elaborator(state, _main(state)).tc
    target = state.metavar_graph.instantiate(state.metavar_graph.decl(_main(state)).type)
    binders_found, _ = checker.telescope(target, len(names))  # up to whnf (`¬p` is `p → False`)
    if len(binders_found) < len(names):
        name = names[len(binders_found)]
        raise TacticError(f"intro {name}: nothing to introduce, the goal is not a ∀ or an →")
    binders: list[str] = []
    for name, (_, _, _, bi) in zip(names, binders_found, strict=True):
        if bi is BinderInfo.IMPLICIT:
            binders.append(f"{{{name} : _}}")
        elif bi is BinderInfo.STRICT_IMPLICIT:
            binders.append(f"⦃{name} : _⦄")
        elif bi is BinderInfo.INST_IMPLICIT:
            binders.append(f"[{name} : _]")
        else:
            binders.append(name)
    if all(" " not in b for b in binders):
        return intro(*names)
    return refine(f"fun {' '.join(b if ' ' in b else f'({b} : _)' for b in binders)} => ?_")


def _all_binder_names(state: ProofState) -> list[str]:
    """Names for every leading ∀/→ binder of the main goal (``intros``)."""
    target = state.metavar_graph.instantiate(state.metavar_graph.decl(_main(state)).type)
    taken = {d.user_name for d in _main_lctx(state)}
    names: list[str] = []
    while isinstance(target, Pi):
        names.append(fresh_binder_name(target, taken))
        taken.add(names[-1])
        target = target.body
    return names


def binder_base_name(target: Pi) -> str:
    """The name ``intro`` gives a binder: its own when the rest depends on it, else ``h``."""
    return target.name if has_loose_bvar(target.body, 0) and target.name not in ("_", "") else "h"


def fresh_binder_name(target: Pi, taken: set[str]) -> str:
    """``binder_base_name``, with a numeric suffix when the name is already taken."""
    base = binder_base_name(target)
    name, i = base, 1
    while name in taken:
        name, i = f"{base}{i}", i + 1
    return name


def _have(arg: str, call: TacticCall) -> Term:
    """``have h : T := e`` adds ``h`` to the goal.  ``have h : T`` leaves two goals, as Lean's:
    ``T`` first, then the main goal with ``h`` (the prelude's ``letFun ?_ (fun h => ?_)``)."""
    head, sep, proof = arg.partition(":=")
    name, colon, ty = head.partition(":")
    if not colon or not name.strip() or not ty.strip():
        raise TacticError("have: expected `have h : T := e` or `have h : T`", loc(call))
    name, ty = name.strip(), ty.strip()
    if sep:
        return refine(f"(fun ({name} : {ty}) => ?_) ({proof.strip()})")
    return refine(f"letFun (?_ : {ty}) (fun ({name} : {ty}) => ?_)")


def _contradiction(state: ProofState, call: TacticCall) -> Term:
    """Close the goal from a hypothesis ``False``, or from ``h : ¬p`` together with ``h' : p``."""
    options: list[Term] = []
    hyps = _main_lctx(state)
    for d in hyps:
        options.append(exact(f"False.elim {d.user_name}"))
        for e in hyps:
            if e is not d:
                options.append(exact(f"absurd {e.user_name} {d.user_name}"))
    if not options:
        raise TacticError("contradiction: no hypotheses", loc(call))
    return first(*options)


def _binder_names(state: ProofState) -> list[str]:
    target = state.metavar_graph.instantiate(state.metavar_graph.decl(_main(state)).type)
    return [binder_base_name(target) if isinstance(target, Pi) else "h"]


def _constructors(state: ProofState, call: TacticCall) -> list[str]:
    checker = KernelHandler.elaborator(state, _main(state)).tc
    target = checker.whnf(state.metavar_graph.instantiate(state.metavar_graph.decl(_main(state)).type))
    head = get_app_fn_args(target)[0]
    info = state.environment.find(head.name) if isinstance(head, Const) else None
    if not isinstance(info, InductiveInfo):
        raise TacticError("constructor: the goal is not an inductive type", loc(call))
    return list(info.constructors)


def _elim(tactic: str, var: str, state: ProofState, call: TacticCall) -> Term:
    """``induction x`` / ``cases x`` (``elim.py``): the recursor of ``x``'s type, the motive the goal
    with ``x`` (and its indices) abstracted, the hypotheses that depend on them reverted; one new
    goal per constructor, tagged with its name."""
    try:
        return elim_program(tactic, var, state)
    except TacticMeshError as err:
        raise TacticError(err.message, loc(call)) from None


def run_block(
    text: str, line: int, col: int, state: ProofState, filename: str
) -> tuple[ProofState, list[tuple[TacticCall, Term]]]:
    """Run a ``by`` block; returns the final state (complete) and the programs that ran."""
    log: list[tuple[TacticCall, Term]] = []
    try:
        calls = split_block(text, line, col)
    except TacticMeshError as err:  # a malformed tactical: located in this file
        where = Location(filename, err.loc.line, err.loc.col) if err.loc else Location(filename, line, col)
        raise ElabError(err.message, where) from None
    state = _run_calls(calls, state, filename, log)
    if state.active_obligations:  # reported at the block's last tactic
        where = Location(filename, calls[-1].line, calls[-1].col) if calls else Location(filename, line, col)
        raise ElabError(f"unsolved goals\n{goals_text(state)}", where)
    return state, log


def _run_calls(
    calls: list[TacticCall] | tuple[TacticCall, ...], state: ProofState, filename: str,
    log: list[tuple[TacticCall, Term]],
) -> ProofState:
    for call in calls:
        state = _run_call(call, state, filename, log)
    return state


def _run_call(call: TacticCall, state: ProofState, filename: str, log: list[tuple[TacticCall, Term]]) -> ProofState:
    """Run one tactic.  Blocks (``·``, ``case``, ``next``, the alternatives of ``induction x with``)
    are stepped through here, tactic by tactic, so a failure inside is reported where it happens;
    their core programs (``compile_tactic``) do the same with ``focus`` and are what ``expand``
    shows."""
    where = Location(filename, call.line, call.col)
    if call.name in ("·", "focus"):
        return _run_focused("main", [], call, state, filename, log, must_solve=call.name == "·")
    if call.name in ("case", "next"):
        tag, *names = call.arg.split() if call.name == "case" else ["main", *call.arg.split()]
        if not tag:
            raise ElabError("case: expected `case tag x… => tactics`", where)
        return _run_focused(tag, names, call, state, filename, log)
    if is_elim_with(call):
        state = _run_program(attrs.evolve(call, arg=call.arg[: -len("with")].strip(), children=()),
                             state, filename, log)
        for alt in call.children:
            try:
                tag, _ = _alternative(alt)
            except TacticMeshError as err:
                raise ElabError(err.message, Location(filename, alt.line, alt.col)) from None
            state = _run_focused(tag, alt.arg.split()[1:], alt, state, filename, log)
        return state
    return _run_program(call, state, filename, log)


def _run_focused(
    selector: str, names: list[str], call: TacticCall, state: ProofState, filename: str,
    log: list[tuple[TacticCall, Term]], must_solve: bool = True,
) -> ProofState:
    """Focus on one goal, introduce ``names``, run the block's tactics; the goal must be solved
    (except for ``focus``, whose remaining goals come first after it)."""
    where = Location(filename, call.line, call.col)
    narrowed = state.narrow(selector)
    if isinstance(narrowed, str):
        raise ElabError(f"{call.name}: {narrowed}", where)
    inner, token = narrowed
    intro_call = [TacticCall("intro", " ".join(names), call.line, call.col)] if names else []
    inner = _run_calls([*intro_call, *call.children], inner, filename, log)
    if must_solve and inner.focus_goals():
        raise ElabError(f"{call.name}: the goal is not solved\n{goals_text(inner)}", where)
    return inner.widen(token)


def _run_program(call: TacticCall, state: ProofState, filename: str, log: list[tuple[TacticCall, Term]]) -> ProofState:
    where = Location(filename, call.line, call.col)
    try:
        program = compile_tactic(call, state)
    except TacticMeshError as err:
        raise ElabError(f"{err.message}\n{goals_text(state)}", where) from None
    result = tactic_machine(Budget(fuel=STEP_FUEL, seconds=STEP_SECONDS)).first(program, state, HANDLERS)
    if not isinstance(result, Success):
        raise ElabError(f"{call.name} failed: {stop_reason(result)}\n{goals_text(state)}", where)
    log.append((call, program))
    return result.state


def goals_text(state: ProofState, indent: str = "  ") -> str:
    """The goals as a person reads them: hypotheses, then ``⊢ target``, one goal after another."""
    parts: list[str] = []
    for ob in state.goals():
        names = {d.fvar: d.user_name for d in ob.local_context}
        printer = Printer(state.environment, names, display=True)
        hyps = [f"{indent}{d.user_name} : {printer.print(state.metavar_graph.instantiate(d.type))}"
                for d in ob.local_context]
        parts.append("\n".join([*hyps, f"{indent}⊢ {printer.print(ob.target_type)}"]))
    return "\n".join(parts) if parts else f"{indent}(no goals)"


def block_start_state(
    env: Environment, statement: Expr, level_params: tuple[str, ...], binder_names: Sequence[str],
    where: Location | None = None,
) -> ProofState:
    """The state a declaration's ``by`` block starts from: its binders introduced, as in Lean."""
    state = ProofState.initial(env, statement, level_params=level_params)
    if TRACING.get():
        state = state.traced()
    if not binder_names:
        return state
    result = Machine({"kernel": KernelHandler()}).first(_intro(list(binder_names), state), state, ["kernel"])
    if not isinstance(result, Success):
        raise ElabError("cannot introduce the declaration's binders", where)
    return result.state


def prove_by_block(
    env: Environment,
    statement: Expr,
    level_params: tuple[str, ...],
    binder_names: list[str],
    text: str,
    line: int,
    col: int,
    filename: str,
) -> Expr:
    """The kernel term proving ``statement`` (``∀ binders, T``) built by the ``by`` block; the
    declaration's binders are introduced first, as in Lean."""
    state = block_start_state(env, statement, level_params, binder_names, Location(filename, line, col))
    final, _ = run_block(text, line, col, state, filename)
    if final.trail_start is not None:  # traced: the term is the replay's, kernel-checked there
        try:
            replayed = assemble(final).proof_term
        except ReplayError as err:
            raise ElabError(err.message, Location(filename, line, col)) from None
        if replayed is None:
            raise ElabError("the tactic block left holes in the proof", Location(filename, line, col))
        return replayed
    term = final.proof_term()
    if term.has_mvar:
        raise ElabError("the tactic block left holes in the proof", Location(filename, line, col))
    return term
