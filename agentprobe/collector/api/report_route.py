"""`POST /api/v1/reports` served as a plain ASGI handler in front of the FastAPI app.

Every report an agent uploads comes through here, so this one endpoint skips FastAPI's
routing, dependency solving, request objects and the middleware chain below it: per report
those cost more CPU than parsing, validating and storing together. The FastAPI route in
`ingest.py` stays registered, so the endpoint is documented in the OpenAPI schema, and it
calls the same `ReportIngest.handle`; the two cannot drift apart.

Order of the checks: a declared Content-Length over the limit (413, answered by
`limits.BodyLimits` in front of this route), token (401), content type (415), size (413,
enforced while the body streams in, before it is all read), JSON (400), schema (422),
owner (403). Only a report that passes all of them reaches the group-commit writer, and
the answer (201 new, 200 duplicate) is sent only after its batch has committed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import replace
from typing import Any

from starlette.concurrency import run_in_threadpool

from agentprobe.collector.auth import BEARER_CHALLENGE, Authenticator
from agentprobe.collector.errors import ApiError
from agentprobe.collector.kpis.location import OfficeNetworks, derive, vpn_active
from agentprobe.collector.metrics import CollectorMetrics
from agentprobe.collector.peer import network_digest
from agentprobe.collector.store.writer import GroupCommitWriter, WriterClosed
from agentprobe.collector.validation import TimeBounds, parse, validate

log = logging.getLogger("agentprobe.collector")

PATH = "/api/v1/reports"
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Answer = tuple[int, Any, dict[str, str] | None]  # status, JSON body, extra headers


class ReportIngest:
    """The ingest logic over raw ASGI messages; `handle` never raises an ApiError."""

    def __init__(
        self,
        auth: Authenticator,
        metrics: CollectorMetrics,
        body_limit: int,
        writer: Callable[[], GroupCommitWriter | None],
        network_salt: bytes = b"",
        offices: OfficeNetworks | None = None,
        bounds: Callable[[], TimeBounds | None] = lambda: None,
    ) -> None:
        self.auth, self.metrics, self.body_limit, self.writer = auth, metrics, body_limit, writer
        self.network_salt, self.bounds = network_salt, bounds
        self.offices = offices if offices is not None else OfficeNetworks()
        # Resolved once: a labelled child costs a lock and a dict lookup on every `.labels`.
        self._stored = metrics.requests.labels("stored")
        self._duplicate = metrics.requests.labels("duplicate")

    async def handle(
        self, headers: list[tuple[bytes, bytes]], receive: Receive, peer: str = ""
    ) -> Answer:
        """(status, JSON body, headers) for one upload whose body is still to be received.

        `peer` is the client's address: it decides `office` and only a salted digest of
        its network is kept.
        """
        started = time.perf_counter()
        try:
            answer = await self._ingest(_header_map(headers), receive, peer)
        except ApiError as error:
            self.metrics.requests.labels(str(error.status)).inc()
            return error.status, {"error": error.error, "detail": error.detail}, error.headers
        self.metrics.latency.observe(time.perf_counter() - started)
        return answer

    async def _ingest(self, headers: dict[bytes, bytes], receive: Receive, peer: str) -> Answer:
        agent_id = await self._agent(headers.get(b"authorization", b""))
        _check_content_type(headers)
        raw = await self._read_body(headers.get(b"content-length", b""), receive)
        data, text = parse(raw)
        report = validate(data, text, self.bounds())
        where = derive(report.location, self.offices.contains(peer or None), vpn_active(data))
        if where != report.location:
            report = replace(report, location=where)
        if report.agent_id != agent_id:
            raise ApiError(
                403,
                "forbidden",
                f"this token belongs to agent {agent_id!r}, not {report.agent_id!r}",
            )
        if peer and self.network_salt:
            report = replace(report, network=network_digest(peer, self.network_salt))
        writer = self.writer()
        if writer is None:
            raise ApiError(503, "unavailable", "collector is starting; retry")
        try:
            stored = await writer.submit(report)
        except WriterClosed:
            raise ApiError(503, "unavailable", "collector is shutting down; retry") from None
        except Exception as error:
            log.error("report %s not stored: %s", report.report_id, error)
            raise ApiError(503, "unavailable", "storage unavailable; retry later") from None
        if stored:
            self._stored.inc()
            self.metrics.reports.labels(report.status).inc()
        else:
            self._duplicate.inc()
        return (201 if stored else 200), {"report_id": report.report_id, "stored": stored}, None

    async def _agent(self, header: bytes) -> str:
        scheme, _, token = header.decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "unauthorized", "missing bearer token", BEARER_CHALLENGE)
        # The database is only asked on a cache miss, in a worker thread (it blocks).
        agent_id = self.auth.cached_agent(token) or await run_in_threadpool(
            self.auth.agent_for, token
        )
        if agent_id is None:
            raise ApiError(401, "unauthorized", "unknown or revoked agent token", BEARER_CHALLENGE)
        return agent_id

    async def _read_body(self, declared: bytes, receive: Receive) -> bytes:
        """The body, or a 413 as soon as it is known to exceed the limit."""
        limit = self.body_limit
        if declared.isdigit() and len(declared) <= 20 and int(declared) > limit:
            raise ApiError(413, "too_large", f"body of {declared.decode()} bytes exceeds {limit}")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise ApiError(400, "bad_request", "client disconnected before the body ended")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "too_large", f"body exceeds {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _header_map(headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """The first value of each header (ASGI names are lower case already)."""
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        found.setdefault(name, value)
    return found


def _check_content_type(headers: dict[bytes, bytes]) -> None:
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the report as application/json")
    encoding = headers.get(b"content-encoding", b"identity").decode("latin-1").strip().lower()
    if encoding not in ("", "identity"):
        raise ApiError(415, "unsupported_media_type", f"content-encoding {encoding} not accepted")


def render(answer: Answer) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, raw headers and body of an answer, encoded as Starlette's JSONResponse does."""
    status, content, extra = answer
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    data = body.encode("utf-8")
    headers = [(b"content-length", str(len(data)).encode()), (b"content-type", _JSON)]
    headers += [
        (name.lower().encode("latin-1"), v.encode("latin-1")) for name, v in (extra or {}).items()
    ]
    return status, headers, data


_JSON = b"application/json"


class ReportRoute:
    """ASGI middleware: answers `POST /api/v1/reports` itself, passes the rest on."""

    def __init__(self, app: ASGIApp, ingest: Callable[[], ReportIngest]) -> None:
        self.app, self.ingest = app, ingest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        peer = str(client[0]) if client else ""
        answer = await self.ingest().handle(scope["headers"], receive, peer)
        status, headers, body = render(answer)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
