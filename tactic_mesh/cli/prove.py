"""``tactic-mesh prove "STATEMENT"``: prove a statement by automatic search or by a given script.

The statement is elaborated on top of the prelude and the theorem library; the proof term found
is admitted by the kernel type checker (as a theorem) before anything is reported as proved.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from tactic_mesh.kernel.errors import TacticMeshError


def _library_env(library: str = "basics") -> object:
    from tactic_mesh.handlers.artifacts import library_env

    return library_env(library)


def _core_program(log: Sequence[tuple[object, object]]) -> str:
    """Each tactic of a run with the core program it ran as (compiled on the state it met)."""
    from tactic_mesh.calculus.tactic_syntax import TacticCall, print_tactics
    from tactic_mesh.calculus.terms import Term
    from tactic_mesh.codecs.dsl import print_program

    parts: list[str] = []
    for call, program in log:
        assert isinstance(call, TacticCall) and isinstance(program, Term)
        parts.append(f"-- {print_tactics([call]).strip().splitlines()[0]}")
        parts.append(print_program(program))
    return "\n".join(parts)


def run_prove(args: argparse.Namespace) -> int:
    import attrs

    from tactic_mesh.calculus.assembly import final_proof_term
    from tactic_mesh.calculus.search import Searcher
    from tactic_mesh.calculus.state import ProofState
    from tactic_mesh.calculus.tactic_block import run_block
    from tactic_mesh.kernel.declarations import axioms_of
    from tactic_mesh.kernel.deep import run_deep
    from tactic_mesh.kernel.elab import Elaborator
    from tactic_mesh.kernel.environment import Environment, TheoremDecl
    from tactic_mesh.kernel.expr import Expr
    from tactic_mesh.kernel.printer import Printer
    from tactic_mesh.kernel.syntax import parse_term
    from tactic_mesh.kernel.typechecker import add_decl

    def fail(message: str, extra: dict[str, object] | None = None) -> int:
        if args.json:
            json.dump({"proved": False, "error": message, **(extra or {})}, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            print(f"error: {message}", file=sys.stderr)
        return 1

    log: Sequence[tuple[object, object]] | None = None  # what each tactic ran as (a script run)
    try:
        env = _library_env(args.library)
        assert isinstance(env, Environment)
        el = Elaborator(env, "<statement>")

        def elaborate() -> Expr:
            stx = parse_term(args.statement, "<statement>")
            e = el.instantiate(el.elab_type(stx))
            el.synthesize_pending()
            return el.instantiate(e)

        statement = run_deep(elaborate)  # deep statements need a deep stack
        if statement.has_mvar or statement.has_level_mvar:
            return fail("the statement has parts that cannot be determined (add type ascriptions)")
        state = ProofState.initial(env, statement, level_params=tuple(el.level_params))
        if args.trace:
            state = state.traced()
        if args.by is not None:
            final, log = run_deep(run_block, "by\n" + args.by, 0, 1, state, "<by>")
            script = tuple(line.rstrip() for line in args.by.splitlines() if line.strip())
            stats: dict[str, object] = {"mode": "script"}
        else:
            result = run_deep(Searcher(args.max_nodes, args.budget).search, state)
            stats = {"mode": "search", "expanded": result.expanded, "generated": result.generated,
                     "seconds": round(result.seconds, 3)}
            if result.state is None:
                tried = ", ".join(f"{name} {ok}/{n}" for name, n, ok in result.tried) or "nothing applied"
                left = "\n".join(f"  {g}" for g in result.best_goals)
                furthest = "; ".join(result.best_script) or "(no step)"
                return fail(
                    f"no proof found: {result.reason}\n"
                    f"tried (tactic applied/tried): {tried}\n"
                    f"furthest: {furthest}, leaving {len(result.best_goals)} goal(s):\n{left}",
                    {"stats": stats, "tried": [{"tactic": t, "tried": n, "applied": ok} for t, n, ok in result.tried],
                     "furthest_script": list(result.best_script), "goals_left": list(result.best_goals)},
                )
            final, script = result.state, result.script
        artifacts: tuple[object, object] | None = None
        trace = None
        if args.trace:  # the proof term is rebuilt by a sequential replay of the committed steps
            from tactic_mesh.calculus.assembly import assemble

            trace = attrs.evolve(assemble(final), theorem=args.name, source=(("library", args.library),))
            if trace.proof_term is None:
                return fail("the replayed steps leave goals open")
            term = trace.proof_term
        else:
            term = final_proof_term(final)
        if term.has_mvar:
            return fail("the proof still has holes that are not goals (an unsolved unification problem)")
        # the trusted kernel admits the proof as a theorem: only then is it reported as proved
        admitted = add_decl(env, TheoremDecl("_prove_goal", tuple(el.level_params), statement, term))
        if "sorryAx" in axioms_of(admitted, "_prove_goal"):
            return fail("the proof uses sorry: nothing is proved")
        if trace is not None:
            from tactic_mesh.handlers.artifacts import write_artifacts

            artifacts = write_artifacts(Path(args.trace), trace)
    except TacticMeshError as err:
        return fail(str(err))
    except OSError as err:
        return fail(f"cannot write the artifacts: {err.strerror or err}")
    printer = Printer(env)
    core = None
    if args.expand:  # the search's script is run once more to record what each tactic ran as
        if log is None:
            _, log = run_deep(run_block, "by\n" + "\n".join(script), 0, 1, state, "<by>")
        core = _core_program(log)
    if args.json:
        payload = {
            "proved": True,
            "statement": printer.print(statement),
            "script": list(script),
            "proof_term": printer.print(term),
            "kernel_checked": True,
            "stats": stats,
            **({"artifacts": [str(p) for p in artifacts]} if artifacts is not None else {}),
            **({"core_program": core} if core is not None else {}),
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"theorem : {printer.print(statement)} := by")
    for line in script:
        print(f"  {line}")
    if core is not None:
        print("core programs (each tactic as it ran, compiled on the state it met):")
        print("\n".join(f"  {line}" for line in core.splitlines()))
    print(f"proof term: {printer.print(term)}")
    if stats.get("mode") == "search":
        print(f"search: {stats['expanded']} nodes expanded, {stats['generated']} generated, {stats['seconds']} s")
    if artifacts is not None:
        print(f"artifacts: {artifacts[0]}, {artifacts[1]} (the proof term was rebuilt by a sequential replay)")
    print("proved: the kernel type checker re-checked the proof term")
    return 0
