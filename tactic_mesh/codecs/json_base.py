"""Shared pieces of the JSON codecs: ``CodecError``, ``Limits`` and strict field readers.

Every reader checks the exact JSON type (``true`` is not an integer, ``"5"`` is not a number), and
every failure is a ``CodecError`` naming the JSON path of the offending field (``$.body…``), what
was expected and what was found.  Paths are built only when an error is reported, so the checks
cost a type comparison on the fast path.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import TypeVar

import attrs

from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import digits_of_nat, nat_of_digits

E = TypeVar("E", bound=enum.Enum)

# Ids of free variables and metavariables are kept exactly and the process-wide counter is moved
# past every id read, so a bound on ids would let one document exhaust the ids of a process (every
# id made afterwards would exceed it).  The bound is therefore the largest integer JSON text can
# carry in Python (``sys.get_int_max_str_digits()``, 4300 digits): the counter can never outgrow it.
MAX_ID = 10**4299 - 1
SAFE_INT = 1 << 53  # integers of this size or more are written as decimal strings


# a JSON path, built lazily: a string, or (parent path, field name or array index)
Path = str | tuple["Path", str | int]


def render(path: Path) -> str:
    """``$.body.tables.exprs[12][0]`` from its lazy form (iteratively)."""
    keys: list[str | int] = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(key)
    return path + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in reversed(keys))


class CodecError(TacticMeshError):
    """A document cannot be encoded or decoded.  ``path`` is a JSON path into the document
    (``$.body.tables.exprs[12][0]``) or, when encoding, the object concerned."""

    def __init__(
        self, path: Path, what: str, expected: str | None = None, found: str | None = None, *, internal: bool = False
    ) -> None:
        path = render(path)
        message = f"{path}: {what}"
        if expected is not None or found is not None:
            message += f": expected {expected or '?'}, found {found or '?'}"
        super().__init__(message)
        self.path = path
        self.what = what
        self.expected = expected
        self.found = found
        self.internal = internal  # a decoder bug caught by the safety net (tests assert it never happens)


@attrs.frozen
class Limits:
    """Resource limits applied before and while decoding (all configurable).

    ``max_document_chars`` bounds the JSON text (or the decompressed gzip bytes); ``max_string_chars``
    bounds each string (its JSON-escaped form in text, its length in an already-parsed document);
    ``max_depth`` bounds the bracket nesting of the text (checked *before* ``json.loads``, which
    recurses); ``max_nat_digits`` bounds the decimal digits of one integer (big ``Nat`` literals
    convert in quadratic time)."""

    max_document_chars: int = 128 * 1024 * 1024
    max_string_chars: int = 16 * 1024 * 1024
    max_depth: int = 10_000
    max_nat_digits: int = 200_000
    reject_duplicate_keys: bool = True


DEFAULT_LIMITS = Limits()


def describe(value: object) -> str:
    """A short description of a JSON value for error messages (never recursive, never huge)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return f"integer {value}" if -SAFE_INT < value < SAFE_INT else "a huge integer"
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}" + (f" ({len(value)} characters)" if len(value) > 40 else "")
    if isinstance(value, list):
        return f"array of {len(value)}"
    if isinstance(value, dict):
        return f"object with {len(value)} field(s)"
    return f"non-JSON value of type {type(value).__name__}"


def at(path: Path, key: str | int) -> Path:
    return (path, key)


def fail_type(path: Path, expected: str, value: object) -> CodecError:
    return CodecError(path, "wrong type", expected, describe(value))


def obj(value: object, path: Path, keys: frozenset[str]) -> dict[str, object]:
    """A JSON object with exactly the fields ``keys``."""
    if type(value) is not dict:
        raise fail_type(path, "object", value)
    if value.keys() != keys:
        missing = sorted(keys - value.keys())
        if missing:
            raise CodecError(at(path, missing[0]), "missing field", f"fields {sorted(keys)}", f"no '{missing[0]}'")
        extra = sorted(str(k) for k in value.keys() - keys)
        raise CodecError(at(path, extra[0]), "unexpected field", f"fields {sorted(keys)}", f"'{extra[0]}'")
    return value


def lst(value: object, path: Path) -> list[object]:
    if type(value) is not list:
        raise fail_type(path, "array", value)
    return value


