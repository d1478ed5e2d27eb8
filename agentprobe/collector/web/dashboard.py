"""The operations dashboard: server-rendered pages behind an admin-token login.

Logging in trades the admin token for a session cookie (HttpOnly, Secure, SameSite=Strict;
the session is stored hashed and ends when the token is revoked). Pages: the fleet view
(readiness, per-check breakdown, groups, agents needing attention) and one agent's
timeline with its charts.
"""

from __future__ import annotations

import time
from importlib import resources
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from agentprobe import __version__
from agentprobe.collector.api.read import since_seconds
from agentprobe.collector.auth import token_hash
from agentprobe.collector.security import client_address, security
from agentprobe.collector.store import queries
from agentprobe.collector.store.audit import actor_of
from agentprobe.collector.store.calls import agent_calls, fleet_calls
from agentprobe.collector.store.cause_summary import top_causes
from agentprobe.collector.store.credentials import SESSION_SECONDS, Credentials
from agentprobe.collector.store.fleet import fleet_summary, iso
from agentprobe.collector.store.timeline import agent_timeline, fleet_changes
from agentprobe.collector.store.trends import GROUPS, trend
from agentprobe.collector.web.charts import STATUS_COLOURS, line_chart, status_bar
from agentprobe.collector.web.series import agent_charts, trend_charts

COOKIE = "agentprobe_session"
TIMELINE_REPORTS = 500

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(
    directory=str(resources.files("agentprobe.collector.web").joinpath("templates"))
)
templates.env.globals.update(version=__version__, colours=STATUS_COLOURS, iso=iso)


def _credentials(request: Request) -> Credentials:
    credentials: Credentials = request.app.state.credentials
    return credentials


async def _logged_in(request: Request) -> bool:
    session = request.cookies.get(COOKIE, "")
    if not session or len(session) > 128:
        return False
    return bool(await run_in_threadpool(_credentials(request).session_valid, session))


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, token: str = Form(max_length=256)) -> Response:
    """Failed logins are limited per client address (429) and every attempt is audited."""
    guard, address = security(request), client_address(request)
    guard.login_attempts.check(address)
    source = guard.login_attempts.source(address)
    session = await run_in_threadpool(_credentials(request).open_session, token.strip())
    if session is None:
        guard.login_attempts.failed(address, "not a valid admin token")
        await run_in_threadpool(guard.audit.record, "login", "failed", "", "", source)
        context = {"error": "That admin token is not valid."}
        return templates.TemplateResponse(request, "login.html", context, status_code=401)
    actor = actor_of(token_hash(token.strip()))
    await run_in_threadpool(guard.audit.record, "login", "ok", actor, "", source)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE, session, max_age=SESSION_SECONDS, httponly=True, secure=True, samesite="strict"
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = request.cookies.get(COOKIE)
    if session:
        await run_in_threadpool(_credentials(request).close_session, session)
    response = _to_login()
    response.delete_cookie(COOKIE, httponly=True, secure=True, samesite="strict")
    return response


@router.get("/", response_class=HTMLResponse)
async def fleet_page(request: Request, since: str = "24h") -> Response:
    if not await _logged_in(request):
        return _to_login()
    window = since_seconds(since)
    engine = request.app.state.engine
    start = time.time() - window
    summary = await run_in_threadpool(fleet_summary, engine, start)
    agents, _ = await run_in_threadpool(queries.list_agents, engine, 200, None)
    context: dict[str, Any] = {
        "since": since,
        "summary": summary,
        "agents": agents,
        "causes": await run_in_threadpool(top_causes, engine, start),
        "changes": await run_in_threadpool(fleet_changes, engine, start),
        "alerts": await run_in_threadpool(request.app.state.alerts.active),
        "readiness_bar": status_bar(summary["agents"]["by_last_status"]),
        "reports_bar": status_bar(
            {k: summary["reports"][k] for k in STATUS_COLOURS if k in summary["reports"]}
        ),
    }
    return templates.TemplateResponse(request, "fleet.html", context)


@router.get("/calls", response_class=HTMLResponse)
async def calls_page(request: Request, since: str = "24h") -> Response:
    if not await _logged_in(request):
        return _to_login()
    start = time.time() - since_seconds(since)
    summary = await run_in_threadpool(fleet_calls, request.app.state.engine, start)
    return templates.TemplateResponse(request, "calls.html", {"since": since, "summary": summary})


@router.get("/agents/{agent_id}", response_class=HTMLResponse)
async def agent_page(request: Request, agent_id: str, since: str = "7d") -> Response:
    if not await _logged_in(request):
        return _to_login()
    window = since_seconds(since)
    engine = request.app.state.engine
    agent = await run_in_threadpool(queries.get_agent, engine, agent_id)
    if agent is None:
        context = {"message": f"No agent {agent_id!r}."}
        return templates.TemplateResponse(request, "missing.html", context, status_code=404)
    reports, _ = await run_in_threadpool(
        queries.agent_reports, engine, agent_id, TIMELINE_REPORTS, None, time.time() - window
    )
    calls = await run_in_threadpool(agent_calls, engine, agent_id, 20)
    events = await run_in_threadpool(agent_timeline, engine, agent_id, time.time() - window)
    markers = [(event["at_ts"], marker_label(event)) for event in events]
    charts = agent_charts(list(reversed(reports)), markers)
    page: dict[str, Any] = {
        "since": since,
        "agent": agent,
        "calls": calls,
        "latest": reports[0] if reports else None,
        "reports": reports[:20],
        "events": events,
        "charts": [line_chart(chart) for chart in charts],
    }
    return templates.TemplateResponse(request, "agent.html", page)


def marker_label(event: dict[str, Any]) -> str:
    """A chart marker's text: what changed, and to what when the value is not a digest."""
    if event.get("category") == "router":
        return "router restarted"  # its value is the up-since moment the marker stands at
    name = str(event["what"]).split(".", 1)[-1]
    return f"{name} {event['to']}"[:32] if event.get("to") else f"{name} changed"


@router.get("/trends", response_class=HTMLResponse)
async def trends_page(
    request: Request, since: str = "14d", bucket: str = "day", group: str = "", value: str = ""
) -> Response:
    if not await _logged_in(request):
        return _to_login()
    window = since_seconds(since)
    if bucket not in ("hour", "day") or group not in ("", *GROUPS):
        context = {"message": "bucket must be hour or day; group team, site or location."}
        return templates.TemplateResponse(request, "missing.html", context, status_code=422)
    engine = request.app.state.engine
    start = time.time() - window
    buckets = await run_in_threadpool(trend, engine, start, bucket, group or None, value)
    summary = await run_in_threadpool(fleet_summary, engine, start)
    page: dict[str, Any] = {
        "since": since,
        "bucket": bucket,
        "group": group,
        "value": value,
        "groups": {name: [g["name"] for g in summary["groups"][name]] for name in GROUPS},
        "charts": [line_chart(chart) for chart in trend_charts(buckets)],
        "buckets": buckets,
    }
    return templates.TemplateResponse(request, "trends.html", page)


@router.get("/alerts", response_class=HTMLResponse)
async def alerts_page(request: Request) -> Response:
    if not await _logged_in(request):
        return _to_login()
    service = request.app.state.alerts
    page: dict[str, Any] = {
        "alerts": await run_in_threadpool(service.active),
        "deliveries": await run_in_threadpool(service.deliveries, 200),
        "rules": service.config.rules,
        "webhooks": service.config.webhooks,
    }
    return templates.TemplateResponse(request, "alerts.html", page)
