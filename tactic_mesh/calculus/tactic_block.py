"""``by`` blocks: Lean-style tactic scripts, compiled tactic by tactic into core programs.

A block is a sequence of tactics separated by newlines or ``;``.  As in Lean, the tactics of a
block run one after the other and each commits to its first success; a failing tactic stops the
block with its location and the goals it was applied to.  A tactic may look at the current
proof state to decide its core program (``induction n`` needs the type of ``n``), so each one is
compiled just before it runs; the compiled programs are recorded.

Supported: ``intro x …``, ``intros``, ``exact e``, ``refine e``, ``apply e``, ``rfl``,
``constructor``, ``left``, ``right``, ``exists e``, ``exfalso``, ``assumption``, ``contradiction``,
``have``, ``show t``, ``induction x``, ``cases x``, ``rw [..] (at h)``, ``simp``, ``calc`` (``=``
chains), ``all_goals t``, ``any_goals t``, ``done``, bullets ``·``, ``t <;> u``, ``t <|> u``.
"""

from __future__ import annotations

import attrs

from tactic_mesh.calculus.kernel_handler import KernelHandler
from tactic_mesh.calculus.machine import Budget, Machine, Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import apply, exact, first, intro, refine, repeat, rewrite, try_
from tactic_mesh.calculus.terms import Fail, Focus, Pure, Term, VStr, seq
from tactic_mesh.kernel.environment import Environment, InductiveInfo
from tactic_mesh.kernel.errors import ElabError, Location, TacticMeshError
from tactic_mesh.kernel.expr import BinderInfo, Const, Expr, Pi, const_name, get_app_fn_args, has_loose_bvar
from tactic_mesh.kernel.printer import Printer

MAX_APPLY_ARGS = 8
STEP_FUEL = 200_000


@attrs.frozen
class TacticCall:
    name: str
    arg: str
    line: int  # 1-based, in the file
    col: int
    children: tuple[TacticCall, ...] = ()  # the tactics of a `·` bullet


