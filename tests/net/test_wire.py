"""The mesh's wire frames: round trips, and every kind of bad frame refused with its kind and path."""

from __future__ import annotations

import random

import pytest

from tactic_mesh.net.wire import MAX_ATTACHMENT, WIRE_LIMITS, Frame, WireError, decode_frame, encode_frame

GOOD = Frame("solve", "abc.1", {"key": "0" * 64, "budget": 3, "nodes": 100}, b"{\"doc\":1}\0\xff binary")


def test_frames_round_trip_with_binary_attachments() -> None:
    for frame in (GOOD, Frame("hello", "x"), Frame("reply", "r-9", {"found": False, "nested": {"a": [1, 2]}})):
        assert decode_frame(encode_frame(frame)) == frame


def _refused(data: bytes) -> WireError:
    with pytest.raises(WireError) as info:
        decode_frame(data)
    return info.value


@pytest.mark.parametrize(("data", "kind", "path"), [
    (b'{"schema":"tactic-mesh/mesh"', "malformed", "$"),  # no NUL: truncated
    (b"\xff\xfe\0", "malformed", "$"),
    (b"[1,2]\0", "malformed", "$"),
    (b'{"schema":"other","version":1,"type":"hello","req_id":"a","body":{}}\0', "unsupported", "$.schema"),
    (b'{"schema":"tactic-mesh/mesh","version":2,"type":"hello","req_id":"a","body":{}}\0', "unsupported",
     "$.version"),
    (b'{"schema":"tactic-mesh/mesh","version":1,"type":"rm -rf","req_id":"a","body":{}}\0', "unsupported", "$.type"),
    (b'{"schema":"tactic-mesh/mesh","version":1,"type":"hello","req_id":"a b","body":{}}\0', "malformed",
     "$.req_id"),
    (b'{"schema":"tactic-mesh/mesh","version":1,"type":"hello","req_id":"a","body":[]}\0', "malformed", "$.body"),
    (b'{"schema":"tactic-mesh/mesh","version":1,"type":"hello","req_id":"a","body":{},"x":1}\0', "malformed", "$.x"),
    (b"[" * 100 + b"]" * 100 + b"\0", "oversized", "$ (offset 16)"),
    (b" " * (WIRE_LIMITS.max_document_chars + 5), "oversized", "$"),
])
def test_bad_frames_are_refused_with_kind_and_path(data: bytes, kind: str, path: str) -> None:
    err = _refused(data)
    assert err.kind == kind and err.path == path, str(err)


def test_an_oversized_attachment_is_refused_before_parsing() -> None:
    err = _refused(encode_frame(Frame("cert", "a", {}, b"x" * (MAX_ATTACHMENT + 1))))
    assert err.kind == "oversized" and err.path == "$.attachment"


def test_fuzz_decode_frame_only_accepts_or_refuses_cleanly() -> None:
    rng = random.Random(7)
    good = encode_frame(GOOD)
    outcomes = {"accepted": 0, "refused": 0}
    for _ in range(1500):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            i = rng.randrange(len(data))
            if op < 0.4:
                data[i] = rng.randrange(256)
            elif op < 0.7:
                del data[i:i + rng.randint(1, 8)]
            else:
                data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        try:
            frame = decode_frame(bytes(data))
        except WireError as err:
            assert err.kind in ("malformed", "unsupported", "oversized") and str(err).startswith("$")
            outcomes["refused"] += 1
            continue
        assert decode_frame(encode_frame(frame)) == frame  # whatever is accepted is a well-formed frame
        outcomes["accepted"] += 1
    assert outcomes["refused"] > 1000 and outcomes["accepted"] > 20, outcomes
