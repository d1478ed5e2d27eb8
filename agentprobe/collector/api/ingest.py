"""The agent-facing write API: `POST /api/v1/enroll` and `POST /api/v1/reports`.

The report upload itself is handled in `report_route.py` (see there for the order of its
checks); the route here declares it for the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from agentprobe.collector.api.report_route import ReportIngest
from agentprobe.collector.errors import ERROR_RESPONSE, ApiError
from agentprobe.collector.security import client_address, security
from agentprobe.collector.store.credentials import Credentials, EnrollConflict, EnrollError
from agentprobe.collector.validation import BIDI_CONTROLS
from agentprobe.report import AGENT_ID_PATTERN, json_schema

router = APIRouter(tags=["agents"])

# No control characters and no bidirectional controls: the host is shown to people.
_HOST = r"^[^\x00-\x1f\x7f" + "".join(sorted(BIDI_CONTROLS)) + "]*$"
_ERROR = ERROR_RESPONSE


class EnrollRequest(BaseModel):
    enroll_secret: str = Field(min_length=1, max_length=256)
    agent_id: str = Field(min_length=1, max_length=128, pattern=AGENT_ID_PATTERN)
    host: str = Field(default="", max_length=255, pattern=_HOST)


class EnrollResponse(BaseModel):
    agent_token: str


class ReportAck(BaseModel):
    report_id: str
    stored: bool


@router.post(
    "/api/v1/enroll",
    response_model=EnrollResponse,
    responses={code: _ERROR for code in (400, 401, 408, 409, 413, 422, 429, 503)},
)
async def enroll(body: EnrollRequest, request: Request) -> EnrollResponse:
    """Trade the enrol secret for this agent's own token.

    An agent id is enrolled once: 409 when it is taken (or revoked) until an operator
    releases it. Failed attempts are limited per client address (429 with Retry-After)."""
    credentials: Credentials = request.app.state.credentials
    guard, address = security(request), client_address(request)
    guard.enroll_attempts.check(address)
    source = guard.enroll_attempts.source(address)
    try:
        token = await run_in_threadpool(
            credentials.enroll, body.enroll_secret, body.agent_id, body.host
        )
    except EnrollError as error:
        guard.enroll_attempts.failed(address, str(error))
        await run_in_threadpool(guard.audit.record, "enroll", "failed", "", body.agent_id, source)
        raise ApiError(401, "unauthorized", str(error)) from None
    except EnrollConflict as error:
        await run_in_threadpool(guard.audit.record, "enroll", "refused", "", body.agent_id, source)
        raise ApiError(409, "conflict", str(error)) from None
    guard.cut_off(body.agent_id)
    await run_in_threadpool(guard.audit.record, "enroll", "ok", "", body.agent_id, source)
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
        **{code: _ERROR for code in (400, 401, 403, 408, 413, 415, 422, 503)},
    },
    openapi_extra={"requestBody": _report_body_schema(), "security": [{"bearer": []}]},
)
async def post_report(request: Request) -> JSONResponse:
    """Store one report (schema agentprobe.report/1) for the token's agent."""
    # Under the server, `ReportRoute` answers this path before FastAPI routes it; this
    # route documents the endpoint and runs the very same handler if it is reached.
    ingest: ReportIngest = request.app.state.report_ingest
    client = request.client.host if request.client else ""
    status, content, headers = await ingest.handle(
        request.scope["headers"], request.receive, client
    )
    return JSONResponse(content, status_code=status, headers=headers)
