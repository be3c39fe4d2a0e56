"""The Lean handler's REPL backend: the Lean side is a Lean REPL session (``lean/repl.py``).

* The base environment is the one the *header* command creates (``import Lean``, ``prelude``, or
  nothing: ``header=""`` runs every command in a fresh environment with Lean's default imports).
* A theorem starts as ``declaration := by sorry`` in the base environment: the sorry's proof state
  is the start, its goal text the one goal.
* A tactic is one REPL ``tactic`` request; a tactic Lean rejects (``TacticResult.error``) or one
  that logged an error (elaboration errors are recovered into ``sorry``) is a failed step.
* The re-check is ``repl_check.check_proof``: the declaration with the script (``declaration :=
  by`` and the tactics) elaborated from scratch in the base environment — no error, no sorry, and,
  when the declaration is named, ``#print axioms`` without ``sorryAx``.

Process and protocol failures (``ReplError``) become ``LeanBackendError``: fatal — the run must
stop — when the session cannot go on (``crashed``, ``protocol``, ``spawn``, ``unknown-env``,
``unknown-proof-state``), not fatal for ``timeout``, ``limit``, ``repl`` (other REPL answers, an
uncaught exception in the REPL) and ``request`` (a text that cannot be sent): the tactic is refused;
the client restarts and replays when it needs to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, cast

from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.lean.handler_state import LeanBackendError, LeanProvenance, LeanStartError, LeanStep, Recheck
from tactic_mesh.lean.handler_text import top_level_assign
from tactic_mesh.lean.repl_check import check_proof, declaration_with_tactics
from tactic_mesh.lean.repl_types import CommandResult, ReplError, TacticResult

if TYPE_CHECKING:
    from tactic_mesh.lean.repl import LeanRepl

FATAL_KINDS = frozenset({"crashed", "protocol", "spawn", "unknown-env", "unknown-proof-state"})
_DECL_NAME = re.compile(
    r"^\s*(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable|nonrec)\s+)*(?:theorem|lemma|def)\s+([^\s(\[{:⦃]+)"
)
_CONSTANT = re.compile(r"^[^\s()\[\]{}:,;\"'`⟨⟩]+$")


class ReplSession(Protocol):
    """What the backend uses of ``lean.repl.LeanRepl`` (a test may pass a scripted stand-in)."""

    def command(
        self, cmd: str, env: int | None = None, *, all_tactics: bool = False, root_goals: bool = False,
        infotree: str | None = None,
    ) -> CommandResult: ...

    def tactic(self, tactic: str, proof_state: int) -> TacticResult: ...

    def provenance(self) -> dict[str, str]: ...


def declaration_name(declaration: str) -> str | None:
    """The constant a ``theorem``/``lemma``/``def`` declares (None for ``example``)."""
    match = _DECL_NAME.match(declaration)
    return match.group(1) if match else None

def _backend_error(err: ReplError, what: str) -> LeanBackendError:
    return LeanBackendError(f"lean: {what}: {err}", fatal=err.kind in FATAL_KINDS, kind=err.kind)


class ReplBackend:
    """A ``LeanBackend`` over a REPL session; ``header`` is run once, lazily, for the base env."""

    name = "lean-repl"

    def __init__(self, repl: ReplSession, header: str = "import Lean") -> None:
        self.repl = repl
        self.header = header
        self._base_env: int | None = None
        self._header_done = not header.strip()
        self._provenance: LeanProvenance | None = None

    @property
    def base_env(self) -> int | None:
        if not self._header_done:
            try:
                result = self.repl.command(self.header)
            except ReplError as err:
                raise _backend_error(err, f"the header {self.header!r} could not run") from None
            if result.errors:
                raise LeanStartError(f"lean: the header {self.header!r} failed: {result.errors[0].data}")
            self._base_env, self._header_done = result.env, True
        return self._base_env

    def provenance(self) -> LeanProvenance:
        if self._provenance is None:
            reported: Mapping[str, str] = self.repl.provenance()
            extra = tuple(sorted((k, str(v)) for k, v in reported.items() if k not in ("lean", "repl_revision")))
            self._provenance = LeanProvenance(
                backend=self.name,
                toolchain=str(reported.get("lean", reported.get("toolchain", "unknown"))),
                repl_revision=str(reported.get("repl_revision", "unknown")),
                header=self.header,
                extra=extra,
            )
        return self._provenance

    def start(self, declaration: str) -> LeanStep:
        if top_level_assign(declaration) is not None:
            raise LeanStartError("lean: the declaration is the statement only (no `:=`): its proof is the script")
        env = self.base_env
        try:
            result = self.repl.command(f"{declaration.rstrip()} := by sorry", env=env)
        except ReplError as err:
            raise _backend_error(err, "the declaration could not be started") from None
        if result.errors:
            raise LeanStartError(f"lean: the declaration does not elaborate: {result.errors[0].data}")
        states = [(s.proof_state, s.goal) for s in result.sorries if s.proof_state is not None]
        if len(states) != 1:
            raise LeanStartError(f"lean: expected one sorry with a proof state, the REPL reported {len(states)}")
        proof_state, goal = states[0]
        return LeanStep(proof_state, (goal,), None, False)

    def run_tactic(self, proof_state: int, tactic: str) -> LeanStep:
        try:
            result = self.repl.tactic(tactic, proof_state)
        except ReplError as err:
            raise _backend_error(err, f"tactic {tactic!r}") from None
        errors = tuple(m.data for m in result.errors)
        if result.error is not None and not errors:
            errors = (result.error,)
        return LeanStep(
            proof_state=result.proof_state,
            goals=result.goals,
            status=result.proof_status,
            completed=result.completed,
            errors=errors,
            uses_sorry=bool(result.sorries),
        )

    def recheck(self, declaration: str, script: Sequence[str]) -> Recheck:
        text = declaration_with_tactics(declaration, script)
        try:
            # check_proof only sends commands: any ReplSession will do
            check = check_proof(cast("LeanRepl", self.repl), self.base_env, text, name=declaration_name(declaration))
        except (ReplError, LeanBackendError) as err:
            return Recheck(False, text, (f"the re-check could not run: {err}",))
        if check.proved:
            return Recheck(True, text)
        return Recheck(False, text, (check.reason,))

    def constant_type(self, name: str) -> str:
        if not _CONSTANT.match(name):
            raise TacticMeshError(f"lean: {name!r} is not a constant name")
        try:
            result = self.repl.command(f"#check @{name}", env=self.base_env)
        except ReplError as err:
            raise _backend_error(err, f"#check @{name}") from None
        if result.errors:
            raise TacticMeshError(f"unknown constant '{name}': {result.errors[0].data}")
        for message in result.messages:
            _head, sep, ty = message.data.partition(" : ")
            if sep and message.severity == "info":
                return " ".join(ty.split())
        raise TacticMeshError(f"lean: `#check @{name}` printed no type")
