"""LeanDojo adapter (the ``lean`` extra): tactic programs run through LeanDojo's interaction API.

``DojoBackend(theorem)`` is a ``LeanBackend`` (``lean/handler_state.py``) over
``lean_dojo.Dojo``: entering it enters ``Dojo(Theorem(LeanGitRepo(url, commit), file, name))``,
whose initial ``TacticState`` is the start; each tactic is one ``dojo.run_tac(state, text)``,
answered by

* ``TacticState`` — the new goals (its ``pp``, read by ``lean/goals.py``);
* ``ProofFinished`` — *no goals*.  LeanDojo says so when the tactic state prints ``no goals``;
  that alone is not a proof, so ``LeanHandler.verify`` re-checks the whole proof with
  ``lean_dojo.check_proof(theorem, "by …")`` (the theorem's file elaborated again with the proof
  in place: no error, no ``sorry`` warning) before it says "proved"; a script that mentions
  ``sorry``/``admit`` is rejected before that (check_proof's warning pattern is the old
  ``'sorry'`` spelling only);
* ``LeanError`` — a failed tactic (a catchable failure with Lean's message);
* ``ProofGivenUp`` — the tactic used ``sorry``: a failed tactic too.

``DojoTacticTimeoutError``, ``DojoCrashError``, any other exception out of ``run_tac`` and an
unknown answer stop the run (``Panic``).  A timeout stops it too: LeanDojo's ``_read_next_line``
gives up waiting but leaves the Lean process busy with the tactic, whose answer would then be read
as the answer to the *next* request — the session is out of step.  LeanDojo has no command mode in
tactic sessions, so ``ReadEnvironment`` is refused by this backend.

``lean_dojo`` is imported lazily, and only here.  When it is missing or cannot be imported (it
checks ``git`` at import time), or no Lean toolchain (``lake``) is on ``PATH``, the adapter raises
``DojoUnavailable`` with the reason — never an ``ImportError`` traceback; ``dojo_unavailable()``
says the reason without raising.
"""

from __future__ import annotations

import contextlib
import importlib
import shutil
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType, TracebackType
from typing import Any

import attrs

from tactic_mesh.calculus.terms import Term
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.lean.goals import GoalTextError, TermReader, parse_goals
from tactic_mesh.lean.handler import LeanHandler, LeanRun, prove
from tactic_mesh.lean.handler_state import (
    LeanBackendError,
    LeanProvenance,
    LeanStartError,
    LeanState,
    LeanStep,
    Recheck,
    proof_block,
)
from tactic_mesh.lean.handler_text import mentions_sorry

INSTALL_HINT = "install the `lean` extra: pip install 'tactic-mesh[lean]'"


