"""Reading the store for operations: agents, an agent's reports, pages with keyset cursors.

Cursors are opaque to clients (URL-safe base64 of the last row's sort key), and pages use
keyset conditions rather than OFFSET, so page N costs the same as page 1.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentprobe.collector.store.schema import agents, reports

MAX_LIMIT = 10_000


class BadCursor(ValueError):
    """A cursor this collector did not issue."""


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: tuple[type, ...]) -> list[Any]:
    """The sort key inside a cursor, checked against the expected element types."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise BadCursor("cursor is not one this collector issued") from None
    if not isinstance(key, list) or len(key) != len(types):
        raise BadCursor("cursor is not one this collector issued")
    if not all(
        isinstance(v, t) and not isinstance(v, bool) for v, t in zip(key, types, strict=True)
    ):
        raise BadCursor("cursor is not one this collector issued")
    return key


def agent_row(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "agent_id": row.agent_id,
        "host": row.host,
        "team": row.team,
        "site": row.site,
        "location": row.location,
        "agent_version": row.agent_version,
        "last_status": row.last_status,
        "last_seen": row.last_seen_ts,
        "last_report_at": row.last_report_ts,
        "enrolled_at": row.enrolled_ts,
        "revoked": row.revoked_ts is not None,
    }


def list_agents(
    engine: Engine, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Agents, most recently seen first (never-seen ones by enrolment time)."""
    key = sa.func.coalesce(agents.c.last_seen_ts, agents.c.enrolled_ts)
    query = sa.select(agents, key.label("sort_key")).order_by(key.desc(), agents.c.agent_id)
    if cursor:
        last_key, last_id = decode_cursor(cursor, (float, str))
        query = query.where(
            sa.or_(key < last_key, sa.and_(key == last_key, agents.c.agent_id > last_id))
        )
    with engine.connect() as connection:
        rows = connection.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    following = encode_cursor([float(rows[-1].sort_key), rows[-1].agent_id]) if more else None
    return [agent_row(row) for row in rows], following


def get_agent(engine: Engine, agent_id: str) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(sa.select(agents).where(agents.c.agent_id == agent_id)).first()
    return None if row is None else agent_row(row)


def agent_reports(
    engine: Engine,
    agent_id: str,
    limit: int,
    cursor: str | None = None,
    since_ts: float | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """An agent's reports as uploaded, newest first by created_at."""
    query = (
        sa.select(reports.c.id, reports.c.created_ts, reports.c.body)
        .where(reports.c.agent_id == agent_id)
        .order_by(reports.c.created_ts.desc(), reports.c.id.desc())
    )
    if since_ts is not None:
        query = query.where(reports.c.created_ts >= since_ts)
    if cursor:
        last_ts, last_id = decode_cursor(cursor, (float, int))
        query = query.where(
            sa.or_(
                reports.c.created_ts < last_ts,
                sa.and_(reports.c.created_ts == last_ts, reports.c.id < last_id),
            )
        )
    with engine.connect() as connection:
        rows = connection.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    following = encode_cursor([float(rows[-1].created_ts), int(rows[-1].id)]) if more else None
    return [json.loads(row.body) for row in rows], following


def agent_counts(engine: Engine) -> dict[str, int]:
    """Enrolled, unrevoked agents by last report status ("none" before their first report)."""
    status = sa.func.coalesce(agents.c.last_status, "none")
    query = sa.select(status, sa.func.count()).where(agents.c.revoked_ts.is_(None)).group_by(status)
    with engine.connect() as connection:
        return {str(name): int(count) for name, count in connection.execute(query).all()}
