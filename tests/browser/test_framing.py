"""Native messaging frames: length-prefixed UTF-8 JSON, 1 MB at most, clean and torn ends."""

from __future__ import annotations

import io
import struct

import pytest

from agentprobe.browser import framing


def frame(body: bytes) -> bytes:
    return struct.pack("=I", len(body)) + body


def test_frames_round_trip_in_native_byte_order() -> None:
    encoded = framing.encode({"ok": True, "n": 1})
    assert encoded == struct.pack("=I", 17) + b'{"ok":true,"n":1}'
    stream = io.BytesIO(encoded + frame(b"[]"))
    assert framing.decode(framing.read_frame(stream) or b"") == {"ok": True, "n": 1}
    assert framing.read_frame(stream) == b"[]"
    assert framing.read_frame(stream) is None


def test_an_oversized_message_is_skipped_and_the_next_one_read() -> None:
    big = b"x" * (framing.MAX_MESSAGE_BYTES + 1)
    stream = io.BytesIO(frame(big) + frame(b"{}"))
    with pytest.raises(framing.FramingError, match="over the 1048576-byte limit") as caught:
        framing.read_frame(stream)
    assert caught.value.recoverable
    assert framing.read_frame(stream) == b"{}"


def test_exactly_one_megabyte_is_allowed() -> None:
    body = b'"' + b"a" * (framing.MAX_MESSAGE_BYTES - 2) + b'"'
    assert framing.read_frame(io.BytesIO(frame(body))) == body


@pytest.mark.parametrize(
    "data",
    [b"\x05\x00", frame(b"{}")[:-1], struct.pack("=I", 10) + b"{}", struct.pack("=I", 2**31)],
    ids=["torn-header", "torn-body", "short-body", "huge-length-no-body"],
)
def test_a_torn_stream_is_reported_and_not_recoverable(data: bytes) -> None:
    with pytest.raises(framing.TruncatedStream) as caught:
        framing.read_frame(io.BytesIO(data))
    assert not caught.value.recoverable


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b'{"a": NaN}', "not JSON"),
        (b'{"a": 1, "a": 2}', "duplicate key"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (b"[" * 40 + b"]" * 40, "nested more than 32"),
    ],
    ids=["latin1", "garbage", "nan", "duplicate", "deep", "deeper-than-limit"],
)
def test_bodies_that_are_not_strict_json_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(framing.FramingError, match=reason):
        framing.decode(body)


def test_replies_over_chromes_limit_are_refused() -> None:
    with pytest.raises(framing.FramingError, match="reply of"):
        framing.encode({"x": "a" * framing.MAX_MESSAGE_BYTES})