class DojoUnavailable(TacticMeshError):
    """LeanDojo cannot be used here; ``reason`` says why (not installed, import failed, no
    toolchain)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"LeanDojo is unavailable: {reason}")
        self.reason = reason


def _which(program: str) -> str | None:
    return shutil.which(program)


def load_lean_dojo() -> ModuleType:
    """The ``lean_dojo`` module, or ``DojoUnavailable``.  Importing it may fail in more ways than
    ``ImportError`` (it runs ``git --version`` and asserts on the result)."""
    cached = sys.modules.get("lean_dojo")
    if cached is not None:
        return cached
    try:
        return importlib.import_module("lean_dojo")
    except ImportError as err:
        if err.name == "lean_dojo":
            raise DojoUnavailable(f"the lean_dojo package is not installed ({INSTALL_HINT})") from None
        raise DojoUnavailable(f"importing lean_dojo failed: {type(err).__name__}: {err}") from None
    except Exception as err:  # lean_dojo's import-time checks raise AssertionError, OSError, …
        raise DojoUnavailable(f"importing lean_dojo failed: {type(err).__name__}: {err}") from None


def check_toolchain() -> None:
    """``DojoUnavailable`` unless a Lean toolchain (``lake``) and ``git`` are on ``PATH``."""
    if _which("lake") is None:
        raise DojoUnavailable("no Lean toolchain: `lake` is not on PATH (install elan and a Lean 4 toolchain)")
    if _which("git") is None:
        raise DojoUnavailable("`git` is not on PATH (LeanDojo clones and traces repositories with it)")


def dojo_unavailable() -> str | None:
    """Why LeanDojo cannot be used here, or None when it can."""
    try:
        load_lean_dojo()
        check_toolchain()
    except DojoUnavailable as err:
        return err.reason
    return None


@attrs.frozen
class DojoTheorem:
    """A theorem of a Lean repository, as LeanDojo names it."""

    url: str
    commit: str
    file_path: str
    full_name: str


class DojoBackend:
    """A ``LeanBackend`` over one ``lean_dojo.Dojo`` tactic session (a context manager)."""

    name = "lean-dojo"

    def __init__(
        self, theorem: DojoTheorem, *, timeout: int = 600, additional_imports: Sequence[str] = (),
        module: ModuleType | None = None, require_toolchain: bool = True,
    ) -> None:
        self.theorem = theorem
        self.timeout = timeout
        self.additional_imports = tuple(additional_imports)
        self._module = module
        self._require_toolchain = require_toolchain
        self._dojo_cm: Any = None
        self._dojo: Any = None
        self._thm: Any = None
        self._lean_version = "unknown"
        self._init: Any = None
        self._states: dict[int, Any] = {}
        self._out_of_step: str | None = None  # why the session cannot go on (a tactic timed out)

    @property
    def module(self) -> ModuleType:
        if self._module is None:
            self._module = load_lean_dojo()
        return self._module

    # -- the session ------------------------------------------------------------------------------

    def __enter__(self) -> DojoBackend:
        mod = self.module
        if self._require_toolchain:
            check_toolchain()
        try:
            repo = mod.LeanGitRepo(self.theorem.url, self.theorem.commit)
            self._lean_version = str(getattr(repo, "lean_version", "unknown"))
            self._thm = mod.Theorem(repo, self.theorem.file_path, self.theorem.full_name)
            self._dojo_cm = mod.Dojo(self._thm, timeout=self.timeout, additional_imports=list(self.additional_imports))
            self._dojo, self._init = self._dojo_cm.__enter__()
        except Exception as err:  # DojoInitError, git and network failures while tracing, …
            raise LeanStartError(f"lean-dojo: {self.theorem.full_name} could not be started: "
                                 f"{type(err).__name__}: {err}") from None
        if not isinstance(self._init, mod.TacticState):
            self.__exit__(None, None, None)
            raise LeanStartError(f"lean-dojo: the initial state is not a tactic state: {self._init!r}")
        self._states = {self._init.id: self._init}
        self._out_of_step = None
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        cm, self._dojo_cm, self._dojo = self._dojo_cm, None, None
        if cm is None:
            return
        try:
            cm.__exit__(exc_type, exc, tb)
        except Exception as err:  # killing Lean, removing the modified file …
            why = f"lean-dojo: leaving the Dojo failed: {type(err).__name__}: {err}"
            if exc is None:
                raise LeanBackendError(why, fatal=True, kind="crashed") from None
            exc.add_note(why)  # the error in flight stays the one reported

    def _entered(self) -> Any:
        if self._dojo is None:
            raise LeanBackendError("lean-dojo: the session is not open (use `with DojoBackend(...)`)", fatal=True,
                                   kind="closed")
        return self._dojo

    # -- LeanBackend --------------------------------------------------------------------------------

    def provenance(self) -> LeanProvenance:
        version = str(getattr(self.module, "__version__", "unknown"))
        t = self.theorem
        return LeanProvenance(
            backend=self.name,
            toolchain=self._lean_version,
            repl_revision=f"lean-dojo {version}",
            header=f"{t.url}@{t.commit}:{t.file_path}",  # the theorem's file before it is the context
            extra=(("theorem", t.full_name),),
        )

    def start(self, declaration: str) -> LeanStep:
        """The Dojo's initial state (``declaration`` is informational: the theorem is fixed)."""
        self._entered()
        return LeanStep(self._init.id, _goal_texts(self._init.pp), None, False)

    def run_tactic(self, proof_state: int, tactic: str) -> LeanStep:
        mod, dojo = self.module, self._entered()
        state = self._states.get(proof_state)
        if state is None:
            raise LeanBackendError(f"lean-dojo: unknown tactic state {proof_state}", fatal=True,
                                   kind="unknown-proof-state")
        if self._out_of_step is not None:
            raise LeanBackendError(self._out_of_step, fatal=True, kind="timeout")
        try:
            result = dojo.run_tac(state, tactic)
        except mod.DojoTacticTimeoutError:
            # the Lean process still runs the tactic; its answer would be read as the next one's
            self._out_of_step = (f"lean-dojo: tactic {tactic!r} timed out after {self.timeout}s; the Dojo session "
                                 "cannot go on (Lean is still running it)")
            raise LeanBackendError(self._out_of_step, fatal=True, kind="timeout") from None
        except mod.DojoCrashError as err:
            raise LeanBackendError(f"lean-dojo: Lean crashed: {err}", fatal=True, kind="crashed") from None
        except Exception as err:  # run_tac's own checks (RuntimeError, AssertionError), pexpect, encoding …
            raise LeanBackendError(f"lean-dojo: run_tac failed on {tactic!r}: {type(err).__name__}: {err}",
                                   fatal=True, kind="protocol") from None
        if isinstance(result, mod.TacticState):
            self._states[result.id] = result
            return LeanStep(result.id, _goal_texts(result.pp), "open goals", False)
        if isinstance(result, mod.ProofFinished):
            # "no goals": only a re-check (`verify`) makes it a proof
            return LeanStep(result.tactic_state_id, (), "ProofFinished (no goals)", True)
        if isinstance(result, mod.LeanError):
            return LeanStep(proof_state, (), None, False, errors=(str(result.error),))
        if isinstance(result, mod.ProofGivenUp):
            return LeanStep(proof_state, (), None, False, errors=("lean-dojo: the proof was given up (sorry)",),
                            uses_sorry=True)
        raise LeanBackendError(f"lean-dojo: unexpected answer to run_tac: {result!r}", fatal=True, kind="protocol")

    def recheck(self, declaration: str, script: Sequence[str]) -> Recheck:
        proof = proof_block(script)
        if mentions_sorry(proof):
            # lean_dojo.check_proof looks for the warning "declaration uses 'sorry'" only; Lean 4 now
            # writes `sorry` in backticks, which it would miss.  (The handler never sends such text.)
            return Recheck(False, proof, ("the proof mentions `sorry`/`admit`",))
        check = getattr(self.module, "check_proof", None)
        if check is None:
            return Recheck(False, proof, ("this lean_dojo has no check_proof: the proof cannot be re-checked",))
        try:
            ok = bool(check(self._thm, proof))
        except Exception as err:  # its own failures to run: never "proved"
            return Recheck(False, proof, (f"lean_dojo.check_proof failed to run: {type(err).__name__}: {err}",))
        return Recheck(True, proof) if ok else Recheck(False, proof, ("lean_dojo.check_proof rejected the proof",))

    def constant_type(self, name: str) -> str:
        raise LeanBackendError("lean-dojo: a tactic session has no command mode; ReadEnvironment is not served",
                               fatal=True, kind="unsupported")


