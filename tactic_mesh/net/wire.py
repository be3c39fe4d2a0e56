"""The mesh's wire envelope: one versioned frame per nng message, decoded strictly under limits.

A frame is ``HEADER \\0 ATTACHMENT``: ``HEADER`` is compact ASCII JSON (so it holds no raw NUL and
the first NUL ends it) and ``ATTACHMENT`` is raw bytes, possibly empty — a codec document (a proof
state, a statement, a wire certificate, ledger entries), which its own decoder checks.  The header::

    {"schema": "tactic-mesh/mesh", "version": 1, "type": T, "req_id": R, "body": {…}}

``type`` is one of ``REQUEST_TYPES`` (asked over Req0/Rep0), ``reply`` / ``error`` (the answers),
``survey`` / ``capabilities`` (Surveyor0/Respondent0) or ``announce`` (Pub0/Sub0).  ``req_id`` is
1–64 characters of ``[A-Za-z0-9._:-]``; with the request's goal key it makes a request idempotent
(the node answers a repeated ``(req_id, key)`` from its reply cache).  ``body`` is an object whose
fields each handler reads with ``field``/``text``/``count`` (JSON paths in every error).

``decode_frame`` never raises anything but ``WireError`` (a ``CodecError``: ``path``, ``what``,
``expected``, ``found``) with ``kind`` ``oversized`` / ``unsupported`` / ``malformed``; a frame larger
than ``limits.max_document_chars`` + ``MAX_ATTACHMENT`` is refused before anything is parsed.
"""

from __future__ import annotations

import re

import attrs

from tactic_mesh.codecs.json_base import CodecError, Limits, Path, at, describe, obj, small_int
from tactic_mesh.codecs.json_limits import dump_text, parse_text

__all__ = [
    "ANSWER_TYPES", "MAX_ATTACHMENT", "MESH_SCHEMA", "MESH_VERSION", "REQUEST_TYPES", "WIRE_LIMITS", "Frame",
    "WireError", "count", "decode_frame", "encode_frame", "field", "text",
]

MESH_SCHEMA = "tactic-mesh/mesh"
MESH_VERSION = 1
REQUEST_TYPES = frozenset({"hello", "expert", "solve", "cert", "ledger", "delta", "stats"})
ANSWER_TYPES = frozenset({"reply", "error"})
OTHER_TYPES = frozenset({"survey", "capabilities", "announce"})
WIRE_LIMITS = Limits(max_document_chars=64 * 1024, max_string_chars=16 * 1024, max_depth=16, max_nat_digits=40)
"""Limits of a header (the bodies are small; whatever is large travels as the attachment)."""
MAX_ATTACHMENT = 8 * 1024 * 1024
_REQ_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}\Z")


class WireError(CodecError):
    """A frame this node does not accept; ``kind`` is ``oversized``, ``unsupported`` or ``malformed``."""

    def __init__(self, kind: str, path: Path, what: str, expected: str | None, found: str | None) -> None:
        super().__init__(path, what, expected, found)
        self.kind = kind


@attrs.frozen
class Frame:
    type: str
    req_id: str
    body: dict[str, object] = attrs.field(factory=dict)
    attachment: bytes = b""


def encode_frame(frame: Frame) -> bytes:
    """The frame's bytes (``decode_frame(encode_frame(f)) == f`` for every frame it accepts)."""
    header = {"schema": MESH_SCHEMA, "version": MESH_VERSION, "type": frame.type, "req_id": frame.req_id,
              "body": frame.body}  # fmt: skip
    return dump_text(header).encode("ascii") + b"\0" + frame.attachment


def decode_frame(data: bytes, limits: Limits = WIRE_LIMITS, max_attachment: int = MAX_ATTACHMENT) -> Frame:
    """Decode untrusted bytes (see the module docstring)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise WireError("malformed", "$", "wrong input type", "bytes", type(data).__name__)
    data = bytes(data)
    if len(data) > limits.max_document_chars + 1 + max_attachment:
        raise WireError("oversized", "$", "frame too large", f"at most {limits.max_document_chars + 1 + max_attachment}"
                        " bytes", str(len(data)))  # fmt: skip
    cut = data.find(b"\0", 0, limits.max_document_chars + 1)
    if cut < 0:
        if len(data) > limits.max_document_chars:
            raise WireError("oversized", "$", "header too large", f"at most {limits.max_document_chars} bytes",
                            f"no end within {limits.max_document_chars}")  # fmt: skip
        raise WireError("malformed", "$", "truncated frame", "a header ended by a NUL byte", "no NUL byte")
    head, attachment = data[:cut], data[cut + 1:]
    if len(attachment) > max_attachment:
        raise WireError("oversized", "$.attachment", "attachment too large", f"at most {max_attachment} bytes",
                        str(len(attachment)))  # fmt: skip
    try:
        header = head.decode("ascii")
    except UnicodeDecodeError as err:
        raise WireError("malformed", "$", "header is not ASCII JSON", "ASCII", f"byte {err.start}") from None
    try:
        top = obj(parse_text(header, limits), "$", frozenset({"schema", "version", "type", "req_id", "body"}))
        if top["schema"] != MESH_SCHEMA:
            raise WireError("unsupported", "$.schema", "not a mesh frame", repr(MESH_SCHEMA), describe(top["schema"]))
        version = small_int(top["version"], "$.version", 0)
        if version != MESH_VERSION:
            raise WireError("unsupported", "$.version", "unsupported schema version", str(MESH_VERSION), str(version))
        kind = top["type"]
        if type(kind) is not str or kind not in REQUEST_TYPES | ANSWER_TYPES | OTHER_TYPES:
            raise WireError("unsupported", "$.type", "unknown message type",
                            ", ".join(sorted(REQUEST_TYPES | ANSWER_TYPES | OTHER_TYPES)), describe(kind))
        req_id = top["req_id"]
        if type(req_id) is not str or not _REQ_ID.match(req_id):
            raise WireError("malformed", "$.req_id", "not a request id", "1-64 characters of [A-Za-z0-9._:-]",
                            describe(req_id))  # fmt: skip
        body = top["body"]
        if type(body) is not dict:
            raise WireError("malformed", "$.body", "not an object", "object", describe(body))
    except WireError:
        raise
    except CodecError as err:
        raise WireError("oversized" if "too" in err.what else "malformed", err.path, err.what, err.expected,
                        err.found) from None  # fmt: skip
    return Frame(kind, req_id, body, attachment)


def field(body: dict[str, object], name: str, path: Path = "$.body") -> object:
    if name not in body:
        raise WireError("malformed", at(path, name), "missing field", name, "absent")
    return body[name]


def text(body: dict[str, object], name: str, max_chars: int = 256, path: Path = "$.body") -> str:
    value = field(body, name, path)
    if type(value) is not str or not 0 < len(value) <= max_chars:
        raise WireError("malformed", at(path, name), "not a string", f"1..{max_chars} characters", describe(value))
    return value


def count(body: dict[str, object], name: str, lo: int = 0, hi: int = 1 << 31, path: Path = "$.body") -> int:
    value = field(body, name, path)
    try:
        return small_int(value, at(path, name), lo, hi)
    except CodecError as err:
        raise WireError("malformed", err.path, err.what, err.expected, err.found) from None
