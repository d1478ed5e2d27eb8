"""Chrome/Edge/Firefox native messaging framing: a 4-byte length, then UTF-8 JSON.

Per the Chrome native messaging protocol, each message on the host's stdin and stdout is
a 32-bit length in native byte order followed by that many bytes of UTF-8 JSON. Chrome
refuses messages from the host above 1 MB; this module caps both directions at 1 MB, so
a message to the host that declares more is skipped (read and dropped in chunks, never
held) and the stream stays in step for the next one. A stream that ends inside a header
or a body is truncated: nothing after it can be trusted, so the reader stops.
"""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

MAX_MESSAGE_BYTES = 1024 * 1024
HEADER = struct.Struct("=I")  # native byte order, standard 4-byte size
_CHUNK = 64 * 1024
MAX_DEPTH = 32


class FramingError(ValueError):
    """A frame that cannot be read; `recoverable` says whether the stream is still in step."""

    recoverable = True


class TruncatedStream(FramingError):
    """The stream ended inside a header or body: stop reading."""

    recoverable = False


def read_frame(stream: BinaryIO) -> bytes | None:
    """The next message body, or None at a clean end of stream (between messages).

    Raises FramingError for a body over MAX_MESSAGE_BYTES (skipped, stream in step) and
    TruncatedStream when the stream ends early.
    """
    header = _read_exactly(stream, HEADER.size)
    if header is None:
        return None
    (length,) = HEADER.unpack(header)
    if length > MAX_MESSAGE_BYTES:
        _skip(stream, length)
        raise FramingError(f"message of {length} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")
    body = _read_exactly(stream, length) if length else b""
    if body is None:
        raise TruncatedStream(f"stream ended inside a {length}-byte message")
    return body


def _read_exactly(stream: BinaryIO, count: int) -> bytes | None:
    """`count` bytes, None if the stream ends before the first, TruncatedStream mid-way."""
    parts: list[bytes] = []
    remaining = count
    while remaining:
        part = stream.read(remaining)
        if not part:
            if remaining == count:
                return None
            raise TruncatedStream(f"stream ended {remaining} bytes short of a {count}-byte read")
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _skip(stream: BinaryIO, count: int) -> None:
    remaining = count
    while remaining:
        part = stream.read(min(_CHUNK, remaining))
        if not part:
            raise TruncatedStream(f"stream ended inside an oversized {count}-byte message")
        remaining -= len(part)


def decode(body: bytes) -> Any:
    """Parse a body as strict JSON: UTF-8, no NaN/Infinity, no duplicate keys, shallow."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FramingError(f"message is not UTF-8 (byte {error.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_unique, parse_constant=_no_constant)
    except RecursionError:
        raise FramingError("message is nested too deeply") from None
    except ValueError as error:
        raise FramingError(f"message is not JSON: {error}") from None
    if _depth(value) > MAX_DEPTH:
        raise FramingError(f"message is nested more than {MAX_DEPTH} levels deep")
    return value


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:64]!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any, level: int = 1) -> int:
    if level > MAX_DEPTH:
        return level
    children = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list):
        return level
    return max((_depth(child, level + 1) for child in children), default=level)


def encode(message: Any) -> bytes:
    """One framed message; raises FramingError above MAX_MESSAGE_BYTES (Chrome's limit)."""
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_MESSAGE_BYTES:
        raise FramingError(f"reply of {len(body)} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")
    return HEADER.pack(len(body)) + body


def write_frame(stream: BinaryIO, message: Any) -> None:
    """Write and flush one message (the browser waits for whole frames)."""
    stream.write(encode(message))
    stream.flush()
