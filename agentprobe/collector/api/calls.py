"""The calls API (admin token): an agent's recent real calls, and the fleet's poor calls."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from agentprobe.collector.api.read import Since, since_seconds
from agentprobe.collector.auth import require_admin
from agentprobe.collector.errors import ERROR_RESPONSE, ApiError
from agentprobe.collector.store import queries
from agentprobe.collector.store.calls import agent_calls, fleet_calls

router = APIRouter(tags=["calls"], dependencies=[Depends(require_admin)])
_RESPONSES: dict[int | str, dict[str, Any]] = {401: ERROR_RESPONSE, 422: ERROR_RESPONSE}


@router.get("/api/v1/agents/{agent_id}/calls", responses={**_RESPONSES, 404: ERROR_RESPONSE})
async def calls_of_agent(
    request: Request, agent_id: str, limit: int = Query(20, ge=1, le=1000)
) -> dict[str, Any]:
    """The agent's newest finished calls: MOS, loss, jitter, RTT, transport, codec."""
    engine = request.app.state.engine
    if await run_in_threadpool(queries.get_agent, engine, agent_id) is None:
        raise ApiError(404, "not_found", f"no agent {agent_id!r}")
    items = await run_in_threadpool(agent_calls, engine, agent_id, limit)
    return {"calls": items, "next": None}


@router.get("/api/v1/fleet/calls", responses=_RESPONSES)
async def calls_of_fleet(request: Request, since: Since = "24h") -> dict[str, Any]:
    """Calls in the window: poor ones (MOS under the call check's warn limit) by team,
    site and location, and the worst calls."""
    start = time.time() - since_seconds(since)
    summary: dict[str, Any] = await run_in_threadpool(fleet_calls, request.app.state.engine, start)
    return summary