def _top_level_split(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside brackets."""
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i += len(sep)
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _call_of(text: str, line: int, col: int) -> TacticCall:
    for combinator in ("<;>", "<|>"):
        if len(_top_level_split(text, combinator)) > 1:
            return TacticCall(combinator, text, line, col)
    name, _, arg = text.partition(" ")
    return TacticCall(name, arg.strip(), line, col)


def _merge_calc_steps(calls: list[TacticCall]) -> list[TacticCall]:
    """``_ = c := p`` lines continue the preceding ``calc``."""
    out: list[TacticCall] = []
    for call in calls:
        if call.name == "_" and out and out[-1].name == "calc":
            out[-1] = attrs.evolve(out[-1], arg=f"{out[-1].arg} ; _ {call.arg}")
        else:
            out.append(call)
    return out


def _group_bullets(calls: list[TacticCall]) -> list[TacticCall]:
    """``· t`` and the following tactics indented further form one bullet."""
    calls = _merge_calc_steps(calls)
    out: list[TacticCall] = []
    i = 0
    while i < len(calls):
        call = calls[i]
        if call.name != "·":
            out.append(call)
            i += 1
            continue
        body: list[TacticCall] = []
        if call.arg:
            body.append(_call_of(call.arg, call.line, call.col + 2))
        j = i + 1
        while j < len(calls) and (calls[j].line == call.line or calls[j].col > call.col):
            body.append(calls[j])
            j += 1
        out.append(attrs.evolve(call, children=tuple(_group_bullets(body))))
        i = j
    return out


def split_block(text: str, line: int, col: int) -> list[TacticCall]:
    """Split ``by …`` text (starting at ``line:col`` of the file) into tactic calls: separated by
    newlines or ``;`` outside brackets (a term spanning lines must be inside brackets)."""
    calls: list[TacticCall] = []
    depth = 0
    start = text.index("by") + 2

    def flush(end: int) -> None:
        chunk = text[start:end]
        stripped = chunk.strip()
        if not stripped or stripped.startswith("--"):
            return
        before = text[: start + len(chunk) - len(chunk.lstrip())]
        ln = line + before.count("\n")
        cl = len(before) - before.rfind("\n") if "\n" in before else col + len(before)
        calls.append(_call_of(stripped, ln, cl))

    skip_to = -1
    for i, ch in enumerate(text):
        if i < start or i < skip_to:
            continue
        if ch == "-" and text.startswith("--", i):  # a comment runs to the end of the line
            end = text.find("\n", i)
            skip_to = len(text) if end < 0 else end
            continue
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth <= 0 and ch in "\n;":
            if ch == ";" and text[i - 1 : i] == "<" and text[i + 1 : i + 2] == ">":
                continue  # the `<;>` combinator, not a separator
            flush(i)
            start = i + 1
    flush(len(text))
    return _group_bullets(calls)


class TacticError(TacticMeshError):
    pass


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
            raise TacticError("assumption: no hypotheses", _loc(call))
        return first(*(exact(h) for h in hyps))
    if name == "<|>":
        parts = _top_level_split(call.arg, "<|>")
        return first(*(compile_tactic(_call_of(p, call.line, call.col), state) for p in parts))
    if name in ("all_goals", "any_goals"):
        inner = compile_tactic(_inner_call(call), state)
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
        return rewrite(_rules(rules_text, call), location.strip() or None)
    if name in ("induction", "cases"):
        return _elim(name, _need(arg, call), state, call)
    raise TacticError(f"unknown tactic '{name}'", _loc(call))


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


def _rules(arg: str, call: TacticCall) -> list[tuple[str, bool]]:
    text = arg.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise TacticError("rw: expected a list of equations `[h, ← h']`", _loc(call))
    rules: list[tuple[str, bool]] = []
    depth, start = 0, 1
    for i, ch in enumerate(text[1:-1], start=1):
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif ch == "," and depth == 0:
            rules.append(_rule(text[start:i]))
            start = i + 1
    rules.append(_rule(text[start:-1]))
    if any(not r[0] for r in rules):
        raise TacticError("rw: an empty rule", _loc(call))
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
        extra = [r[0] if not r[1] else f"← {r[0]}" for r in _rules(text, call)]
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
    steps = first(*(rewrite([rule], location) for rule in rules))
    done = (exact("rfl"),) if location is None else ()
    return first(*done, seq(steps, repeat(steps, "simp")), Fail(VStr("simp made no progress")))


def _calc(call: TacticCall) -> Term:
    """``calc a = b := p₁; _ = c := p₂ …`` (steps on one line separated by `;`, or on the following
    lines indented further, each inside brackets when it spans lines): ``exact Eq.trans …``."""
    steps = [s for s in _top_level_split(call.arg.replace("\n", " ; "), ";") if s]
    if not steps:
        raise TacticError("calc: expected steps `a = b := proof`", _loc(call))
    terms: list[str] = []
    previous_rhs: str | None = None
    for step in steps:
        relation, sep, proof = step.partition(":=")
        lhs, eq, rhs = relation.partition(" = ")
        if not sep or not eq:
            raise TacticError(f"calc: a step must read `a = b := proof`, got `{step}`", _loc(call))
        lhs, rhs = lhs.strip(), rhs.strip()
        if lhs == "_":
            if previous_rhs is None:
                raise TacticError("calc: the first step cannot start with `_`", _loc(call))
            lhs = previous_rhs
        terms.append(f"(({proof.strip()}) : ({lhs}) = ({rhs}))")
        previous_rhs = rhs
    proof_text = terms[0]
    for t in terms[1:]:
        proof_text = f"(Eq.trans {proof_text} {t})"
    return exact(proof_text)


def _inner_call(call: TacticCall) -> TacticCall:
    inner = _need(call.arg, call)
    name, _, arg = inner.partition(" ")
    return TacticCall(name, arg.strip(), call.line, call.col + len(call.name) + 1)


def _need(arg: str, call: TacticCall) -> str:
    if not arg:
        raise TacticError(f"{call.name}: an argument is expected", _loc(call))
    return arg


def _loc(call: TacticCall) -> Location:
    return Location("<tactic>", call.line, call.col)


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
    target = checker.whnf(state.metavar_graph.instantiate(state.metavar_graph.decl(_main(state)).type))
    binders: list[str] = []
    for name in names:
        if not isinstance(target, Pi):
            binders.append(name)  # let elaboration report the mismatch
            continue
        if target.bi is BinderInfo.IMPLICIT:
            binders.append(f"{{{name} : _}}")
        elif target.bi is BinderInfo.STRICT_IMPLICIT:
            binders.append(f"⦃{name} : _⦄")
        elif target.bi is BinderInfo.INST_IMPLICIT:
            binders.append(f"[{name} : _]")
        else:
            binders.append(name)
        target = checker.whnf(target.body) if not target.body.loose else target.body
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
    """``have h : T := e`` adds ``h`` to the goal.  ``have h : T`` leaves two goals: the main
    goal with ``h``, then ``T`` (Lean puts ``T`` first; reordering goals comes later)."""
    head, sep, proof = arg.partition(":=")
    name, colon, ty = head.partition(":")
    if not colon or not name.strip() or not ty.strip():
        raise TacticError("have: expected `have h : T := e` or `have h : T`", _loc(call))
    body = f"(fun ({name.strip()} : {ty.strip()}) => ?_)"
    if sep:
        return refine(f"{body} ({proof.strip()})")
    return refine(f"{body} ?_")


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
        raise TacticError("contradiction: no hypotheses", _loc(call))
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
        raise TacticError("constructor: the goal is not an inductive type", _loc(call))
    return list(info.constructors)


def _elim(tactic: str, var: str, state: ProofState, call: TacticCall) -> Term:
    """``induction x`` / ``cases x``: the recursor of ``x``'s type with one new goal per minor
    premise (``cases`` without the induction hypotheses); the motive is the goal with ``x``
    abstracted (eliminator elaboration)."""
    lctx = _main_lctx(state)
    decl = next((d for d in reversed(lctx) if d.user_name == var), None)
    if decl is None:
        raise TacticError(f"{tactic}: unknown variable '{var}'", _loc(call))
    checker = KernelHandler.elaborator(state, _main(state)).tc
    ty = checker.whnf(state.metavar_graph.instantiate(decl.type))
    head, _ = get_app_fn_args(ty)
    info = state.environment.find(head.name) if isinstance(head, Const) else None
    if not isinstance(info, InductiveInfo):
        raise TacticError(f"{tactic}: '{var}' is not of an inductive type", _loc(call))
    rec = state.environment.find(info.name + ".rec")
    assert rec is not None
    minors = len(info.constructors)
    if info.num_indices:
        raise TacticError(f"{tactic}: indexed families are not supported yet", _loc(call))
    holes = " ".join(["?_"] * minors)
    return refine(f"{info.name}.rec {holes} {var}")


def run_block(
    text: str, line: int, col: int, state: ProofState, filename: str
) -> tuple[ProofState, list[tuple[TacticCall, Term]]]:
    """Run a ``by`` block; returns the final state (complete) and the programs that ran."""
    log: list[tuple[TacticCall, Term]] = []
    state = _run_calls(split_block(text, line, col), state, filename, log)
    if state.active_obligations:
        raise ElabError(f"unsolved goals\n{_goals_text(state)}", Location(filename, line, col))
    return state, log


def _run_calls(
    calls: list[TacticCall] | tuple[TacticCall, ...], state: ProofState, filename: str,
    log: list[tuple[TacticCall, Term]],
) -> ProofState:
    for call in calls:
        state = _run_call(call, state, filename, log)
    return state


def _run_call(call: TacticCall, state: ProofState, filename: str, log: list[tuple[TacticCall, Term]]) -> ProofState:
    where = Location(filename, call.line, call.col)
    if call.name == "done":
        if state.active_obligations:
            raise ElabError(f"done: goals remain\n{_goals_text(state)}", where)
        return state
    if call.name == "·":  # focus on the main goal; the bullet must solve it
        narrowed = state.narrow("main")
        if isinstance(narrowed, str):
            raise ElabError(f"·: {narrowed}", where)
        inner, token = narrowed
        inner = _run_calls(call.children, inner, filename, log)
        if inner.focus_goals():
            raise ElabError(f"·: the goal is not solved\n{_goals_text(inner)}", where)
        return inner.widen(token)
    if call.name == "<;>":  # t <;> u: u on every goal that t produced
        first_text, *rest = _top_level_split(call.arg, "<;>")
        before = set(state.active_obligations)
        state = _run_call(_call_of(first_text, call.line, call.col), state, filename, log)
        for then_text in rest:
            new_goals = [g for g in state.active_obligations if g not in before]
            for g in new_goals:
                narrowed = state.narrow(state.obligation_id(g))
                if isinstance(narrowed, str):
                    continue  # solved meanwhile
                inner, token = narrowed
                inner = _run_call(_call_of(then_text, call.line, call.col), inner, filename, log)
                state = inner.widen(token)
        return state
    try:
        program = compile_tactic(call, state)
    except TacticMeshError as err:
        raise ElabError(err.message, where) from None
    machine: Machine[ProofState] = Machine({"kernel": KernelHandler()}, budget=Budget(fuel=STEP_FUEL))
    result = machine.first(program, state, ["kernel"])
    if not isinstance(result, Success):
        reason = getattr(result, "reason", result)
        shown = getattr(reason, "value", reason)
        raise ElabError(f"{call.name} failed: {shown}\n{_goals_text(state)}", where)
    log.append((call, program))
    return result.state


def _goals_text(state: ProofState) -> str:
    parts: list[str] = []
    for ob in state.goals():
        names = {d.fvar: d.user_name for d in ob.local_context}
        printer = Printer(state.environment, names, display=True)
        hyps = [f"  {d.user_name} : {printer.print(state.metavar_graph.instantiate(d.type))}" for d in ob.local_context]
        parts.append("\n".join([*hyps, f"  ⊢ {printer.print(ob.target_type)}"]))
    return "\n".join(parts) if parts else "  (no goals)"


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
    state = ProofState.initial(env, statement, level_params=level_params)
    if binder_names:
        result = Machine({"kernel": KernelHandler()}).first(_intro(binder_names, state), state, ["kernel"])
        if not isinstance(result, Success):
            raise ElabError("cannot introduce the declaration's binders", Location(filename, line, col))
        state = result.state
    final, _ = run_block(text, line, col, state, filename)
    term = final.proof_term()
    if term.has_mvar:
        raise ElabError("the tactic block left holes in the proof", Location(filename, line, col))
    return term
