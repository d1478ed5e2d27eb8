"""The fleet summary over a window: how ready the fleet is, what fails, and who needs help.

The same dictionary feeds `GET /api/v1/fleet`, `collector report` and the dashboard.
Aggregation runs in the database over the hourly and daily rollups (`rollups.window`),
never over raw reports: counts come from the fleet rollups, the worst agents from the
per-agent ones, and how many agents report per team, site or location from the agents
table (their latest report's group, as `agents` counts them), so a 30-day summary of
10,000 agents costs about what a day's does. This module only shapes the grouped rows.
Windows start on the hour.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentprobe.collector.store import rollups
from agentprobe.collector.store.scaling import WHOLE_REPORT
from agentprobe.collector.store.schema import agents

STATUSES = ("pass", "warn", "fail", "error")
CHECK_STATUSES = (*STATUSES, "skip")
GROUPINGS = ("team", "site", "location")
WORST_AGENTS = 10


def iso(ts: float | None) -> str | None:
    """RFC 3339 UTC (seconds) for a POSIX timestamp."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def fleet_summary(engine: Engine, since_ts: float, now: float | None = None) -> dict[str, Any]:
    """Counts by status, per check, per team/site/location, readiness and the worst agents."""
    now = time.time() if now is None else now
    fleet = rollups.window(since_ts, now, fleet=True)
    with engine.connect() as connection:
        totals = _status_counts(connection, fleet)
        summary: dict[str, Any] = {
            "since": iso(since_ts),
            "until": iso(now),
            "reports": {"total": sum(totals.values()), **totals},
            "agents": _agents(connection, since_ts),
            "checks": _checks(connection, fleet),
            "worst_agents": _worst_agents(connection, since_ts, now),
            "groups": {name: _group(connection, fleet, name, since_ts) for name in GROUPINGS},
        }
    reporting = summary["agents"]["reporting"]
    ready = summary["agents"]["by_last_status"].get("pass", 0)
    summary["readiness_pct"] = round(100.0 * ready / reporting, 1) if reporting else None
    return summary


def _total(window: sa.Subquery, status: str) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(window.c[status]), 0)


def _status_counts(connection: Connection, window: sa.Subquery) -> dict[str, int]:
    query = sa.select(*(_total(window, s) for s in STATUSES)).where(
        window.c.check_name == WHOLE_REPORT
    )
    row = connection.execute(query).one()
    return {status: int(n) for status, n in zip(STATUSES, row, strict=True)}


def _agents(connection: Connection, since_ts: float) -> dict[str, Any]:
    """Agents whose latest report falls in the window, by that report's status."""
    live = agents.c.revoked_ts.is_(None)
    enrolled = connection.execute(sa.select(sa.func.count()).where(live)).scalar() or 0
    query = (
        sa.select(agents.c.last_status, sa.func.count())
        .where(live, agents.c.last_report_ts >= since_ts)
        .group_by(agents.c.last_status)
    )
    by_status = dict.fromkeys(STATUSES, 0)
    by_status.update({str(s): int(n) for s, n in connection.execute(query).all()})
    reporting = sum(by_status.values())
    return {
        "enrolled": int(enrolled),
        "reporting": reporting,
        "silent": int(enrolled) - reporting,
        "by_last_status": by_status,
    }


def _checks(connection: Connection, window: sa.Subquery) -> list[dict[str, Any]]:
    """Per check: counts by status; most failures first."""
    query = (
        sa.select(window.c.check_name, *(_total(window, s) for s in CHECK_STATUSES))
        .where(window.c.check_name != WHOLE_REPORT)
        .group_by(window.c.check_name)
    )
    rows = [
        {"name": str(name), **{s: int(n) for s, n in zip(CHECK_STATUSES, counts, strict=True)}}
        for name, *counts in connection.execute(query).all()
    ]
    for row in rows:
        row["failures"] = row["fail"]
    return sorted(rows, key=lambda r: (-r["fail"], -r["error"], -r["warn"], r["name"]))


def _worst_agents(connection: Connection, since_ts: float, now: float) -> list[dict[str, Any]]:
    """Agents with the most failing, then erroring, then warning reports in the window."""
    window = rollups.not_passing(connection, since_ts, now)
    fail, error, warn = (_total(window, s) for s in ("fail", "error", "warn"))
    query = (
        sa.select(window.c.agent_id, fail.label("fail"), error.label("error"), warn.label("warn"))
        .group_by(window.c.agent_id)
        .order_by(fail.desc(), error.desc(), warn.desc(), window.c.agent_id)
        .limit(WORST_AGENTS)
    )
    rows = connection.execute(query).all()
    info = _agent_info(connection, [row.agent_id for row in rows])
    return [
        {
            "agent_id": row.agent_id,
            "not_passing": int(row.fail + row.error + row.warn),
            "fail": int(row.fail),
            "error": int(row.error),
            "warn": int(row.warn),
            **info.get(row.agent_id, {}),
        }
        for row in rows
    ]


def _agent_info(connection: Connection, agent_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not agent_ids:
        return {}
    query = sa.select(
        agents.c.agent_id,
        agents.c.team,
        agents.c.site,
        agents.c.location,
        agents.c.last_status,
        agents.c.last_seen_ts,
    ).where(agents.c.agent_id.in_(agent_ids))
    return {
        row.agent_id: {
            "team": row.team,
            "site": row.site,
            "location": row.location,
            "last_status": row.last_status,
            "last_seen": iso(row.last_seen_ts),
        }
        for row in connection.execute(query).all()
    }


def _group(
    connection: Connection, window: sa.Subquery, column_name: str, since_ts: float
) -> list[dict[str, Any]]:
    """Report counts by status and reporting agents per value of team, site or location."""
    column = window.c[column_name]
    query = (
        sa.select(
            column.label("value"),
            _total(window, "reports").label("reports"),
            *(_total(window, status).label(status) for status in STATUSES),
        )
        .where(window.c.check_name == WHOLE_REPORT)
        .group_by(column)
        .order_by(column)
    )
    reporting = _reporting_by(connection, column_name, since_ts)
    return [
        {
            "name": row.value,
            "agents": reporting.get(row.value, 0),
            "reports": int(row.reports),
            **{status: int(getattr(row, status)) for status in STATUSES},
        }
        for row in connection.execute(query).all()
    ]


def _reporting_by(connection: Connection, column_name: str, since_ts: float) -> dict[str, int]:
    """Unrevoked agents whose latest report is in the window, by its team, site or location."""
    column = agents.c[column_name]
    query = (
        sa.select(column, sa.func.count())
        .where(agents.c.revoked_ts.is_(None), agents.c.last_report_ts >= since_ts)
        .group_by(column)
    )
    return {str(value): int(count) for value, count in connection.execute(query).all()}
