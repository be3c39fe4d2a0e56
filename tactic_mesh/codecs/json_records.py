"""The record layer through cattrs: ``StepPack``, ``StateDelta``, ``Coupling``, ``ResidualBuilder``
and ``Provenance`` are attrs classes whose JSON object is their fields, as cattrs derives them.

The codecs write them with ``write_record`` and read them with ``read_records``.  Hand-written
code for the same JSON with the same checks is about as fast (``bench/codecs.py``, section 4:
within ±30 % either way from run to run), so the layout is the one cattrs derives from the classes.

Hooks carry what is not plain data, strictly (no coercion: ``true`` is not an id, ``"5"`` is not a
number, a string is not an array):

* expressions are indices into the document's expression table (the writer or reader of the
  document being processed is found through a context variable);
* every ``int`` of these records is a metavariable id: a JSON integer, counted for the fresh-id
  counter;
* strings go through the surrogate escape of ``json_base``; tuples are JSON arrays (of the exact
  length for fixed-size tuples); enums are their values;
* a record must have exactly its fields.

cattrs' validation errors are translated into a ``CodecError`` whose path descends into the record
(``$.provenance.options[0][1]``).  The DAG tables and the proof-state records (references between
entries, sorted maps, the environment) are hand-written in the other ``json_*`` modules.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from tactic_mesh.calculus.state import Provenance
from tactic_mesh.calculus.steppack import Coupling, ResidualBuilder, StateDelta, StepPack
from tactic_mesh.codecs.json_base import (
    MAX_ID,
    CodecError,
    Path,
    at,
    describe,
    enum_table,
    enum_value,
    fail_type,
    obj,
    range_text,
    render,
    wstr,
)
from tactic_mesh.codecs.json_expr import ExprReader, ExprWriter
from tactic_mesh.kernel.expr import Expr

T = TypeVar("T")
RECORD_CLASSES: tuple[type, ...] = (StepPack, StateDelta, Coupling, ResidualBuilder, Provenance)

_writer: ContextVar[ExprWriter] = ContextVar("tactic_mesh_json_writer")
_reader: ContextVar[ExprReader] = ContextVar("tactic_mesh_json_reader")


class _At(Exception):
    """Internal: an error inside an array element (cattrs notes attributes; we note indices)."""

    def __init__(self, key: int, inner: Exception) -> None:
        super().__init__(key)
        self.key = key
        self.inner = inner


def _is_expr(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, Expr)


def _is_enum(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, enum.Enum)


def _is_tuple(t: Any) -> bool:
    return get_origin(t) is tuple


def _write_id(x: object) -> int:
    if type(x) is not int or not 0 <= x <= MAX_ID:
        raise CodecError("record", "not an id", range_text(0, MAX_ID), describe(x))
    return x


def _items(t: Any) -> tuple[list[Any], bool]:
    """The element types of a tuple type and whether it is homogeneous (``tuple[X, ...]``)."""
    args = list(get_args(t))
    if len(args) == 2 and args[1] is Ellipsis:
        return args[:1], True
    return args, False


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

    # -- objects → JSON data -------------------------------------------------------------------
    conv.register_unstructure_hook_func(_is_expr, lambda e: _writer.get().expr(e))
    conv.register_unstructure_hook(int, _write_id)
    conv.register_unstructure_hook(str, lambda s: wstr(s, "record string"))

    def tuple_unstructure(t: Any) -> Callable[[Any], list[Any]]:
        types, homogeneous = _items(t)
        if homogeneous:
            hook = conv.get_unstructure_hook(types[0])
            return lambda xs: [hook(x) for x in xs]
        hooks = [conv.get_unstructure_hook(x) for x in types]
        return lambda xs: [h(x) for h, x in zip(hooks, xs, strict=True)]

    conv.register_unstructure_hook_factory(_is_tuple, tuple_unstructure)

    def record_unstructure(cls: Any) -> Callable[[Any], dict[str, Any]]:
        return make_dict_unstructure_fn(cls, conv)

    conv.register_unstructure_hook_factory(attrs.has, record_unstructure)

    # -- JSON data → objects ---------------------------------------------------------------------
    conv.register_structure_hook(int, lambda v, _: _reader.get().ident(v, "$"))
    conv.register_structure_hook(str, lambda v, _: _reader.get().text(v, "$"))
    conv.register_structure_hook_func(_is_expr, lambda v, _: _reader.get().expr(v, "$"))

    def enum_structure(t: Any) -> Callable[[Any, Any], Any]:
        table = enum_table(t)
        what = t.__name__
        return lambda v, _: enum_value(v, "$", table, what)

    conv.register_structure_hook_factory(_is_enum, enum_structure)

    def tuple_structure(t: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        types, homogeneous = _items(t)
        hooks = [conv.get_structure_hook(x) for x in types]

        def one(hook: Callable[[Any, Any], Any], typ: Any, i: int, x: Any) -> Any:
            try:
                return hook(x, typ)
            except Exception as err:
                raise _At(i, err) from None

        if homogeneous:
            hook, typ = hooks[0], types[0]

            def many(v: Any, _: Any) -> tuple[Any, ...]:
                if type(v) is not list:
                    raise fail_type("$", "array", v)
                return tuple([one(hook, typ, i, x) for i, x in enumerate(v)])

            return many

        def fixed(v: Any, _: Any) -> tuple[Any, ...]:
            if type(v) is not list or len(v) != len(types):
                raise fail_type("$", f"array of {len(types)}", v)
            return tuple([one(h, typ, i, x) for i, (h, typ, x) in enumerate(zip(hooks, types, v, strict=True))])

        return fixed

    conv.register_structure_hook_factory(_is_tuple, tuple_structure)

    def record_structure(cls: Any) -> Callable[[Any, Any], Any]:
        keys = frozenset(f.name for f in attrs.fields(cls))
        generated = make_dict_structure_fn(cls, conv)

        def structure(v: Any, _: Any) -> Any:
            return generated(obj(v, "$", keys), cls)

        return structure

    conv.register_structure_hook_factory(attrs.has, record_structure)
    return conv


CONVERTER = _make_converter()


def _translate(exc: BaseException, path: Path) -> CodecError:
    """The CodecError for a failure inside a record, with the path descending to the field."""
    while True:
        if isinstance(exc, CodecError):  # raised by a hook (or by obj()) at "$" = where it stands
            relative = exc.path[1:] if exc.path.startswith("$") else ""
            return CodecError(f"{render(path)}{relative}", exc.what, exc.expected, exc.found)
        if isinstance(exc, _At):
            path, exc = at(path, exc.key), exc.inner
            continue
        if isinstance(exc, (ClassValidationError, IterableValidationError)):
            noted, other = exc.group_exceptions()
            if noted:
                sub, note = noted[0]
                key = note.name if isinstance(note, AttributeValidationNote) else note.index
                path, exc = at(path, key), sub
                continue
            if other:
                exc = other[0]
                continue
        return CodecError(path, "malformed record", "a valid record", f"{type(exc).__name__}: {exc}", internal=True)


def write_record(writer: ExprWriter, value: object) -> dict[str, Any]:
    """The JSON object of a record (expressions go into ``writer``'s tables)."""
    token = _writer.set(writer)
    try:
        out: dict[str, Any] = CONVERTER.unstructure(value, type(value))
        return out
    finally:
        _writer.reset(token)


def read_records(reader: ExprReader, cls: type[T], entries: Iterable[tuple[object, Path]]) -> list[T]:
    """Records of class ``cls`` from their JSON objects (with the path of each, for errors)."""
    token = _reader.set(reader)
    hook = CONVERTER.get_structure_hook(cls)
    out: list[T] = []
    try:
        for raw, path in entries:
            try:
                out.append(hook(raw, cls))
            except Exception as exc:
                raise _translate(exc, path) from None
    finally:
        _reader.reset(token)
    return out


def read_record(reader: ExprReader, cls: type[T], raw: object, path: Path) -> T:
    return read_records(reader, cls, [(raw, path)])[0]
