"""Guards between untrusted bytes and ``json.loads``: size, string length and nesting depth are
checked on the text before parsing (``json.loads`` recurses on nesting, and a 100 MB string would
be materialised before any schema check), gzip is decompressed with a cap on the output, and every
failure is a ``CodecError`` with the offset where it happens.

The pre-scan stays in C-implemented string operations: counting brackets; when there are more
opening brackets than ``max_depth``, removing the ``\\\\`` and ``\\"`` escapes, keeping only brackets
and quotes, splitting at quotes (the pieces outside strings alternate with the strings) and
removing innermost bracket pairs pass by pass (legitimate documents nest a few levels deep); a
running sum over the brackets decides the rest exactly.  Offsets are located afterwards, only when
a limit is exceeded.
"""

from __future__ import annotations

import json
import re
import zlib
from itertools import accumulate
from typing import NoReturn

from tactic_mesh.codecs.json_base import DEFAULT_LIMITS, CodecError, Limits

_KEEP = str.maketrans({c: None for c in map(chr, range(128)) if c not in '[]{}"'})  # ASCII text: drop the rest
_NOT_KEPT = re.compile(r'[^\[\]{}"]+')
_PASSES = 64
_PAIR = re.compile(r"\[\]|\{\}")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
GZIP_MAGIC = b"\x1f\x8b"


def check_text(text: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Reject a JSON text that is too large, has a too long string or nests too deeply."""
    n = len(text)
    if n > limits.max_document_chars:
        raise CodecError("$", "document too large", f"at most {limits.max_document_chars} characters", str(n))
    unescaped = text.replace("\\\\", "").replace('\\"', "") if "\\" in text else text
    if n > limits.max_string_chars:
        if max(map(len, unescaped.split('"')[1::2]), default=0) > limits.max_string_chars:
            _locate_long_string(text, limits)
            raise CodecError("$", "string too long", f"at most {limits.max_string_chars} characters", "longer")
    if text.count("[") + text.count("{") > limits.max_depth and _too_deep(unescaped, limits.max_depth):
        _locate_deep(text, limits)
        raise CodecError("$", "nesting too deep", f"at most {limits.max_depth} open brackets", "more")


def _too_deep(unescaped: str, limit: int) -> bool:
    """Does the bracket nesting outside strings exceed ``limit``?  (``unescaped``: the text without
    its ``\\\\`` and ``\\"`` escapes, so that every remaining quote opens or closes a string.)"""
    kept = unescaped.translate(_KEEP) if unescaped.isascii() else _NOT_KEPT.sub("", unescaped)
    brackets = rest = "".join(kept.split('"')[0::2])  # the pieces outside strings
    for _ in range(min(_PASSES, limit)):  # a pass removes exactly the innermost level of pairs
        if not rest:
            return False
        rest = _PAIR.sub("", rest)
    if not rest:  # emptied in at most `limit` passes: depth ≤ limit
        return False
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0) > limit


def _locate_long_string(text: str, limits: Limits) -> None:
    for m in _STRING.finditer(text):
        if m.end() - m.start() - 2 > limits.max_string_chars:
            raise CodecError(
                f"$ (offset {m.start()})", "string too long", f"at most {limits.max_string_chars} characters",
                f"{m.end() - m.start() - 2}",
            )
    # an unterminated string: json.loads reports it


def _locate_deep(text: str, limits: Limits) -> None:
    depth = 0
    for m in _TOKEN.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > limits.max_depth:
                raise CodecError(
                    f"$ (offset {m.start()})", "nesting too deep", f"at most {limits.max_depth} open brackets",
                    f"more at offset {m.start()}",
                )
        elif c in "]}":
            depth -= 1


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"'{name}' is not JSON")


def _pairs_unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate field '{key}' in an object")
            seen.add(key)
    return out


def parse_text(text: str, limits: Limits = DEFAULT_LIMITS) -> object:
    """``json.loads`` after ``check_text``; every failure is a ``CodecError``."""
    if not isinstance(text, str):
        raise CodecError("$", "wrong input type", "str", type(text).__name__)
    check_text(text, limits)
    try:
        if limits.reject_duplicate_keys:
            return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_pairs_unique)
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise CodecError(
            f"$ (line {err.lineno} column {err.colno}, offset {err.pos})", "invalid JSON", "a JSON document", err.msg
        ) from None
    except ValueError as err:  # integers beyond Python's conversion limit, NaN/Infinity, duplicate keys
        raise CodecError("$", "invalid JSON", "a JSON document", str(err)) from None
    except RecursionError:  # pragma: no cover - check_text bounds the depth first
        raise CodecError("$", "nesting too deep", f"at most {limits.max_depth} open brackets", "more") from None


def dump_text(doc: object) -> str:
    """Compact, ASCII-only JSON (lone surrogates and control characters are escaped)."""
    try:
        return json.dumps(doc, ensure_ascii=True, separators=(",", ":"), allow_nan=False, check_circular=False)
    except (TypeError, ValueError, RecursionError) as err:
        raise CodecError("$", "not a JSON document", "JSON data", str(err)) from None


def gunzip(data: bytes, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Decompress gzip (one or more members) with the output capped at ``max_document_chars``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CodecError("$", "wrong input type", "bytes", type(data).__name__)
    data = bytes(data)
    if not data.startswith(GZIP_MAGIC):
        raise CodecError("$ (offset 0)", "not gzip data", "magic bytes 1f 8b", data[:2].hex(" ") or "no bytes")
    cap = limits.max_document_chars
    out: list[bytes] = []
    total = 0
    member_start = 0
    buf = data
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        while True:
            chunk = d.decompress(buf, cap - total + 1)
            total += len(chunk)
            if total > cap:
                raise CodecError("$", "document too large", f"at most {cap} bytes after decompression", "more")
            out.append(chunk)
            buf = d.unconsumed_tail
            if d.eof:
                rest = d.unused_data
                if not rest:
                    break
                member_start = len(data) - len(rest)
                if not rest.startswith(GZIP_MAGIC):
                    raise CodecError(f"$ (offset {member_start})", "trailing data after the gzip stream",
                                     "end of data or another gzip member", f"{len(rest)} byte(s)")  # fmt: skip
                d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                buf = rest
            elif not chunk and not buf:
                raise CodecError(f"$ (offset {len(data)})", "truncated gzip data", "the rest of the stream",
                                 "end of data")  # fmt: skip
    except zlib.error as err:
        raise CodecError(f"$ (gzip member at offset {member_start})", "corrupt gzip data", "a valid deflate stream",
                         str(err)) from None  # fmt: skip
    return b"".join(out)


def gzip_text(text: str, level: int = 6) -> bytes:
    import gzip

    return gzip.compress(text.encode("ascii"), compresslevel=level, mtime=0)


def text_of_bytes(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CodecError(f"$ (offset {err.start})", "invalid UTF-8", "UTF-8 text", err.reason) from None
