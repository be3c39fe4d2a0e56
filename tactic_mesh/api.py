"""The library's entry point: a ``Session`` holding an environment, and what it does with it.

    from tactic_mesh import Session

    session = Session()                              # the prelude and the ``basics`` library
    result = session.prove("∀ n : Nat, n + 0 = n")  # best-first search
    print(result.script, result.proof_term_text, result.kernel_checked)

    state = session.goal("∀ p q : Prop, p ∧ q → q ∧ p")
    state = session.run(state, "intro p q h")       # tactic text, a TacticCall or a core program
    state = session.run(state, "cases h")
    print(session.goals_text(state))

**The guarantee.** A ``ProofResult`` exists only for a proof the trusted kernel type checker has
admitted: ``prove`` elaborates the statement, finds or runs the script, takes the final term
from the finished state (with ``trace=True``: from a sequential replay of the committed steps),
refuses terms with holes, admits the term as a theorem (``kernel.declarations.admit_theorem``) and
refuses a proof that depends on ``sorryAx`` (or, with ``allow_axioms=False``, on any axiom).
Only then is the result built — its constructor demands the admission, which only this module
makes — so ``kernel_checked`` is always ``True``.  Search policies, experts, peers and Lean
suggest; the kernel decides.

Errors are ``TacticMeshError``s with a location (``<statement>:1:5``, ``file.tm:3:7``, the
failing tactic): ``NoProofFound`` when the search ends without a proof (with what it tried and
how far it got), ``ElabError`` when a given script fails, ``ProofRejected`` when the kernel refuses
a term (a bug in an untrusted component, reported, never hidden).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

import attrs

from tactic_mesh.calculus.assembly import ProofAssemblyTrace, assemble, final_proof_term
from tactic_mesh.calculus.machine import Budget
from tactic_mesh.calculus.outcomes import Success
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall, split_tactics
from tactic_mesh.calculus.tactics import HANDLERS, compile_tactic, goals_text, stop_reason
from tactic_mesh.calculus.tactics.common import STEP_FUEL, STEP_SECONDS
from tactic_mesh.calculus.terms import Term
from tactic_mesh.handlers.blocks import prove_by_block, run_block, run_calls, tactic_machine
from tactic_mesh.handlers.policy import SearchPolicy, policy_named
from tactic_mesh.handlers.search import Searcher, SearchResult
from tactic_mesh.handlers.symbolic import symbolic_handlers
from tactic_mesh.kernel.commands import CommandResult, FileChecker, Options
from tactic_mesh.kernel.declarations import TheoremRefused, admit_theorem
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.elab import Elaborator
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import ElabError, Location, TacticMeshError
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.kernel.printer import Printer
from tactic_mesh.kernel.syntax import parse_term
from tactic_mesh.neural.policies import default_policy  # also registers the learned policies by name
from tactic_mesh.proofs.library import LIBRARIES, library_env, start_environment

STATEMENT = "<statement>"


class NoProofFound(TacticMeshError):
    """The search ended without a proof; ``search`` says what it tried and how far it got."""

    def __init__(self, message: str, search: SearchResult) -> None:
        super().__init__(message)
        self.search = search


class ProofRejected(TacticMeshError):
    """A term the kernel refuses, or one that depends on ``sorry`` (or a forbidden axiom)."""


@attrs.frozen
class SearchStats:
    mode: str  # "search" or "script"
    expanded: int = 0
    generated: int = 0
    seconds: float = 0.0
    policy: str = ""
    tried: tuple[tuple[str, int, int], ...] = ()  # per tactic: (name, tried, applied)


@attrs.frozen
class _Admission:
    """The kernel's admission of a theorem: made only by ``Session._admit``."""

    environment: Environment  # the environment with the theorem added
    axioms: tuple[str, ...]


@attrs.frozen
class ProofResult:
    """A proof the kernel has admitted (see the module docstring)."""

    name: str
    statement: Expr
    proof_term: Expr
    script: tuple[str, ...]
    core_program: tuple[tuple[TacticCall, Term], ...]  # each tactic with the core program it ran as
    stats: SearchStats
    admission: _Admission = attrs.field(repr=False)
    environment: Environment = attrs.field(repr=False, eq=False)  # the session's (before the theorem)
    trace: ProofAssemblyTrace | None = attrs.field(default=None, repr=False, eq=False)
    kernel_checked: bool = attrs.field(default=True, init=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.admission, _Admission) or self.admission.environment.find(self.name) is None:
            raise ProofRejected("a ProofResult needs the kernel's admission of its theorem")

    @property
    def axioms(self) -> tuple[str, ...]:
        """The axioms the proof depends on (``Session.prove`` refuses ``sorryAx``)."""
        return self.admission.axioms

    @property
    def statement_text(self) -> str:
        return Printer(self.environment).print(self.statement)

    @property
    def proof_term_text(self) -> str:
        return Printer(self.environment).print(self.proof_term)

    def core_text(self) -> str:
        """Each tactic of the script with its core program, in the tactic DSL."""
        from tactic_mesh.calculus.tactic_syntax import print_tactics
        from tactic_mesh.codecs.dsl import print_program

        parts: list[str] = []
        for call, program in self.core_program:
            parts.append(f"-- {print_tactics([call]).strip().splitlines()[0]}")
            parts.append(print_program(program))
        return "\n".join(parts)


