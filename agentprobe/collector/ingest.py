"""The agent-facing write API: `POST /api/v1/enroll` and `POST /api/v1/reports`.

Order of the report checks: token (401), content type (415), size (413, enforced while the
body streams in, before it is all read), JSON (400), schema (422), owner (403). Only a
report that passes all of them reaches the group-commit writer, and the answer (201 new,
200 duplicate) is sent only after its batch has committed.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from agentprobe.collector.auth import require_agent
from agentprobe.collector.credentials import Credentials, EnrollError
from agentprobe.collector.errors import ApiError
from agentprobe.collector.metrics import CollectorMetrics
from agentprobe.collector.validation import parse, validate
from agentprobe.collector.writer import GroupCommitWriter, WriterClosed
from agentprobe.report import json_schema

log = logging.getLogger("agentprobe.collector")
router = APIRouter(tags=["agents"])

_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


class EnrollRequest(BaseModel):
    enroll_secret: str = Field(min_length=1, max_length=256)
    agent_id: str = Field(min_length=1, max_length=128, pattern=_PRINTABLE)
    host: str = Field(default="", max_length=255, pattern=r"^[^\x00-\x1f\x7f]*$")


class EnrollResponse(BaseModel):
    agent_token: str


class ReportAck(BaseModel):
    report_id: str
    stored: bool


@router.post(
    "/api/v1/enroll",
    response_model=EnrollResponse,
    responses={401: _ERROR, 422: _ERROR},
)
async def enroll(body: EnrollRequest, request: Request) -> EnrollResponse:
    """Trade the enrol secret for this agent's own token (re-enrolling replaces the token)."""
    credentials: Credentials = request.app.state.credentials
    try:
        token = await run_in_threadpool(
            credentials.enroll, body.enroll_secret, body.agent_id, body.host
        )
    except EnrollError as error:
        raise ApiError(401, "unauthorized", str(error)) from None
    return EnrollResponse(agent_token=token)


def _report_body_schema() -> dict[str, Any]:
    schema = {k: v for k, v in json_schema().items() if not k.startswith("$")}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


@router.post(
    "/api/v1/reports",
    status_code=201,
    response_model=ReportAck,
    responses={
        200: {"model": ReportAck, "description": "Duplicate report_id: already stored"},
        **{code: _ERROR for code in (400, 401, 403, 413, 415, 422, 503)},
    },
    openapi_extra={"requestBody": _report_body_schema(), "security": [{"bearer": []}]},
)
async def post_report(request: Request) -> JSONResponse:
    """Store one report (schema agentprobe.report/1) for the token's agent."""
    metrics: CollectorMetrics = request.app.state.metrics
    started = time.perf_counter()
    try:
        # Called directly rather than through Depends: the hot path skips FastAPI's
        # dependency solver, which cost more per report than validation.
        agent_id = await require_agent(request)
        response = await _ingest(request, agent_id)
    except ApiError as error:
        metrics.requests.labels(str(error.status)).inc()
        raise
    metrics.latency.observe(time.perf_counter() - started)
    return response


async def _ingest(request: Request, agent_id: str) -> JSONResponse:
    _check_content_type(request)
    raw = await read_limited(request, request.app.state.settings.body_limit)
    report = validate(*parse(raw))
    if report.agent_id != agent_id:
        raise ApiError(
            403, "forbidden", f"this token belongs to agent {agent_id!r}, not {report.agent_id!r}"
        )
    writer: GroupCommitWriter = request.app.state.writer
    try:
        stored = await writer.submit(report)
    except WriterClosed:
        raise ApiError(503, "unavailable", "collector is shutting down; retry") from None
    except Exception as error:
        log.error("report %s not stored: %s", report.report_id, error)
        raise ApiError(503, "unavailable", "storage unavailable; retry later") from None
    metrics: CollectorMetrics = request.app.state.metrics
    metrics.requests.labels("stored" if stored else "duplicate").inc()
    if stored:
        metrics.reports.labels(report.status).inc()
    ack = {"report_id": report.report_id, "stored": stored}
    return JSONResponse(ack, status_code=201 if stored else 200)


def _check_content_type(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the report as application/json")
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise ApiError(415, "unsupported_media_type", f"content-encoding {encoding} not accepted")


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, or a 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if re.fullmatch(r"\d{1,20}", declared) and int(declared) > limit:
        raise ApiError(413, "too_large", f"body of {declared} bytes exceeds {limit}")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "too_large", f"body exceeds {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(400, "bad_request", "client disconnected before the body ended") from None
    return b"".join(chunks)
