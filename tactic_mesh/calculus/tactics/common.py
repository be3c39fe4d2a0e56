"""Helpers shared by the tactic modules: the main goal, required arguments, rule lists, binder
names, and goals printed for people."""

from __future__ import annotations

from tactic_mesh.calculus.outcomes import Interrupted, OutOfFuel
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, loc, top_level_split
from tactic_mesh.kernel.environment import InductiveInfo
from tactic_mesh.kernel.expr import Const, Expr, FVar, Pi, const_name, get_app_fn, has_loose_bvar
from tactic_mesh.kernel.local_context import LocalDecl
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


def need(arg: str, call: TacticCall) -> str:
    if not arg:
        raise TacticError(f"{call.name}: an argument is expected", loc(call))
    return arg


def main_goal(state: ProofState) -> int:
    goals = state.focus_goals()
    if not goals:
        raise TacticError("no goals left")
    return goals[0]


def main_lctx(state: ProofState) -> list[LocalDecl]:
    return list(state.metavar_graph.decl(main_goal(state)).lctx)


def parse_rules(arg: str, call: TacticCall) -> list[tuple[str, bool]]:
    """``[e, ← e', …]`` (of ``rw``/``simp``) as (term text, right to left) pairs."""
    text = arg.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise TacticError(f"{call.name}: expected a list of equations `[h, ← h']`", loc(call))
    rules = [parse_rule(part) for part in top_level_split(text[1:-1], ",")]
    if any(not r[0] for r in rules):
        raise TacticError(f"{call.name}: an empty rule", loc(call))
    return rules


def parse_rule(text: str) -> tuple[str, bool]:
    text = text.strip()
    for arrow in ("←", "<-"):
        if text.startswith(arrow):
            return text[len(arrow):].strip(), True
    return text, False


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


def conclusion(t: Expr) -> Expr:
    """The conclusion of a ∀/→ type (``t`` itself when it is none)."""
    while isinstance(t, Pi):
        t = t.body
    return t


def head_of(e: Expr) -> str | FVar | None:
    """The head of an application: a constant's name or a free variable (else ``None``)."""
    fn = get_app_fn(e)
    if isinstance(fn, Const):
        return fn.name
    return fn if isinstance(fn, FVar) else None


def inductive_of(state: ProofState, ty: Expr) -> InductiveInfo | None:
    """The inductive type ``ty`` is an instance of (syntactically, without unfolding)."""
    name = const_name(get_app_fn(ty))
    info = state.environment.find(name) if name else None
    return info if isinstance(info, InductiveInfo) else None


def is_equation(t: Expr) -> bool:
    """``a = b``, possibly under ∀/→ binders (a rewrite rule once instantiated)."""
    return const_name(get_app_fn(conclusion(t))) == "Eq"