P = ParamSpec("P")
R = TypeVar("R")


def _symbolic(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the symbolic handler installed: ``eprover`` serves magma goals in a
    session's scripts and searches (its proofs are replayed and re-checked like any other)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with symbolic_handlers():
            return fn(*args, **kwargs)

    return wrapper


class Session:
    """An environment to prove in: the prelude, a library of ``LIBRARIES`` (``basics``, ``all``;
    ``None``: the prelude alone), then the user's ``files`` checked on top, in order.  A file that
    does not check raises its first error (``file:line:col``)."""

    def __init__(self, library: str | None = "basics", files: Sequence[str | Path] = (),
                 environment: Environment | None = None, options: Options | None = None) -> None:
        self.library = library
        self.options = options or Options()
        if environment is not None:
            env = environment
        elif library is None:
            env = start_environment([Path(f) for f in files])
        else:
            env = library_env(library)
        for f in files:
            checker = FileChecker(env, self.options, prove_by_block)
            results: list[CommandResult] = run_deep(checker.check_file, Path(f))
            bad = [r for r in results if not r.ok]
            if bad:
                raise ElabError(f"{bad[0].kind} {bad[0].name}: {bad[0].message}".strip(), bad[0].loc)
            env = checker.env
        self.environment = env
        self.files = tuple(str(f) for f in files)
        self._policies: dict[str, SearchPolicy] = {}

    @staticmethod
    def libraries() -> tuple[str, ...]:
        return tuple(LIBRARIES)

    # -- goals and tactics -----------------------------------------------------------------------

    def elaborate(self, statement: str) -> tuple[Expr, tuple[str, ...]]:
        """The statement as a kernel type, with its universe parameters."""
        el = Elaborator(self.environment, STATEMENT)

        def go() -> Expr:
            e = el.instantiate(el.elab_type(parse_term(statement, STATEMENT)))
            el.synthesize_pending()
            return el.instantiate(e)

        expr = run_deep(go)  # deep statements need a deep stack
        if expr.has_mvar or expr.has_level_mvar:
            raise ElabError("the statement has parts that cannot be determined (add type ascriptions)",
                            Location(STATEMENT, 1, 1))
        return expr, tuple(el.level_params)

    def goal(self, statement: str, trace: bool = False) -> ProofState:
        """The initial proof state of ``statement`` (one goal); ``trace``: record assembly."""
        expr, levels = self.elaborate(statement)
        state = ProofState.initial(self.environment, expr, level_params=levels)
        return state.traced() if trace else state

    @_symbolic
    def run(self, state: ProofState, program: str | TacticCall | Term, filename: str = "<tactic>") -> ProofState:
        """Run tactic text (one or more tactics, newline- or ``;``-separated), a ``TacticCall`` or
        a core program on ``state``; the state it leaves (goals may remain).  A failing tactic
        raises ``ElabError`` at its location with the goals it met."""
        if isinstance(program, str):
            calls = run_deep(split_tactics, program, 1, 1)
            final: ProofState = run_deep(run_calls, calls, state, filename, [])
            return final
        term = compile_tactic(program, state) if isinstance(program, TacticCall) else program
        result = tactic_machine(Budget(fuel=STEP_FUEL, seconds=STEP_SECONDS)).first(term, state, HANDLERS)
        if not isinstance(result, Success):
            raise ElabError(f"the program failed: {stop_reason(result)}\n{goals_text(state)}",
                            Location(filename, 1, 1))
        return result.state

    @staticmethod
    def goals_text(state: ProofState) -> str:
        return goals_text(state)

    # -- proving -----------------------------------------------------------------------------------

    def prove(self, statement: str, by: str | None = None, budget: float = 5.0, max_nodes: int = 2000,
              policy: str | SearchPolicy = "heuristic", name: str = "_prove_goal", trace: bool = False,
              allow_axioms: bool = True) -> ProofResult:
        """Prove ``statement`` by the script ``by`` or, without one, by best-first search with
        ``policy`` (a registered name — ``heuristic``, ``knn``, ``router`` — ``auto`` for the router
        when torch and a model are installed and the heuristic otherwise, or a ``SearchPolicy``;
        the default is the heuristic, which needs no model) within ``budget`` seconds and
        ``max_nodes`` expanded nodes.  The result is the kernel-admitted proof (module docstring);
        raises ``NoProofFound``, ``ElabError`` (a failing script, at its tactic) or
        ``ProofRejected``."""
        expr, levels = self.elaborate(statement)
        return self.prove_expr(expr, levels, by=by, budget=budget, max_nodes=max_nodes, policy=policy, name=name,
                               trace=trace, allow_axioms=allow_axioms)

    @_symbolic
    def prove_expr(self, expr: Expr, levels: tuple[str, ...] = (), by: str | None = None, budget: float = 5.0,
                   max_nodes: int = 2000, policy: str | SearchPolicy = "heuristic", name: str = "_prove_goal",
                   trace: bool = False, allow_axioms: bool = True) -> ProofResult:
        """``prove`` for a statement already elaborated (a closed type over the universe parameters
        ``levels``), such as a library theorem's type."""
        state = ProofState.initial(self.environment, expr, level_params=levels)
        state = state.traced() if trace else state
        log: list[tuple[TacticCall, Term]] = []
        if by is not None:
            final, log = run_deep(run_block, "by\n" + by, 0, 1, state, "<by>")
            script = tuple(line.rstrip() for line in by.splitlines() if line.strip())
            stats = SearchStats("script")
        else:
            if policy == "auto":
                policy = default_policy()[0]
            chosen = self.policy(policy) if isinstance(policy, str) else policy
            found: SearchResult = run_deep(Searcher(max_nodes, budget, chosen).search, state)
            stats = SearchStats("search", found.expanded, found.generated, round(found.seconds, 3), chosen.name,
                                found.tried)
            if found.state is None:
                raise NoProofFound(f"no proof found: {found.reason}", found)
            final, script = found.state, found.script
            # the script once more, to record what each tactic ran as (and to check it replays)
            _, log = run_deep(run_block, "by\n" + "\n".join(script), 0, 1, state, "<search>")
        assembly = None
        if trace:  # the proof term is rebuilt by a sequential replay of the committed steps
            assembly = attrs.evolve(assemble(final), theorem=name, source=self._source())
            if assembly.proof_term is None:
                raise ProofRejected("the replayed steps leave goals open")
            term = assembly.proof_term
        else:
            term = final_proof_term(final)
        admission = self._admit(name, levels, expr, term, allow_axioms)
        if by is None:
            learn = getattr(chosen, "learn", None)
            if callable(learn):  # the online update of a learned policy: from admitted proofs only
                learn(found.path)
        return ProofResult(name, expr, term, script, tuple(log), stats, admission, self.environment,
                           assembly)

    def policy(self, name: str) -> SearchPolicy:
        """The session's instance of the registered policy ``name`` (made once, so a policy that
        learns online keeps what it learned across ``prove`` calls)."""
        made = self._policies.get(name)
        if made is None:
            made = self._policies[name] = policy_named(name)
        return made

    def _source(self) -> tuple[tuple[str, str], ...]:
        if self.files or self.library is None:
            return (("files", ";".join(self.files)),)
        return (("library", self.library),)

    def _admit(self, name: str, level_params: tuple[str, ...], statement: Expr, term: Expr,
               allow_axioms: bool) -> _Admission:
        """The trusted kernel admits ``term : statement`` as theorem ``name``, or nothing is proved."""
        try:
            admitted, axioms = admit_theorem(self.environment, name, level_params, statement, term, allow_axioms)
        except TheoremRefused as err:
            raise ProofRejected(err.message) from None
        return _Admission(admitted, axioms)

    # -- files ---------------------------------------------------------------------------------------

    @_symbolic
    def check_file(self, path: str | Path) -> list[CommandResult]:
        """Check a ``.tm`` file on top of the session's environment (which it does not change):
        one result per declaration, each admitted by the kernel or carrying its located error."""
        checker = FileChecker(self.environment, self.options, prove_by_block)
        results: list[CommandResult] = run_deep(checker.check_file, Path(path))
        return results

    def check_text(self, text: str, filename: str = "<input>") -> list[CommandResult]:
        checker = FileChecker(self.environment, self.options, prove_by_block)
        results: list[CommandResult] = run_deep(checker.check_text, text, filename)
        return results

    def export(self, target: str, *args: object) -> None:
        """Placeholder: exporting proofs and the environment to Lean 4 source and to the Lean
        kernel's NDJSON export format is the Lean bridge's job (issue 18); until then this raises
        ``NotImplementedError`` rather than writing anything."""
        raise NotImplementedError(f"export to {target!r} arrives with the Lean bridge (issue 18)")


__all__ = [
    "NoProofFound",
    "ProofRejected",
    "ProofResult",
    "SearchStats",
    "Session",
]
