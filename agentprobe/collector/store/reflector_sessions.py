"""Whose each reflector session is, so that a revocation on any collector ends it on all.

A session id says when the session expires but not whose it is: the agent needs no more
than the id, and the wire format stays as agents in the field speak it. So the collector
that opens a session writes (id, agent, opened, expires) here, and every collector asks
every few seconds which live sessions belong to an agent revoked, released or enrolled
again since the session was opened (`cut_off`), and stops answering them. Rows go once
their session has expired (`forget_expired`).

Schema version 11. This module defines its own table, and names only the `agents`
columns it reads, so it imports nothing from `schema.py`, which imports it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()
reflector_sessions = sa.Table(
    "reflector_sessions",
    metadata,
    sa.Column("session_id", sa.String(32), primary_key=True),  # hex
    sa.Column("agent_id", sa.String(128), nullable=False),
    sa.Column("opened_ts", sa.Float, nullable=False),
    sa.Column("expires_ts", sa.Float, nullable=False),
    sa.Index("ix_reflector_sessions_expiry", "expires_ts"),
)
_agents = sa.table(
    "agents", sa.column("agent_id"), sa.column("revoked_ts"), sa.column("enrolled_ts")
)
KEEP_EXPIRED_S = 60.0  # another collector's clock may run a little behind ours


def create_table(connection: Connection) -> None:
    """Migration step: the table, where it is not there yet."""
    metadata.create_all(connection, checkfirst=True)


def record(
    engine: Engine, session_id: bytes, agent_id: str, opened_ts: float, expires_ts: float
) -> None:
    """Remember that `agent_id` holds the session (before its id is handed out)."""
    with engine.begin() as connection:
        connection.execute(
            sa.insert(reflector_sessions).values(
                session_id=session_id.hex(),
                agent_id=agent_id,
                opened_ts=opened_ts,
                expires_ts=expires_ts,
            )
        )


def cut_off(engine: Engine, now: float) -> list[tuple[bytes, float]]:
    """Live sessions whose agent has lost its token since: (id, expiry) each.

    Lost means revoked or released (`revoked_ts` set), enrolled again after the session
    was opened, or gone from `agents` altogether.
    """
    s, a = reflector_sessions.c, _agents.c
    query = (
        sa.select(s.session_id, s.expires_ts)
        .select_from(reflector_sessions.outerjoin(_agents, a.agent_id == s.agent_id))
        .where(
            s.expires_ts > now,
            sa.or_(a.agent_id.is_(None), a.revoked_ts.is_not(None), a.enrolled_ts > s.opened_ts),
        )
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [(bytes.fromhex(row.session_id), float(row.expires_ts)) for row in rows]


def forget_expired(engine: Engine, now: float) -> int:
    """Delete the rows of sessions that ended a while ago; how many went."""
    with engine.begin() as connection:
        done = connection.execute(
            sa.delete(reflector_sessions).where(
                reflector_sessions.c.expires_ts < now - KEEP_EXPIRED_S
            )
        )
    return done.rowcount
