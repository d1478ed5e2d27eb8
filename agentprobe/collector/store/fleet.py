"""The fleet summary over a window: how ready the fleet is, what fails, and who needs help.

The same dictionary feeds `GET /api/v1/fleet`, `collector report` and the dashboard.
Aggregation runs in the database (GROUP BY over indexed time ranges); this module only
shapes the grouped rows.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentprobe.collector.store.schema import agents, report_checks, reports

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
    with engine.connect() as connection:
        totals = _status_counts(connection, since_ts)
        summary: dict[str, Any] = {
            "since": iso(since_ts),
            "until": iso(now),
            "reports": {"total": sum(totals.values()), **totals},
            "agents": _agents(connection, since_ts),
            "checks": _checks(connection, since_ts),
            "worst_agents": _worst_agents(connection, since_ts),
            "groups": {name: _group(connection, since_ts, name) for name in GROUPINGS},
        }
    reporting = summary["agents"]["reporting"]
    ready = summary["agents"]["by_last_status"].get("pass", 0)
    summary["readiness_pct"] = round(100.0 * ready / reporting, 1) if reporting else None
    return summary


def _status_counts(connection: Connection, since_ts: float) -> dict[str, int]:
    query = (
        sa.select(reports.c.status, sa.func.count())
        .where(reports.c.created_ts >= since_ts)
        .group_by(reports.c.status)
    )
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({str(status): int(n) for status, n in connection.execute(query).all()})
    return counts


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


def _checks(connection: Connection, since_ts: float) -> list[dict[str, Any]]:
    """Per check: counts by status; most failures first."""
    query = (
        sa.select(report_checks.c.name, report_checks.c.status, sa.func.count())
        .where(report_checks.c.created_ts >= since_ts)
        .group_by(report_checks.c.name, report_checks.c.status)
    )
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CHECK_STATUSES, 0))
    for name, status, count in connection.execute(query).all():
        table[str(name)][str(status)] = int(count)
    rows = [{"name": name, **counts, "failures": counts["fail"]} for name, counts in table.items()]
    return sorted(rows, key=lambda r: (-r["fail"], -r["error"], -r["warn"], r["name"]))


def _count_if(status: str) -> sa.ColumnElement[Any]:
    return sa.func.sum(sa.case((reports.c.status == status, 1), else_=0))


def _worst_agents(connection: Connection, since_ts: float) -> list[dict[str, Any]]:
    """Agents with the most failing, then erroring, then warning reports in the window."""
    fail, error, warn = _count_if("fail"), _count_if("error"), _count_if("warn")
    query = (
        sa.select(
            reports.c.agent_id,
            sa.func.count().label("reports"),
            fail.label("fail"),
            error.label("error"),
            warn.label("warn"),
        )
        .where(reports.c.created_ts >= since_ts, reports.c.status != "pass")
        .group_by(reports.c.agent_id)
        .order_by(fail.desc(), error.desc(), warn.desc(), reports.c.agent_id)
        .limit(WORST_AGENTS)
    )
    rows = connection.execute(query).all()
    info = _agent_info(connection, [row.agent_id for row in rows])
    return [
        {
            "agent_id": row.agent_id,
            "not_passing": int(row.reports),
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


def _group(connection: Connection, since_ts: float, column_name: str) -> list[dict[str, Any]]:
    """Report counts by status and distinct agents per value of team, site or location."""
    column = reports.c[column_name]
    query = (
        sa.select(
            column.label("value"),
            sa.func.count().label("reports"),
            sa.func.count(sa.distinct(reports.c.agent_id)).label("agents"),
            *(_count_if(status).label(status) for status in STATUSES),
        )
        .where(reports.c.created_ts >= since_ts)
        .group_by(column)
        .order_by(column)
    )
    return [
        {
            "name": row.value,
            "agents": int(row.agents),
            "reports": int(row.reports),
            **{status: int(getattr(row, status)) for status in STATUSES},
        }
        for row in connection.execute(query).all()
    ]
