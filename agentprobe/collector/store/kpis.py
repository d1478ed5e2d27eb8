"""The KPI store: imported figures, KPI settings, token roles, and the agent-day join.

An import is one transaction that replaces each (agent, day, KPI) it names, so loading
the same export twice, or a corrected one, leaves one value per key. The join reads the
window's reports (their stored JSON, for MOS and interface) and folds them into days in
the collector's KPI time zone; only days that have both health and KPIs are returned.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentprobe.collector.auth import token_hash
from agentprobe.collector.kpis.agentday import AgentDay
from agentprobe.collector.kpis.csvfile import KpiRow
from agentprobe.collector.kpis.health import ReportRow, fold, local_day
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.kpi_schema import kpi_settings, kpi_values, token_roles
from agentprobe.collector.store.schema import agents, reports, sessions

CHUNK = 500
DEFAULTS = {"office_networks": "[]", "agent_views": "on", "timezone": "UTC"}
ROLES = ("ops", "kpi-agent")


def import_rows(engine: Engine, rows: Sequence[KpiRow]) -> dict[str, Any]:
    """Store every value of `rows` in one transaction; a summary of what was taken."""
    now = time.time()
    values = [
        {"agent_id": r.agent_id, "day": r.day, "kpi": k, "value": v, "imported_ts": now}
        for r in rows
        for k, v in r.values.items()
    ]
    key = sa.and_(
        kpi_values.c.agent_id == sa.bindparam("k_agent"),
        kpi_values.c.day == sa.bindparam("k_day"),
        kpi_values.c.kpi == sa.bindparam("k_kpi"),
    )
    with engine.begin() as connection:
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            keys = [{"k_agent": v["agent_id"], "k_day": v["day"], "k_kpi": v["kpi"]} for v in chunk]
            connection.execute(sa.delete(kpi_values).where(key), keys)
            connection.execute(sa.insert(kpi_values), chunk)
        known = _known_agents(connection, {r.agent_id for r in rows})
    days = sorted(r.day for r in rows)
    return {
        "rows": len(rows),
        "values": len(values),
        "agents": len({r.agent_id for r in rows}),
        "unknown_agents": sorted({r.agent_id for r in rows} - known)[:100],
        "first_day": days[0] if days else None,
        "last_day": days[-1] if days else None,
    }


def _known_agents(connection: Connection, wanted: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        query = sa.select(agents.c.agent_id).where(agents.c.agent_id.in_(chunk))
        found.update(str(a) for a in connection.execute(query).scalars())
    return found


def count_values(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(kpi_values)).scalar_one()
        )


def get_setting(engine: Engine, name: str) -> str:
    with engine.connect() as connection:
        query = sa.select(kpi_settings.c.value).where(kpi_settings.c.name == name)
        value = connection.execute(query).scalar()
    return DEFAULTS[name] if value is None else str(value)


def set_setting(engine: Engine, name: str, value: str) -> None:
    if name not in DEFAULTS:
        raise KeyError(name)
    with engine.begin() as connection:
        connection.execute(sa.delete(kpi_settings).where(kpi_settings.c.name == name))
        connection.execute(sa.insert(kpi_settings).values(name=name, value=value))


def office_networks(engine: Engine) -> list[str]:
    networks: list[str] = json.loads(get_setting(engine, "office_networks"))
    return networks


def set_office_networks(engine: Engine, networks: Sequence[str]) -> None:
    set_setting(engine, "office_networks", json.dumps(list(networks)))


def agent_views_enabled(engine: Engine) -> bool:
    return get_setting(engine, "agent_views") == "on"


def create_token(engine: Engine, role: str) -> str:
    """A new admin token; `kpi-agent` also opens the per-agent KPI views."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
    token = Credentials(engine).create_admin_token()
    if role != "ops":
        with engine.begin() as connection:
            connection.execute(
                sa.insert(token_roles).values(token_sha256=token_hash(token), role=role)
            )
    return token


def has_role(engine: Engine, token_sha256: str, role: str) -> bool:
    with engine.connect() as connection:
        query = sa.select(token_roles.c.role).where(token_roles.c.token_sha256 == token_sha256)
        return connection.execute(query).scalar() == role


def agent_days(
    engine: Engine, since_ts: float, zone: ZoneInfo, agent_id: str | None = None
) -> list[AgentDay]:
    """Joined agent-days from `since_ts` on (days in `zone`): health and KPIs both present."""
    first_day = local_day(since_ts, zone)
    with engine.connect() as connection:
        kpis = _kpis(connection, first_day, agent_id)
        wanted = {agent for agent, _ in kpis}
        health = fold(_reports(connection, since_ts, wanted, agent_id), zone)
    return [AgentDay(health[key], kpis[key]) for key in sorted(kpis) if key in health]


def _kpis(
    connection: Connection, first_day: str, agent_id: str | None
) -> dict[tuple[str, str], dict[str, float]]:
    query = sa.select(kpi_values.c.agent_id, kpi_values.c.day, kpi_values.c.kpi, kpi_values.c.value)
    query = query.where(kpi_values.c.day >= first_day)
    if agent_id is not None:
        query = query.where(kpi_values.c.agent_id == agent_id)
    found: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for row in connection.execute(query):
        found[(row.agent_id, row.day)][row.kpi] = float(row.value)
    return found


def _reports(
    connection: Connection, since_ts: float, wanted: set[str], agent_id: str | None
) -> Iterator[ReportRow]:
    query = sa.select(
        reports.c.agent_id,
        reports.c.created_ts,
        reports.c.status,
        reports.c.location,
        reports.c.body,
    ).where(reports.c.created_ts >= since_ts)
    if agent_id is not None:
        query = query.where(reports.c.agent_id == agent_id)
    result = connection.execution_options(stream_results=True, yield_per=2000).execute(query)
    for row in result:
        if row.agent_id in wanted:
            yield ReportRow(row.agent_id, row.created_ts, row.status, row.location, row.body)


def session_has_role(engine: Engine, session_sha256: str, role: str) -> bool:
    """The dashboard session was opened with a token holding `role`."""
    query = (
        sa.select(token_roles.c.role)
        .join(sessions, sessions.c.admin_token_sha256 == token_roles.c.token_sha256)
        .where(sessions.c.sha256 == session_sha256)
    )
    with engine.connect() as connection:
        return connection.execute(query).scalar() == role
