"""The lean4export NDJSON format (3.x): the data model (``ndjson_model``), the reader
(``ndjson_reader``) and the writer (``ndjson_writer``), in one place.

An export is one JSON object per line: a meta line, then names, levels, expressions and
declarations, each referring to records on earlier lines by id (``ndjson_model``'s docstring has
the records).  ``read_export`` accepts the 3.0.0 spellings too; ``write_export`` writes 3.1.0.
Every malformed input raises ``NdjsonError`` with the 1-based line and the JSON path of the
offending field.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from tactic_mesh.lean.ndjson_model import (
    ANONYMOUS as ANONYMOUS,
)
from tactic_mesh.lean.ndjson_model import (
    DECLARATIONS as DECLARATIONS,
)
from tactic_mesh.lean.ndjson_model import (
    EXPR_RECORDS as EXPR_RECORDS,
)
from tactic_mesh.lean.ndjson_model import (
    FORMAT_VERSION as FORMAT_VERSION,
)
from tactic_mesh.lean.ndjson_model import (
    HINTS_ABBREV as HINTS_ABBREV,
)
from tactic_mesh.lean.ndjson_model import (
    HINTS_OPAQUE as HINTS_OPAQUE,
)
from tactic_mesh.lean.ndjson_model import (
    LEVEL_RECORDS as LEVEL_RECORDS,
)
from tactic_mesh.lean.ndjson_model import (
    MAX_HINT_HEIGHT as MAX_HINT_HEIGHT,
)
from tactic_mesh.lean.ndjson_model import (
    MAX_LEVEL_DEPTH as MAX_LEVEL_DEPTH,
)
from tactic_mesh.lean.ndjson_model import (
    MAX_NAME_COMPONENTS as MAX_NAME_COMPONENTS,
)
from tactic_mesh.lean.ndjson_model import (
    MAX_NAT as MAX_NAT,
)
from tactic_mesh.lean.ndjson_model import (
    MAX_NAT_DIGITS as MAX_NAT_DIGITS,
)
from tactic_mesh.lean.ndjson_model import (
    NAME_RECORDS as NAME_RECORDS,
)
from tactic_mesh.lean.ndjson_model import (
    AxiomVal as AxiomVal,
)
from tactic_mesh.lean.ndjson_model import (
    ConstantVal as ConstantVal,
)
from tactic_mesh.lean.ndjson_model import (
    ConstructorVal as ConstructorVal,
)
from tactic_mesh.lean.ndjson_model import (
    Declaration as Declaration,
)
from tactic_mesh.lean.ndjson_model import (
    DefinitionVal as DefinitionVal,
)
from tactic_mesh.lean.ndjson_model import (
    Export as Export,
)
from tactic_mesh.lean.ndjson_model import (
    ExprApp as ExprApp,
)
from tactic_mesh.lean.ndjson_model import (
    ExprBVar as ExprBVar,
)
from tactic_mesh.lean.ndjson_model import (
    ExprConst as ExprConst,
)
from tactic_mesh.lean.ndjson_model import (
    ExprForall as ExprForall,
)
from tactic_mesh.lean.ndjson_model import (
    ExprLam as ExprLam,
)
from tactic_mesh.lean.ndjson_model import (
    ExprLet as ExprLet,
)
from tactic_mesh.lean.ndjson_model import (
    ExprMData as ExprMData,
)
from tactic_mesh.lean.ndjson_model import (
    ExprNatLit as ExprNatLit,
)
from tactic_mesh.lean.ndjson_model import (
    ExprProj as ExprProj,
)
from tactic_mesh.lean.ndjson_model import (
    ExprRecord as ExprRecord,
)
from tactic_mesh.lean.ndjson_model import (
    ExprSort as ExprSort,
)
from tactic_mesh.lean.ndjson_model import (
    ExprStrLit as ExprStrLit,
)
from tactic_mesh.lean.ndjson_model import (
    HintKind as HintKind,
)
from tactic_mesh.lean.ndjson_model import (
    Hints as Hints,
)
from tactic_mesh.lean.ndjson_model import (
    InductiveBlock as InductiveBlock,
)
from tactic_mesh.lean.ndjson_model import (
    InductiveVal as InductiveVal,
)
from tactic_mesh.lean.ndjson_model import (
    Item as Item,
)
from tactic_mesh.lean.ndjson_model import (
    LeanName as LeanName,
)
from tactic_mesh.lean.ndjson_model import (
    LevelIMax as LevelIMax,
)
from tactic_mesh.lean.ndjson_model import (
    LevelMax as LevelMax,
)
from tactic_mesh.lean.ndjson_model import (
    LevelParam as LevelParam,
)
from tactic_mesh.lean.ndjson_model import (
    LevelRecord as LevelRecord,
)
from tactic_mesh.lean.ndjson_model import (
    LevelSucc as LevelSucc,
)
from tactic_mesh.lean.ndjson_model import (
    Meta as Meta,
)
from tactic_mesh.lean.ndjson_model import (
    NameNum as NameNum,
)
from tactic_mesh.lean.ndjson_model import (
    NameRecord as NameRecord,
)
from tactic_mesh.lean.ndjson_model import (
    NameStr as NameStr,
)
from tactic_mesh.lean.ndjson_model import (
    NdjsonError as NdjsonError,
)
from tactic_mesh.lean.ndjson_model import (
    OpaqueVal as OpaqueVal,
)
from tactic_mesh.lean.ndjson_model import (
    QuotKind as QuotKind,
)
from tactic_mesh.lean.ndjson_model import (
    QuotVal as QuotVal,
)
from tactic_mesh.lean.ndjson_model import (
    RecursorRule as RecursorRule,
)
from tactic_mesh.lean.ndjson_model import (
    RecursorVal as RecursorVal,
)
from tactic_mesh.lean.ndjson_model import (
    Safety as Safety,
)
from tactic_mesh.lean.ndjson_model import (
    TheoremVal as TheoremVal,
)
from tactic_mesh.lean.ndjson_model import (
    block_constants as block_constants,
)
from tactic_mesh.lean.ndjson_model import (
    name_from_str as name_from_str,
)
from tactic_mesh.lean.ndjson_model import (
    name_to_str as name_to_str,
)
from tactic_mesh.lean.ndjson_reader import ExportReader
from tactic_mesh.lean.ndjson_writer import export_lines


def read_export(lines: Iterable[str], source: str = "<export>") -> Export:
    """Parse an export's lines (with or without their newlines).  Whitespace-only lines are
    skipped.  Raises ``NdjsonError`` (located) on any malformed input; never recurses on the
    depth of a term."""
    return ExportReader(source).read(lines)


def read_export_bytes(data: bytes, source: str = "<export>") -> Export:
    """Parse an export held as UTF-8 bytes (invalid UTF-8 is a located ``NdjsonError``)."""
    return ExportReader(source).read_bytes(data)


def read_export_file(path: str | os.PathLike[str]) -> Export:
    """Parse the export file at ``path`` (named by its path in messages)."""
    with open(path, "rb") as f:
        return read_export_bytes(f.read(), os.fspath(path))


def write_export(export: Export) -> Iterator[str]:
    """The export's lines (without newlines): the meta line, then each item in order, each a
    compact JSON object with sorted keys.  Deterministic: equal exports give equal lines."""
    return export_lines(export)


def export_text(export: Export) -> str:
    """The whole file: ``write_export``'s lines, each ending in a newline."""
    return "".join(line + "\n" for line in write_export(export))
