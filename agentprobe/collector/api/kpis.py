"""The KPI API (admin token): import a KPI export, the insights, office networks.

`POST /api/v1/kpis` takes a CSV body (text/csv) and stores it whole or not at all; a bad
file is a 422 listing each bad line and why. `GET /api/v1/insights/kpis` relates the
KPIs to health by team, site, location and weekday; the per-agent view answers only a
token with the `kpi-agent` role, and only while the collector's agent views are on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from agentprobe.collector.api.read import Since, since_seconds
from agentprobe.collector.auth import require_admin
from agentprobe.collector.errors import ERROR_RESPONSE, ApiError
from agentprobe.collector.kpis import csvfile, insights
from agentprobe.collector.kpis.location import OfficeNetworks, parse_networks
from agentprobe.collector.kpis.mappings import BUILT_IN
from agentprobe.collector.store import kpis as store
from agentprobe.collector.store.fleet import iso
from agentprobe.config.spec import ConfigError

log = logging.getLogger("agentprobe.collector")
router = APIRouter(tags=["kpis"], dependencies=[Depends(require_admin)])
MAX_CSV_BYTES = 32 * 1024 * 1024
REFRESH_S = 30.0
_ERROR = ERROR_RESPONSE
_CSV_BODY = {
    "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
}
MinDays = Annotated[int, Query(ge=3, le=10_000, description="agent-days needed on each side")]


class Offices(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A list one past these limits fits the route's body limit (limits.OFFICES_BYTES),
    # so it is refused as invalid (422), not as too large (413).
    networks: list[Annotated[str, Field(max_length=49)]] = Field(
        max_length=200, description='CIDRs, e.g. "10.20.0.0/16"'
    )


def import_text(engine: Engine, text: str, mapping: str | None) -> dict[str, Any]:
    """Parse and store one export (any failure raises before anything is written)."""
    try:
        how = BUILT_IN[mapping] if mapping else BUILT_IN["agentprobe"]
    except KeyError:
        raise ConfigError(None, "mapping", f"unknown mapping {mapping!r}") from None
    parsed = csvfile.parse(text, how)
    summary = store.import_rows(engine, parsed.rows)
    return {**summary, "mapping": how.name, "kpis": parsed.kept, "ignored_columns": parsed.ignored}


async def _csv_body(request: Request) -> str:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("text/csv", "application/csv"):
        raise ApiError(415, "unsupported_media_type", "send the KPI file as text/csv")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CSV_BYTES:
        raise ApiError(413, "too_large", f"a KPI file may be at most {MAX_CSV_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CSV_BYTES:
            raise ApiError(413, "too_large", f"a KPI file may be at most {MAX_CSV_BYTES} bytes")
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed", "the KPI file is not UTF-8 text") from None


@router.post(
    "/api/v1/kpis",
    responses={code: _ERROR for code in (400, 401, 413, 415, 422)},
    openapi_extra=_CSV_BODY,
)
async def post_kpis(
    request: Request,
    mapping: Annotated[str | None, Query(description=f"one of {', '.join(BUILT_IN)}")] = None,
) -> dict[str, Any]:
    """Import per agent, per day KPIs (CSV); replaces the same (agent, date, KPI)."""
    text = await _csv_body(request)
    try:
        summary: dict[str, Any] = await run_in_threadpool(
            import_text, request.app.state.engine, text, mapping
        )
    except csvfile.KpiFileError as error:
        detail = [{"line": line, "msg": reason} for line, reason in error.problems]
        raise ApiError(422, "invalid_csv", detail) from None
    except ConfigError as error:
        raise ApiError(422, "invalid", str(error)) from None
    return summary


def zone(engine: Engine) -> ZoneInfo:
    return ZoneInfo(store.get_setting(engine, "timezone"))


def insights_answer(engine: Engine, since_s: float, min_days: int) -> dict[str, Any]:
    now = time.time()
    tz = zone(engine)
    days = store.agent_days(engine, now - since_s, tz)
    window = {"since": iso(now - since_s), "until": iso(now), "timezone": tz.key}
    return {**window, **insights.summarise(days, min_days)}


@router.get("/api/v1/insights/kpis", responses={401: _ERROR, 422: _ERROR})
async def kpi_insights(
    request: Request, since: Since = "30d", min_days: MinDays = insights.MIN_COUNT
) -> dict[str, Any]:
    """Each KPI on days with and without each health problem, by team, site, location."""
    answer: dict[str, Any] = await run_in_threadpool(
        insights_answer, request.app.state.engine, since_seconds(since), min_days
    )
    return answer


def agent_answer(engine: Engine, agent_id: str, since_s: float, min_days: int) -> dict[str, Any]:
    days = store.agent_days(engine, time.time() - since_s, zone(engine), agent_id)
    rows = [{"day": d.health.day, **d.health.figures(), "kpis": d.kpis} for d in days]
    compared = insights.comparisons(days, min_days, ("all", "location"), within=False)
    return {"agent_id": agent_id, "days": rows, "comparisons": compared}


async def require_agent_views(request: Request, token_sha256: str) -> None:
    """403 unless agent views are on and the token holds the kpi-agent role."""
    engine = request.app.state.engine
    if not await run_in_threadpool(store.agent_views_enabled, engine):
        raise ApiError(403, "forbidden", "per-agent KPI views are switched off on this collector")
    if not await run_in_threadpool(store.has_role, engine, token_sha256, "kpi-agent"):
        raise ApiError(403, "forbidden", "per-agent KPI views need a token with role kpi-agent")


@router.get(
    "/api/v1/insights/kpis/agents/{agent_id}", responses={401: _ERROR, 403: _ERROR, 422: _ERROR}
)
async def agent_kpis(
    request: Request,
    agent_id: str,
    token_sha256: Annotated[str, Depends(require_admin)],
    since: Since = "30d",
    min_days: MinDays = insights.MIN_COUNT,
) -> dict[str, Any]:
    """One agent's days, health next to KPIs (role kpi-agent; for team leads)."""
    await require_agent_views(request, token_sha256)
    answer: dict[str, Any] = await run_in_threadpool(
        agent_answer, request.app.state.engine, agent_id, since_seconds(since), min_days
    )
    return answer


@router.get("/api/v1/kpis/offices", responses={401: _ERROR})
async def get_offices(request: Request) -> dict[str, Any]:
    """The office networks: reports from them are located `office`."""
    return {"networks": await run_in_threadpool(store.office_networks, request.app.state.engine)}


@router.put("/api/v1/kpis/offices", responses={401: _ERROR, 422: _ERROR})
async def put_offices(request: Request, body: Offices) -> dict[str, Any]:
    """Replace the office networks; ingest uses them at once."""
    try:
        networks = parse_networks(body.networks)
    except ValueError as error:
        raise ApiError(422, "invalid", f"networks: {error}") from None
    texts = [str(n) for n in networks]
    await run_in_threadpool(store.set_office_networks, request.app.state.engine, texts)
    offices: OfficeNetworks = request.app.state.offices
    offices.networks = tuple(networks)
    return {"networks": texts}


async def follow_offices(engine: Engine, offices: OfficeNetworks) -> None:
    """Reload the office networks now and then (the CLI may change them while serving)."""
    while True:
        await asyncio.sleep(REFRESH_S)
        try:
            texts = await asyncio.to_thread(store.office_networks, engine)
            offices.networks = tuple(parse_networks(texts))
        except Exception:
            log.exception("reloading office networks failed; keeping the last list")
