"""`BodyLimits`: an ASGI middleware that bounds every request body in size and in time.

The limit is chosen by route before a byte of the body is read: a declared Content-Length
over it is answered 413 at once, and the chunks of a body without one (chunked transfer
coding included) are counted as they arrive, so no route ever holds more than its limit
in memory. Small bodies (everything but the report upload and the speed test's upload)
are read here in full, within `body_timeout_s`, and replayed to the route; the two
streaming routes get a receive that raises the same 413, or a 408 when the body is not
complete in time. Answers carry `Connection: close`: after a refused body the rest of
the stream is not worth reading.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from agentprobe.collector.api.report_route import render
from agentprobe.collector.errors import ApiError

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A body one past its fields' limits must still fit, so that it is refused as invalid
# (422, with the field named) rather than as too large: each character may arrive as a
# 12-byte JSON escape (a surrogate pair), so the limits allow for that.
SMALL_BYTES = 8 * 1024  # enrolment and login: a secret, an id and a host name
DEFAULT_BYTES = 16 * 1024  # every other route takes no body worth the name
OFFICES_BYTES = 128 * 1024  # up to 200 office networks, however they are escaped
BODY_TIMEOUT_S = 30.0
CLOSE = {"Connection": "close"}


@dataclass(frozen=True)
class Rule:
    """How much body a route takes, in how long, and whether the route streams it."""

    max_bytes: int
    timeout_s: float = BODY_TIMEOUT_S
    streamed: bool = False


def rules(
    report_bytes: int,
    upload_bytes: int,
    timeout_s: float = BODY_TIMEOUT_S,
    kpi_bytes: int = 32 * 1024 * 1024,
) -> dict[str, Rule]:
    """The per-path rules; paths not listed get `Rule(DEFAULT_BYTES, timeout_s)`."""
    return {
        "": Rule(DEFAULT_BYTES, timeout_s),
        "/api/v1/enroll": Rule(SMALL_BYTES, timeout_s),
        "/login": Rule(SMALL_BYTES, timeout_s),
        "/api/v1/reports": Rule(report_bytes, timeout_s, streamed=True),
        "/speedtest/upload.php": Rule(upload_bytes, 2 * timeout_s, streamed=True),
        "/api/v1/kpis": Rule(kpi_bytes, 4 * timeout_s, streamed=True),  # a month's export
        "/api/v1/kpis/offices": Rule(OFFICES_BYTES, timeout_s),
    }


class BodyLimits:
    """Wraps the app; `table` maps a path to its Rule ("" for every other path)."""

    def __init__(self, app: ASGIApp, table: dict[str, Rule]) -> None:
        self.app, self.table = app, table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.table.get(scope["path"]) or self.table.get("") or Rule(DEFAULT_BYTES)
        try:
            _check_declared(scope["headers"], rule.max_bytes)
            if rule.streamed:
                await self.app(scope, _Metered(receive, rule), send)
                return
            body = await _Metered(receive, rule).read_all()
        except ApiError as error:
            await _answer(send, error)
            return
        await self.app(scope, _replay(body, receive), send)


def _check_declared(headers: list[tuple[bytes, bytes]], limit: int) -> None:
    for name, value in headers:
        if name == b"content-length":
            if not value.isdigit() or len(value) > 20:
                raise ApiError(400, "bad_request", "Content-Length is not a number", CLOSE)
            if int(value) > limit:
                raise ApiError(413, "too_large", f"body exceeds {limit} bytes", CLOSE)


class _Metered:
    """A receive that counts body bytes against the rule and stops at its deadline."""

    def __init__(self, receive: Receive, rule: Rule) -> None:
        self.receive, self.rule = receive, rule
        self.size = 0
        self.deadline = time.monotonic() + rule.timeout_s

    async def __call__(self) -> Message:
        remaining = self.deadline - time.monotonic()
        try:
            async with asyncio.timeout(max(remaining, 0.0)):
                message = await self.receive()
        except TimeoutError:
            raise ApiError(
                408, "timeout", f"body not received within {self.rule.timeout_s:g} s", CLOSE
            ) from None
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self.rule.max_bytes:
                raise ApiError(413, "too_large", f"body exceeds {self.rule.max_bytes} bytes", CLOSE)
        return message

    async def read_all(self) -> bytes:
        chunks = []
        while True:
            message = await self()
            if message["type"] != "http.request":
                raise ApiError(400, "bad_request", "client disconnected before the body ended")
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the buffered body over once, then waits on the real one."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _answer(send: Send, error: ApiError) -> None:
    status, headers, body = render((error.status, _content(error), error.headers))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _content(error: ApiError) -> dict[str, Any]:
    return {"error": error.error, "detail": error.detail}
