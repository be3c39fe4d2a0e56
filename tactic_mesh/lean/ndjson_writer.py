"""Writing ``ndjson.Export`` records as lean4export NDJSON, format 3.1.0.

The meta line always declares format ``FORMAT_VERSION`` (3.1.0), the shapes written.  Each
record becomes one compact JSON object with sorted keys (the shape Lean's ``Json.compress``
gives), non-ASCII characters written as themselves.  The output depends only on the records, so
equal exports give equal lines.  The writer does not re-check references: an ``Export`` from
``read_export`` or ``export_environment`` is valid, and ``read_export(write_export(x))`` checks
any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from tactic_mesh.kernel.expr import BinderInfo, digits_of_nat
from tactic_mesh.lean.ndjson_model import (
    FORMAT_VERSION,
    AxiomVal,
    ConstructorVal,
    DefinitionVal,
    Export,
    ExprApp,
    ExprBVar,
    ExprConst,
    ExprForall,
    ExprLam,
    ExprLet,
    ExprMData,
    ExprNatLit,
    ExprProj,
    ExprSort,
    ExprStrLit,
    HintKind,
    Hints,
    InductiveBlock,
    InductiveVal,
    Item,
    LevelIMax,
    LevelMax,
    LevelParam,
    LevelSucc,
    Meta,
    NameNum,
    NameStr,
    OpaqueVal,
    QuotVal,
    RecursorVal,
    TheoremVal,
)

BINDER_INFO_JSON = {
    BinderInfo.DEFAULT: "default",
    BinderInfo.IMPLICIT: "implicit",
    BinderInfo.STRICT_IMPLICIT: "strictImplicit",
    BinderInfo.INST_IMPLICIT: "instImplicit",
}

JsonObj = dict[str, object]


def dumps(value: JsonObj) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def meta_json(meta: Meta) -> JsonObj:
    """The meta line.  Its format version is always ``FORMAT_VERSION``: the records are written in
    3.1.0's shapes whatever the version of the file they were read from (a 3.0.0 file re-written
    declares 3.1.0, since its ``inductiveVals`` / ``axiomInfo`` / ``def`` arrays are gone)."""
    return {
        "meta": {
            "exporter": {"name": meta.exporter_name, "version": meta.exporter_version},
            "lean": {"githash": meta.lean_githash, "version": meta.lean_version},
            "format": {"version": FORMAT_VERSION},
        }
    }


def _binding(e: ExprLam | ExprForall) -> JsonObj:
    return {"name": e.name, "type": e.type, "body": e.body, "binderInfo": BINDER_INFO_JSON[e.binder_info]}


def _hints(hints: Hints) -> object:
    if hints.kind is HintKind.REGULAR:
        return {"regular": hints.height}
    return hints.kind.value


def _inductive(val: InductiveVal) -> JsonObj:
    return {
        "name": val.name, "levelParams": list(val.level_params), "type": val.type, "numParams": val.num_params,
        "numIndices": val.num_indices, "all": list(val.all), "ctors": list(val.ctors), "numNested": val.num_nested,
        "isRec": val.is_rec, "isUnsafe": val.is_unsafe, "isReflexive": val.is_reflexive,
    }


def _ctor(val: ConstructorVal) -> JsonObj:
    return {
        "name": val.name, "levelParams": list(val.level_params), "type": val.type, "induct": val.induct,
        "cidx": val.cidx, "numParams": val.num_params, "numFields": val.num_fields, "isUnsafe": val.is_unsafe,
    }


def _rec(val: RecursorVal) -> JsonObj:
    return {
        "name": val.name, "levelParams": list(val.level_params), "type": val.type, "all": list(val.all),
        "numParams": val.num_params, "numIndices": val.num_indices, "numMotives": val.num_motives,
        "numMinors": val.num_minors, "k": val.k, "isUnsafe": val.is_unsafe,
        "rules": [{"ctor": r.ctor, "nfields": r.nfields, "rhs": r.rhs} for r in val.rules],
    }


def item_json(item: Item) -> JsonObj:
    """The JSON object of one record."""
    match item:
        case NameStr(id=i, pre=pre, string=string):
            return {"in": i, "str": {"pre": pre, "str": string}}
        case NameNum(id=i, pre=pre, i=num):
            return {"in": i, "num": {"pre": pre, "i": num}}
        case LevelSucc(id=i, of=of):
            return {"il": i, "succ": of}
        case LevelMax(id=i, lhs=lhs, rhs=rhs):
            return {"il": i, "max": [lhs, rhs]}
        case LevelIMax(id=i, lhs=lhs, rhs=rhs):
            return {"il": i, "imax": [lhs, rhs]}
        case LevelParam(id=i, name=name):
            return {"il": i, "param": name}
        case ExprBVar(id=i, idx=idx):
            return {"ie": i, "bvar": idx}
        case ExprSort(id=i, level=level):
            return {"ie": i, "sort": level}
        case ExprConst(id=i, name=name, levels=levels):
            return {"ie": i, "const": {"name": name, "us": list(levels)}}
        case ExprApp(id=i, fn=fn, arg=arg):
            return {"ie": i, "app": {"fn": fn, "arg": arg}}
        case ExprLam():
            return {"ie": item.id, "lam": _binding(item)}
        case ExprForall():
            return {"ie": item.id, "forallE": _binding(item)}
        case ExprLet(id=i, name=name, type=ty, value=value, body=body, nondep=nondep):
            return {"ie": i, "letE": {"name": name, "type": ty, "value": value, "body": body, "nondep": nondep}}
        case ExprProj(id=i, type_name=type_name, idx=idx, struct=struct):
            return {"ie": i, "proj": {"typeName": type_name, "idx": idx, "struct": struct}}
        case ExprNatLit(id=i, value=value):
            return {"ie": i, "natVal": digits_of_nat(value)}
        case ExprStrLit(id=i, value=value):
            return {"ie": i, "strVal": value}
        case ExprMData(id=i, expr=expr, data=data):
            return {"ie": i, "mdata": {"expr": expr, "data": json.loads(data)}}
        case AxiomVal():
            return {"axiom": {"name": item.name, "levelParams": list(item.level_params), "type": item.type,
                              "isUnsafe": item.is_unsafe}}
        case DefinitionVal():
            return {"def": {"name": item.name, "levelParams": list(item.level_params), "type": item.type,
                            "value": item.value, "hints": _hints(item.hints), "safety": item.safety.value,
                            "all": list(item.all)}}
        case TheoremVal():
            return {"thm": {"name": item.name, "levelParams": list(item.level_params), "type": item.type,
                            "value": item.value, "all": list(item.all)}}
        case OpaqueVal():
            return {"opaque": {"name": item.name, "levelParams": list(item.level_params), "type": item.type,
                               "value": item.value, "isUnsafe": item.is_unsafe, "all": list(item.all)}}
        case QuotVal():
            return {"quot": {"name": item.name, "levelParams": list(item.level_params), "type": item.type,
                             "kind": item.kind.value}}
        case InductiveBlock():
            return {"inductive": {"types": [_inductive(v) for v in item.types], "ctors": [_ctor(v) for v in item.ctors],
                                  "recs": [_rec(v) for v in item.recs]}}
    raise TypeError(f"not an export record: {item!r}")  # pragma: no cover


def export_lines(export: Export) -> Iterator[str]:
    yield dumps(meta_json(export.meta))
    for item in export.items:
        yield dumps(item_json(item))
