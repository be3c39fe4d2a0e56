"""Declarations and the environment.

The environment is an immutable map from names to constant infos.  The only way to extend it with
a constant is :func:`tactic_mesh.kernel.admission.add_decl`, which type-checks the declaration
first; ``Environment`` itself has no public method that adds a constant.  Elaboration metadata
(instances, structure fields, notation, attributes) lives in ``extensions``: it is untrusted and
never consulted by the type checker.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from types import MappingProxyType

import attrs

from tactic_mesh.kernel.expr import Expr

# ---------------------------------------------------------------------------------------------
# What the user submits
# ---------------------------------------------------------------------------------------------


class Reducibility(enum.Enum):
    ABBREV = "abbrev"  # always unfolded first
    REGULAR = "regular"  # unfolded by height in lazy delta reduction
    IRREDUCIBLE = "irreducible"  # unfolded only as a last resort by the kernel


@attrs.frozen
class AxiomDecl:
    name: str
    level_params: tuple[str, ...]
    type: Expr


@attrs.frozen
class DefinitionDecl:
    name: str
    level_params: tuple[str, ...]
    type: Expr
    value: Expr
    reducibility: Reducibility = Reducibility.REGULAR


@attrs.frozen
class TheoremDecl:
    name: str
    level_params: tuple[str, ...]
    type: Expr
    value: Expr


@attrs.frozen
class InductiveDecl:
    """``inductive name.{level_params} : type`` with ``num_params`` uniform parameters."""

    name: str
    level_params: tuple[str, ...]
    type: Expr
    num_params: int
    constructors: tuple[tuple[str, Expr], ...]


Declaration = AxiomDecl | DefinitionDecl | TheoremDecl | InductiveDecl

# ---------------------------------------------------------------------------------------------
# What the environment stores
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class AxiomInfo:
    name: str
    level_params: tuple[str, ...]
    type: Expr


@attrs.frozen
class DefinitionInfo:
    name: str
    level_params: tuple[str, ...]
    type: Expr
    value: Expr
    reducibility: Reducibility
    height: int  # 1 + the largest height of a definition its value mentions


@attrs.frozen
class TheoremInfo:
    name: str
    level_params: tuple[str, ...]
    type: Expr
    value: Expr


@attrs.frozen
class InductiveInfo:
    name: str
    level_params: tuple[str, ...]
    type: Expr
    num_params: int
    num_indices: int
    constructors: tuple[str, ...]
    is_recursive: bool
    is_prop: bool


@attrs.frozen
class ConstructorInfo:
    name: str
    level_params: tuple[str, ...]
    type: Expr
    induct: str
    index: int
    num_params: int
    num_fields: int


@attrs.frozen
class RecRule:
    """``rec params motive minors indices (ctor params fields) ⇒ rhs params motive minors fields``."""

    constructor: str
    num_fields: int
    rhs: Expr


@attrs.frozen
class RecursorInfo:
    name: str
    level_params: tuple[str, ...]
    type: Expr
    induct: str
    num_params: int
    num_indices: int
    num_motives: int
    num_minors: int
    rules: tuple[RecRule, ...]
    k: bool  # K-like reduction (Prop, one constructor without fields: Eq, True)
    large_elim: bool

    @property
    def major_index(self) -> int:
        return self.num_params + self.num_motives + self.num_minors + self.num_indices

    def rule_for(self, ctor: str) -> RecRule | None:
        for rule in self.rules:
            if rule.constructor == ctor:
                return rule
        return None


ConstantInfo = AxiomInfo | DefinitionInfo | TheoremInfo | InductiveInfo | ConstructorInfo | RecursorInfo


def constant_kind(info: ConstantInfo) -> str:
    return {
        AxiomInfo: "axiom",
        DefinitionInfo: "def",
        TheoremInfo: "theorem",
        InductiveInfo: "inductive",
        ConstructorInfo: "constructor",
        RecursorInfo: "recursor",
    }[type(info)]


class Environment:
    """An immutable environment.  Use ``admission.add_decl`` to extend it."""

    __slots__ = ("_constants", "_extensions", "_memo", "_order")

    def __init__(self) -> None:
        self._constants: dict[str, ConstantInfo] = {}
        self._order: tuple[str, ...] = ()
        self._extensions: dict[str, object] = {}
        self._memo: dict[str, object] = {}  # values derived from this (immutable) environment

    def _copy(self) -> Environment:
        env = Environment.__new__(Environment)
        env._constants = self._constants
        env._order = self._order
        env._extensions = self._extensions
        env._memo = {}
        return env

    def memo(self) -> dict[str, object]:
        """A per-environment store for values computed from it (its content hash); an extended
        copy starts with an empty one."""
        return self._memo

    def find(self, name: str) -> ConstantInfo | None:
        return self._constants.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._constants

    def __len__(self) -> int:
        return len(self._constants)

    def names(self) -> Iterator[str]:
        """Constant names in declaration order."""
        return iter(self._order)

    def constants(self) -> Mapping[str, ConstantInfo]:
        """A read-only view: the environment changes only through the type checker."""
        return MappingProxyType(self._constants)

    def extension(self, key: str, default: object = None) -> object:
        return self._extensions.get(key, default)

    def with_extension(self, key: str, value: object) -> Environment:
        """Untrusted elaboration metadata (instances, structures, attributes)."""
        env = self._copy()
        env._extensions = {**self._extensions, key: value}
        return env


class Unsafe:
    """Operations that can break the environment's invariant; only the type checker uses them."""

    @staticmethod
    def add_checked(env: Environment, infos: tuple[ConstantInfo, ...]) -> Environment:
        out = env._copy()
        constants = dict(env._constants)
        for info in infos:
            constants[info.name] = info
        out._constants = constants
        out._order = env._order + tuple(info.name for info in infos)
        return out