def _goal_texts(pp: str) -> tuple[str, ...]:
    try:
        return tuple(g.text for g in parse_goals(pp))
    except GoalTextError:
        return (pp,)  # kept whole: the handler reads it as one goal it does not understand


@contextlib.contextmanager
def dojo_session(
    theorem: DojoTheorem, *, timeout: int = 600, reader: TermReader | None = None, module: ModuleType | None = None,
    require_toolchain: bool = True,
) -> Iterator[tuple[LeanHandler, LeanState]]:
    """A Lean handler over a LeanDojo session for ``theorem``, and its start state."""
    with DojoBackend(theorem, timeout=timeout, module=module, require_toolchain=require_toolchain) as backend:
        handler = LeanHandler(backend, reader)
        yield handler, handler.start(theorem.full_name)


def prove_with_dojo(
    theorem: DojoTheorem, program: Term | str, *, timeout: int = 600, module: ModuleType | None = None,
    require_toolchain: bool = True,
) -> LeanRun:
    """``prove`` through LeanDojo: the first success that ``lean_dojo.check_proof`` confirms."""
    with DojoBackend(theorem, timeout=timeout, module=module, require_toolchain=require_toolchain) as backend:
        return prove(LeanHandler(backend), theorem.full_name, program)


__all__ = [
    "DojoBackend",
    "DojoTheorem",
    "DojoUnavailable",
    "check_toolchain",
    "dojo_session",
    "dojo_unavailable",
    "load_lean_dojo",
    "prove_with_dojo",
]
