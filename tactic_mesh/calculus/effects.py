"""The effect signature (DESIGN §4): every operation a tactic program may perform, with its spec.

Each ``OpSpec`` names the operation, its group, the sorts of its operands and of its result, and
flags saying whether it reads or writes the proof state and whether it backtracks.  The typing
judgment (``typing/``) computes effect rows from these specs; handlers must implement exactly
the operations of the groups they claim.
"""

from __future__ import annotations

import enum

import attrs


class Group(enum.Enum):
    INSPECTION = "inspection"
    CONSTRUCTION = "construction"
    ELABORATION = "elaboration"  # elaboration and kernel services
    CONTROL = "control"  # search and control
    PROVENANCE = "provenance"


class Sort(enum.Enum):
    """Sorts of operands and results (the value classes of ``terms``)."""

    UNIT = "unit"
    EXPR = "expr"
    GOAL = "goal"
    GOALS = "goals"  # a list of goals
    NAME = "name"
    NUM = "num"
    STR = "str"
    SURFACE = "surface"  # a surface term to elaborate
    RECORD = "record"
    LIST = "list"  # a list of records or strings
    ANY = "any"


@attrs.frozen
class OpSpec:
    name: str
    group: Group
    operands: tuple[Sort, ...]
    result: Sort
    optional: tuple[Sort, ...] = ()  # operands that may follow the required ones
    reads: bool = True
    writes: bool = False
    backtracks: bool = False
    doc: str = ""


def _op(
    name: str, group: Group, operands: tuple[Sort, ...], result: Sort, doc: str,
    optional: tuple[Sort, ...] = (), **flags: bool,
) -> OpSpec:
    return OpSpec(name, group, operands, result, optional, doc=doc, **flags)


I, C, E, S, P = Group.INSPECTION, Group.CONSTRUCTION, Group.ELABORATION, Group.CONTROL, Group.PROVENANCE

SIGNATURE: tuple[OpSpec, ...] = (
    # inspection
    _op("ViewActiveObligations", I, (), Sort.GOALS, "the goals in focus, in order"),
    _op("ReadObligation", I, (Sort.GOAL,), Sort.RECORD, "a goal's target, context and visibility"),
    _op("ReadLocalContext", I, (Sort.GOAL,), Sort.LIST, "the hypotheses of a goal ({name, type} records)"),
    _op("ReadMetavarGraph", I, (), Sort.RECORD, "which goals mention which unassigned metavariables"),
    _op("ReadConstraintStore", I, (), Sort.LIST, "postponed unification and universe constraints"),
    _op("ReadEnvironment", I, (Sort.NAME,), Sort.RECORD, "a declaration of the environment"),
    _op("PreviewAssign", I, (Sort.GOAL, Sort.EXPR), Sort.RECORD,
        "what AssignMetavar would do (the goals it would open, their targets) without doing it",
        optional=(Sort.STR,)),
    # construction
    _op("FreshMetavar", C, (Sort.EXPR,), Sort.EXPR, "a new hole of a type (optionally named)",
        optional=(Sort.NAME,), writes=True),
    _op("SpawnObligations", C, (Sort.ANY,), Sort.GOALS, "make holes active goals", writes=True),
    _op("AssignMetavar", C, (Sort.GOAL, Sort.EXPR), Sort.UNIT,
        "close a goal by a (partial) term; mode \"apply\": undetermined arguments become goals",
        optional=(Sort.STR,), writes=True),
    _op("RegisterResidualBuilder", C, (Sort.RECORD,), Sort.UNIT, "record how children build the parent",
        writes=True),
    # elaboration and kernel
    _op("Elaborate", E, (Sort.SURFACE, Sort.ANY), Sort.EXPR, "a surface term against an expected type",
        writes=True),
    _op("Normalize", E, (Sort.EXPR, Sort.STR), Sort.EXPR, "whnf or full normal form"),
    _op("Unify", E, (Sort.EXPR, Sort.EXPR), Sort.UNIT, "definitional equality, assigning holes", writes=True),
    _op("Rewrite", E, (Sort.GOAL, Sort.EXPR, Sort.STR), Sort.GOAL,
        "rewrite with an equation (motive, Eq.mpr), in the goal or (optional) at a hypothesis",
        optional=(Sort.NAME,), writes=True),
    _op("SynthesizeInstance", E, (Sort.EXPR,), Sort.EXPR, "type class resolution"),
    _op("CheckWitness", E, (Sort.EXPR, Sort.EXPR), Sort.UNIT, "the kernel checks a closed term against a type"),
    # search and control
    _op("Checkpoint", S, (), Sort.NUM, "save the whole proof state", writes=True),
    _op("Rollback", S, (Sort.NUM,), Sort.UNIT, "restore a saved proof state exactly", writes=True, backtracks=True),
    _op("Backtrack", S, (), Sort.UNIT, "abandon this branch for the next alternative", backtracks=True),
    _op("Cut", S, (), Sort.UNIT, "commit: drop the remaining alternatives", backtracks=True),
    _op("ConsumeFuel", S, (Sort.NUM,), Sort.UNIT, "spend search budget; out of fuel when exhausted", writes=True),
    # provenance
    _op("ReadProvenance", P, (), Sort.RECORD, "kernel version, library hashes, options"),
    _op("RequireReplayCompatibility", P, (Sort.RECORD,), Sort.UNIT, "fail unless the provenance matches"),
)

SPECS: dict[str, OpSpec] = {spec.name: spec for spec in SIGNATURE}


def spec(name: str) -> OpSpec:
    """The spec of an operation; ``KeyError`` names the unknown operation."""
    found = SPECS.get(name)
    if found is None:
        raise KeyError(f"unknown operation '{name}' (not in the effect signature)")
    return found


def group_of(name: str) -> Group:
    return spec(name).group
