"""The operations API (admin token): agents, an agent's reports, the fleet summary,
revocation and release. Every call is written to the audit log."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from agentprobe.collector.auth import require_admin
from agentprobe.collector.errors import ERROR_RESPONSE, ApiError
from agentprobe.collector.security import client_address, security
from agentprobe.collector.store import queries, roster
from agentprobe.collector.store.audit import actor_of
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.fleet import fleet_summary
from agentprobe.config.durations import parse_duration


async def audited_admin(request: Request, token_sha256: str = Depends(require_admin)) -> str:
    """FastAPI dependency: require_admin, then one audit row for the call."""
    guard = security(request)
    action = "admin_read" if request.method == "GET" else "admin_" + request.method.lower()
    source = guard.enroll_attempts.source(client_address(request))
    await run_in_threadpool(
        guard.audit.record, action, "ok", actor_of(token_sha256), request.url.path, source
    )
    return token_sha256


router = APIRouter(tags=["operations"], dependencies=[Depends(audited_admin)])
_ERROR = ERROR_RESPONSE
_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: _ERROR for code in (400, 401, 408, 413, 422, 503)
}

Limit = Annotated[int, Query(ge=1, le=queries.MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(max_length=512, description="`next` of the previous page")]
Since = Annotated[str, Query(max_length=32, description='window: "24h", "7d", "900" (s)')]


def since_seconds(text: str) -> float:
    """A window length from "24h"-style text, or a 422 ApiError."""
    try:
        seconds = parse_duration(text)
    except ValueError as error:
        raise ApiError(422, "invalid", f"since: {error}") from None
    if not 0 < seconds <= 3650 * 86400:
        raise ApiError(422, "invalid", "since must be more than 0 and at most 10 years")
    return seconds


def _cursor_error(error: queries.BadCursor) -> ApiError:
    return ApiError(422, "invalid", f"cursor: {error}")


@router.get("/api/v1/agents", responses=_RESPONSES)
async def agents(request: Request, limit: Limit = 1000, cursor: Cursor = None) -> dict[str, Any]:
    """Enrolled agents with last status, last seen, team, site and location; newest first."""
    return await _page(queries.list_agents, request, limit, cursor)


async def _page(
    read: Callable[[Any, int, str | None], tuple[list[dict[str, Any]], str | None]],
    request: Request,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """A page of agents from `read(engine, limit, cursor)`; a bad cursor is a 422."""
    try:
        items, following = await run_in_threadpool(read, request.app.state.engine, limit, cursor)
    except queries.BadCursor as error:
        raise _cursor_error(error) from None
    return {"agents": items, "next": following}


@router.get("/api/v1/agents/{agent_id}/reports", responses={**_RESPONSES, 404: _ERROR})
async def agent_reports(
    request: Request, agent_id: str, limit: Limit = 100, cursor: Cursor = None
) -> dict[str, Any]:
    """An agent's reports exactly as uploaded, newest first."""
    engine = request.app.state.engine
    if await run_in_threadpool(queries.get_agent, engine, agent_id) is None:
        raise ApiError(404, "not_found", f"no agent {agent_id!r}")
    try:
        items, following = await run_in_threadpool(
            queries.agent_reports, engine, agent_id, limit, cursor
        )
    except queries.BadCursor as error:
        raise _cursor_error(error) from None
    return {"reports": items, "next": following}


@router.get("/api/v1/fleet", responses=_RESPONSES)
async def fleet(request: Request, since: Since = "24h") -> dict[str, Any]:
    """Fleet summary over the window: status counts, per check, per team/site/location."""
    start = time.time() - since_seconds(since)
    summary: dict[str, Any] = await run_in_threadpool(
        fleet_summary, request.app.state.engine, start
    )
    return summary


@router.get("/api/v1/fleet/agents", responses=_RESPONSES)
async def fleet_agents(
    request: Request, limit: Limit = 1000, cursor: Cursor = None
) -> dict[str, Any]:
    """One row per enrolled agent (by agent id): latest status and latest report's figures."""
    return await _page(roster.agent_rows, request, limit, cursor)


@router.delete(
    "/api/v1/agents/{agent_id}/token", status_code=204, responses={**_RESPONSES, 404: _ERROR}
)
async def revoke_agent(request: Request, agent_id: str) -> Response:
    """Revoke an agent's token at once (and its reflector sessions). It stays revoked: the
    id cannot enrol again until released (`POST /api/v1/agents/{id}/release`)."""
    credentials: Credentials = request.app.state.credentials
    if not await run_in_threadpool(credentials.revoke_agent, agent_id):
        raise ApiError(404, "not_found", f"no active token for agent {agent_id!r}")
    security(request).cut_off(agent_id)
    return Response(status_code=204)


@router.post(
    "/api/v1/agents/{agent_id}/release",
    status_code=204,
    responses={**_RESPONSES, 404: _ERROR},
)
async def release_agent(request: Request, agent_id: str) -> Response:
    """Free an agent id for one new enrolment (a reinstalled PC); its token ends at once."""
    credentials: Credentials = request.app.state.credentials
    if not await run_in_threadpool(credentials.release_agent, agent_id):
        raise ApiError(404, "not_found", f"no agent {agent_id!r}")
    security(request).cut_off(agent_id)
    return Response(status_code=204)