# JSON text cannot carry a Python string holding surrogate code points faithfully (an adjacent
# high/low pair reads back as one astral character), so documents never contain them: each
# surrogate, and the escape character U+FFFF itself (a noncharacter), is written as U+FFFF followed
# by four lowercase hex digits.  Strings without those characters are written as they are.
ESC = "\uffff"
_SPECIAL = re.compile("[\ud800-\udfff\uffff]")
_ESCAPE = re.compile("\uffff([0-9a-f]{4})?")


def wstr(s: object, what: str) -> str:
    """A Python string as a document string (escaped when it holds surrogates or U+FFFF)."""
    if type(s) is not str:
        raise CodecError(what, "not a string", "str", type(s).__name__)
    if s.isascii() or _SPECIAL.search(s) is None:
        return s
    return _SPECIAL.sub(lambda m: f"{ESC}{ord(m.group()):04x}", s)


def rstr(s: str, path: Path) -> str:
    """The inverse of ``wstr`` (a malformed or non-canonical escape is an error)."""
    if ESC not in s:
        return s

    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code is None or not (0xD800 <= int(code, 16) <= 0xDFFF or code == "ffff"):
            raise CodecError(path, "malformed string escape", "U+FFFF then the hex code of a surrogate or of U+FFFF",
                             describe(m.group()))  # fmt: skip
        return chr(int(code, 16))

    return _ESCAPE.sub(one, s)


def string(value: object, path: Path, limits: Limits) -> str:
    if type(value) is not str:
        raise fail_type(path, "string", value)
    if len(value) > limits.max_string_chars:
        raise CodecError(path, "string too long", f"at most {limits.max_string_chars} characters", f"{len(value)}")
    return rstr(value, path)


def boolean(value: object, path: Path) -> bool:
    if type(value) is not bool:
        raise fail_type(path, "true or false", value)
    return value


def small_int(value: object, path: Path, lo: int = 0, hi: int = MAX_ID) -> int:
    """An integer written as a JSON number, within ``[lo, hi]``."""
    if type(value) is not int:
        raise fail_type(path, "integer", value)
    if not lo <= value <= hi:
        raise CodecError(path, "integer out of range", range_text(lo, hi), describe(value))
    return value


def range_text(lo: int, hi: int) -> str:
    return f"an integer in {lo}..10^4299-1" if hi == MAX_ID else f"an integer in {lo}..{hi}"


def enum_value(value: object, path: Path, table: Mapping[str, E], what: str) -> E:
    if type(value) is not str:
        raise fail_type(path, f"{what} name (string)", value)
    found = table.get(value)
    if found is None:
        raise CodecError(path, f"unknown {what}", f"one of {', '.join(sorted(table))}", describe(value))
    return found


def enum_table(cls: type[E]) -> dict[str, E]:
    return {str(member.value): member for member in cls}


# ---------------------------------------------------------------------------------------------
# integers of any size: a JSON number below 2^53 in absolute value, a decimal string otherwise
# ---------------------------------------------------------------------------------------------


def write_int(n: int, what: str) -> int | str:
    if type(n) is not int:
        raise CodecError(what, "not an integer", "int", type(n).__name__)
    if -SAFE_INT < n < SAFE_INT:
        return n
    return "-" + digits_of_nat(-n) if n < 0 else digits_of_nat(n)


def read_int(value: object, path: Path, limits: Limits) -> int:
    if type(value) is int:
        if not -SAFE_INT < value < SAFE_INT:
            raise CodecError(path, "non-canonical integer", "a decimal string for |n| ≥ 2^53", describe(value))
        return value
    if type(value) is not str:
        raise fail_type(path, "integer (a number, or a decimal string when |n| ≥ 2^53)", value)
    digits = value[1:] if value.startswith("-") else value
    n = read_digits(digits, path, limits)
    if n < SAFE_INT:
        raise CodecError(path, "non-canonical integer", "a JSON number for |n| < 2^53", describe(value))
    return -n if value.startswith("-") else n


def read_digits(digits: str, path: Path, limits: Limits) -> int:
    """A natural number written in decimal (no sign, no leading zero, at most ``max_nat_digits``)."""
    if len(digits) > limits.max_nat_digits:
        raise CodecError(path, "number too long", f"at most {limits.max_nat_digits} digits", f"{len(digits)}")
    if not digits.isascii() or not digits.isdigit() or (digits[0] == "0" and len(digits) > 1):
        raise CodecError(path, "malformed decimal numeral", "digits 0-9 without a leading zero",
                         describe(digits))  # fmt: skip
    return nat_of_digits(digits)
