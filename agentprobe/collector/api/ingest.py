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
from agentprobe.collector.errors import ApiError
from agentprobe.collector.store.credentials import Credentials, EnrollError
from agentprobe.report import json_schema

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
    # Under the server, `ReportRoute` answers this path before FastAPI routes it; this
    # route documents the endpoint and runs the very same handler if it is reached.
    ingest: ReportIngest = request.app.state.report_ingest
    client = request.client.host if request.client else None
    status, content, headers = await ingest.handle(
        request.scope["headers"], request.receive, client
    )
    return JSONResponse(content, status_code=status, headers=headers)
