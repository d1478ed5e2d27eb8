"""Operations API (admin token) for why and what changed: timeline, changes, causes, trends."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from agentprobe.collector.api.read import Since, since_seconds
from agentprobe.collector.auth import require_admin
from agentprobe.collector.errors import ERROR_RESPONSE, ApiError
from agentprobe.collector.store import queries
from agentprobe.collector.store.cause_summary import top_causes
from agentprobe.collector.store.timeline import agent_timeline, fleet_changes
from agentprobe.collector.store.trends import BUCKETS, GROUPS, trend

router = APIRouter(tags=["operations"], dependencies=[Depends(require_admin)])
_ERROR = ERROR_RESPONSE
_RESPONSES: dict[int | str, dict[str, Any]] = {401: _ERROR, 422: _ERROR}
Moment = Annotated[
    str, Query(max_length=40, description='a window ("7d") or an RFC 3339 time to start at')
]
Group = Annotated[str | None, Query(max_length=128)]


def window_start(text: str, now: float | None = None) -> float:
    """POSIX start of a window given as a duration ("7d") or an RFC 3339 time; else a 422."""
    now = time.time() if now is None else now
    if "T" in text or text.count("-") >= 2:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as error:
            raise ApiError(422, "invalid", f"since: {error}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return now - since_seconds(text)


@router.get("/api/v1/agents/{agent_id}/timeline", responses={**_RESPONSES, 404: _ERROR})
async def timeline(request: Request, agent_id: str, since: Moment = "30d") -> dict[str, Any]:
    """The agent's change events, newest first, with quality the day before and after each."""
    engine = request.app.state.engine
    if await run_in_threadpool(queries.get_agent, engine, agent_id) is None:
        raise ApiError(404, "not_found", f"no agent {agent_id!r}")
    start = window_start(since)
    events = await run_in_threadpool(agent_timeline, engine, agent_id, start)
    return {"events": events, "next": None}


@router.get("/api/v1/fleet/changes", responses=_RESPONSES)
async def changes(request: Request, since: Since = "7d") -> dict[str, Any]:
    """Changes made by the most agents in the window, with their MOS before and after."""
    start = time.time() - since_seconds(since)
    found = await run_in_threadpool(fleet_changes, request.app.state.engine, start)
    return {"changes": found, "next": None}


@router.get("/api/v1/fleet/causes", responses=_RESPONSES)
async def causes(request: Request, since: Since = "24h") -> dict[str, Any]:
    """Why checks failed or warned in the window: per cause, results and the agents behind it."""
    start = time.time() - since_seconds(since)
    found = await run_in_threadpool(top_causes, request.app.state.engine, start)
    return {"causes": found, "next": None}


@router.get("/api/v1/fleet/trends", responses=_RESPONSES)
async def trends(
    request: Request,
    since: Since = "14d",
    bucket: Annotated[str, Query(pattern="^(hour|day)$")] = "day",
    team: Group = None,
    site: Group = None,
    location: Group = None,
) -> dict[str, Any]:
    """Readiness and mean figures per hour or day, for the fleet or one team/site/location."""
    start = time.time() - since_seconds(since)
    group, value = _group(team=team, site=site, location=location)
    rows = await run_in_threadpool(trend, request.app.state.engine, start, bucket, group, value)
    return {"buckets": rows, "next": None, "bucket_s": BUCKETS[bucket]}


def _group(**given: str | None) -> tuple[str | None, str | None]:
    chosen = [(name, value) for name, value in given.items() if value is not None]
    if len(chosen) > 1:
        raise ApiError(422, "invalid", f"give at most one of {', '.join(GROUPS)}")
    return chosen[0] if chosen else (None, None)


@router.get("/api/v1/alerts", responses=_RESPONSES)
async def alerts(request: Request) -> dict[str, Any]:
    """Raised alerts, newest first, each as the notice that raised it."""
    found = await run_in_threadpool(request.app.state.alerts.active)
    return {"alerts": found, "next": None}


@router.get("/api/v1/alerts/deliveries", responses=_RESPONSES)
async def deliveries(
    request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> dict[str, Any]:
    """The webhook delivery log, newest first: attempts, last status or error, outcome."""
    found = await run_in_threadpool(request.app.state.alerts.deliveries, limit)
    return {"deliveries": found, "next": None}
