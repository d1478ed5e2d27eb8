"""What the alert rules read from the store: recent statuses and figures per agent, teams.

Each rule reads only the last `of_last` reports per agent within the lookback, with a
window function (ROW_NUMBER, in SQLite since 3.25 and in PostgreSQL), so evaluation costs
one indexed range read per rule, whatever the fleet's history.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentprobe.collector.alerts.rules import Rule
from agentprobe.collector.store.operations import report_figures
from agentprobe.collector.store.schema import agents, report_checks


def _latest(connection: Connection, table: sa.Table, value: Any, where: list[Any], n: int) -> Any:
    rank = (
        sa.func.row_number()
        .over(partition_by=table.c.agent_id, order_by=table.c.created_ts.desc())
        .label("rank")
    )
    inner = sa.select(table.c.agent_id, table.c.created_ts, value.label("value"), rank).where(
        *where
    )
    ranked = inner.subquery()
    query = (
        sa.select(ranked.c.agent_id, ranked.c.value)
        .where(ranked.c.rank <= n)
        .order_by(ranked.c.agent_id, ranked.c.created_ts.desc())
    )
    return connection.execute(query).all()


def recent_values(connection: Connection, rule: Rule, since_ts: float) -> dict[str, list[Any]]:
    """agent id -> the rule's watched value in its last `of_last` reports, newest first."""
    if rule.kind == "status" and rule.check:
        table, value = report_checks, report_checks.c.status
        where = [table.c.name == rule.check]
    else:
        table = report_figures
        value = table.c.status if rule.kind == "status" else table.c[rule.metric]
        where = [] if rule.kind == "status" else [value.is_not(None)]
        if rule.trigger:
            where.append(table.c.trigger == rule.trigger)
    where.append(table.c.created_ts >= since_ts)
    found: dict[str, list[Any]] = defaultdict(list)
    for row in _latest(connection, table, value, where, rule.of_last):
        found[row.agent_id].append(row.value)
    return found


def agent_teams(connection: Connection) -> dict[str, tuple[str, float | None, str | None]]:
    """Enrolled agents: id -> (team, last seen, latest status)."""
    query = sa.select(
        agents.c.agent_id, agents.c.team, agents.c.last_seen_ts, agents.c.last_status
    ).where(agents.c.revoked_ts.is_(None))
    return {
        row.agent_id: (row.team, row.last_seen_ts, row.last_status)
        for row in connection.execute(query).all()
    }


def team_readiness(connection: Connection, since_ts: float) -> dict[str, tuple[int, int]]:
    """team -> (agents whose latest report passes, agents reporting since `since_ts`)."""
    passing = sa.func.sum(sa.case((agents.c.last_status == "pass", 1), else_=0))
    query = (
        sa.select(agents.c.team, passing, sa.func.count())
        .where(agents.c.revoked_ts.is_(None), agents.c.last_report_ts >= since_ts)
        .group_by(agents.c.team)
    )
    return {str(team): (int(p or 0), int(n)) for team, p, n in connection.execute(query).all()}
