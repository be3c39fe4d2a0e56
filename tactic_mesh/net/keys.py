"""Content addresses of verified proofs: the cache key of a closed statement in an environment.

Interface::

    goal_hash(statement, level_params) -> str        hex sha256 of the canonical statement
    environment_root(provenance) -> str              hex sha256 of kernel version, environment, options
    cache_key(goal, root) -> str                     hex sha256 of the two
    key_of(env, statement, level_params, options) -> CacheKey

**Canonical statement.**  The statement is rendered by the kernel's own deterministic expression
text (``kernel.fingerprint``, the rendering constant fingerprints and the environment hash are
made of) after every binder name is erased, together with its universe parameters in order.  So
``goal_hash(a, ps) == goal_hash(b, ps)`` exactly when ``alpha_equiv(a, b)`` (up to sha256
collisions): renaming a bound variable keeps the key, any other change (a constant, a universe
level, a binder's implicitness, a literal) changes it.  Renaming a *universe parameter* changes
it too (names of universe parameters are not canonicalised).

**Environment root.**  ``environment_root`` digests a ``Provenance`` — the kernel version
(``tactic_mesh.version.KERNEL_VERSION``), the content hash of every constant of the environment
(``kernel.fingerprint.environment_hash``, the one the codecs also put in every provenance) and the
checking options (``CheckOptions``: whether a proof may depend on axioms).  A proof cached under
one root is never served under another: a different library, kernel or policy is a different key.

**Failure.**  ``key_of`` raises ``StatementError`` for a statement that is not closed (loose bound
variables, free variables, metavariables, universe metavariables) or whose universe parameters
are not all listed exactly once in ``level_params``.  Every error of ``tactic_mesh.net``'s stores
derives from ``MeshStoreError`` and names the file and the entry concerned.
"""

from __future__ import annotations

import hashlib
import re

import attrs

from tactic_mesh.calculus.state import Provenance
from tactic_mesh.kernel import fingerprint
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Binding, Expr, Let, level_params_of

__all__ = [
    "DEFAULT_OPTIONS", "CacheKey", "CheckOptions", "MeshStoreError", "StatementError", "cache_key", "check_statement",
    "digest_bytes", "environment_root", "erase_binder_names", "expr_text", "goal_hash", "is_digest", "key_of",
    "provenance_of",
]

KEY_VERSION = 1  # part of every digest below: a change of the canonical form is a change of every key
_HEX64 = re.compile(r"[0-9a-f]{64}")


class StatementError(TacticMeshError):
    """A statement that cannot be a cache key: not closed, or its universe parameters wrong."""


class MeshStoreError(TacticMeshError):
    """A persistent store of the mesh (cache, ledger) failed: ``path`` is its file, ``where`` the
    entry concerned (a key, an index) or ``""``."""

    def __init__(self, path: str, where: str, message: str) -> None:
        super().__init__(f"{path}: {where}: {message}" if where else f"{path}: {message}")
        self.path = path
        self.where = where
        self.reason = message


@attrs.frozen
class CheckOptions:
    """What a local check admits (part of the environment root, so of every key)."""

    allow_axioms: bool = True  # ``False``: a proof depending on any axiom is refused

    def pairs(self) -> tuple[tuple[str, str], ...]:
        return (("allow_axioms", "true" if self.allow_axioms else "false"),)


DEFAULT_OPTIONS = CheckOptions()


@attrs.frozen
class CacheKey:
    """A cache key and the two digests it is made of."""

    key: str
    goal: str  # goal_hash of the statement
    env_root: str  # environment_root of the local provenance


def expr_text(e: Expr) -> str:
    """The kernel's canonical rendering of an expression (node kinds and arguments in DAG order),
    the one constant fingerprints are computed from."""
    return fingerprint.expr_text(e)


def erase_binder_names(e: Expr) -> Expr:
    """``e`` with every binder (λ, ∀, let) named ``""``: ``erase(a) is erase(b)`` iff ``alpha_equiv(a, b)``
    (expressions are hash-consed).  Iterative, linear in the DAG size."""
    done: dict[int, Expr] = {}
    for sub in fingerprint.postorder(e):
        kids = [done[id(c)] for c in sub.children()]
        if isinstance(sub, Binding):
            new: Expr = type(sub)("", kids[0], kids[1], sub.bi)
        elif isinstance(sub, Let):
            new = Let("", kids[0], kids[1], kids[2])
        else:
            new = sub.with_children(kids) if kids else sub
        done[id(sub)] = new
    return done[id(e)]


def _sha(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))  # length-prefixed: no two part lists collide
        h.update(data)
    return h.hexdigest()


def check_statement(statement: Expr, level_params: tuple[str, ...]) -> None:
    """Raise ``StatementError`` unless ``statement`` is closed over exactly declared universe parameters."""
    if not isinstance(statement, Expr):
        raise StatementError(f"a statement must be a kernel expression, not {type(statement).__name__}")
    if statement.loose:
        raise StatementError("the statement has loose bound variables")
    if statement.has_fvar:
        raise StatementError("the statement has free variables (close it over its hypotheses)")
    if statement.has_mvar or statement.has_level_mvar:
        raise StatementError("the statement has metavariables")
    if not isinstance(level_params, tuple) or not all(type(p) is str for p in level_params):
        raise StatementError("the universe parameters must be a tuple of names")
    if len(set(level_params)) != len(level_params):
        raise StatementError(f"repeated universe parameter in {level_params!r}")
    undeclared = sorted(level_params_of(statement) - set(level_params))
    if undeclared:
        raise StatementError(f"universe parameters used but not declared: {', '.join(undeclared)}")


def goal_hash(statement: Expr, level_params: tuple[str, ...]) -> str:
    """The canonical hash of a closed statement (see the module docstring)."""
    check_statement(statement, level_params)
    return _sha(f"tactic-mesh goal v{KEY_VERSION}", "\x00".join(level_params), expr_text(erase_binder_names(statement)))


def provenance_of(env: Environment, options: CheckOptions = DEFAULT_OPTIONS) -> Provenance:
    """The provenance a certificate checked in ``env`` under ``options`` carries."""
    return Provenance.of(env, options.pairs())


def environment_root(provenance: Provenance) -> str:
    """The environment root hash of a provenance (kernel version, environment hash, options)."""
    options = "\x00".join(f"{k}={v}" for k, v in sorted(provenance.options))
    return _sha(f"tactic-mesh environment root v{KEY_VERSION}", provenance.kernel_version,
                provenance.environment_hash, options)  # fmt: skip


def cache_key(goal: str, root: str) -> str:
    """The key of a goal hash in an environment root."""
    return _sha(f"tactic-mesh cache key v{KEY_VERSION}", goal, root)


def key_of(env: Environment, statement: Expr, level_params: tuple[str, ...],
           options: CheckOptions = DEFAULT_OPTIONS) -> CacheKey:  # fmt: skip
    """The cache key of ``statement`` (over ``level_params``) in ``env`` under ``options``."""
    goal = goal_hash(statement, level_params)
    root = environment_root(provenance_of(env, options))
    return CacheKey(cache_key(goal, root), goal, root)


def digest_bytes(data: bytes) -> str:
    """The hex sha256 of ``data`` (a certificate's digest)."""
    return hashlib.sha256(data).hexdigest()


def is_digest(value: object) -> bool:
    """Whether ``value`` is a hex sha256 digest as written by this module (64 lowercase hex digits)."""
    return type(value) is str and _HEX64.fullmatch(value) is not None
