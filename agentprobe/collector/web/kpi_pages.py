"""The KPI pages of the dashboard: KPIs against health by team, site and location, home
against office, and (for a `kpi-agent` session, when agent views are on) one agent's days.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from agentprobe.collector.api.kpis import agent_answer, insights_answer
from agentprobe.collector.api.read import since_seconds
from agentprobe.collector.auth import token_hash
from agentprobe.collector.kpis import wording
from agentprobe.collector.kpis.insights import CONDITIONS, MIN_COUNT
from agentprobe.collector.store import kpis as store
from agentprobe.collector.web import dashboard
from agentprobe.collector.web.kpi_charts import figure, interval

router = APIRouter(include_in_schema=False)
templates = dashboard.templates
templates.env.globals.update(figure=figure, interval=interval, kpi_label=wording.label)
templates.env.filters["kpi_label"] = wording.label


def _agent_views(request: Request) -> bool:
    """The session may open per-agent KPI views (role kpi-agent, views switched on)."""
    engine = request.app.state.engine
    session = token_hash(request.cookies.get(dashboard.COOKIE, ""))
    return store.agent_views_enabled(engine) and store.session_has_role(
        engine, session, "kpi-agent"
    )


@router.get("/kpis", response_class=HTMLResponse)
async def kpi_page(request: Request, since: str = "30d") -> Response:
    if not await dashboard._logged_in(request):
        return dashboard._to_login()
    window = since_seconds(since)
    engine = request.app.state.engine
    answer = await run_in_threadpool(insights_answer, engine, window, MIN_COUNT)
    context: dict[str, Any] = {
        "since": since,
        "answer": answer,
        "findings": wording.findings(answer),
        "sections": wording.sections(answer),
        "problems": {p["name"]: p["label"] for p in answer["problems"]},
        "agent_views": await run_in_threadpool(_agent_views, request),
        "views_on": await run_in_threadpool(store.agent_views_enabled, engine),
    }
    return templates.TemplateResponse(request, "kpis.html", context)


@router.get("/kpis/agents/{agent_id}", response_class=HTMLResponse)
async def kpi_agent_page(request: Request, agent_id: str, since: str = "30d") -> Response:
    if not await dashboard._logged_in(request):
        return dashboard._to_login()
    if not await run_in_threadpool(_agent_views, request):
        message = "Per-agent KPI views need a kpi-agent token, and must be switched on."
        return templates.TemplateResponse(
            request, "kpi_forbidden.html", {"message": message}, status_code=403
        )
    window = since_seconds(since)
    answer = await run_in_threadpool(
        agent_answer, request.app.state.engine, agent_id, window, MIN_COUNT
    )
    problems = {c.name: c.label for c in CONDITIONS}
    context = {"since": since, "answer": answer, "problems": problems}
    return templates.TemplateResponse(request, "kpi_agent.html", context)


@router.get("/kpis/agent")
async def kpi_agent_form(agent: str = "") -> Response:
    """The page's agent picker (a plain GET form, no script) goes to that agent's page."""
    if not agent.strip():
        return RedirectResponse("/kpis", status_code=303)
    return RedirectResponse(f"/kpis/agents/{quote(agent.strip(), safe='')}", status_code=303)
