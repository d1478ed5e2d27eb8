"""Alert state and the delivery log in the database, shared by every collector on it.

`alert_states` holds one row per rule and subject (raised or cleared, since when);
`alert_deliveries` one row per notification and webhook, with its attempts, the last
HTTP status or error, and whether it was delivered or given up on: the delivery log.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentprobe.collector.alerts.hysteresis import AlertState
from agentprobe.collector.store.operations import alert_deliveries, alert_states

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def load_states(connection: Connection, rule: str) -> dict[str, tuple[AlertState, dict[str, Any]]]:
    query = sa.select(alert_states).where(alert_states.c.rule == rule)
    return {
        row.subject: (
            AlertState(row.state, row.since_ts, row.good_since_ts, row.changed_ts),
            json.loads(row.detail),
        )
        for row in connection.execute(query).all()
    }


def save_state(
    connection: Connection, rule: str, subject: str, state: AlertState, detail: dict[str, Any]
) -> None:
    key = (alert_states.c.rule == rule) & (alert_states.c.subject == subject)
    values = {
        "state": state.state,
        "since_ts": state.since_ts,
        "good_since_ts": state.good_since_ts,
        "changed_ts": state.changed_ts,
        "detail": json.dumps(detail),
    }
    if connection.execute(sa.update(alert_states).where(key).values(**values)).rowcount == 0:
        connection.execute(sa.insert(alert_states).values(rule=rule, subject=subject, **values))


def queue(connection: Connection, notice: dict[str, Any], webhooks: list[str], now: float) -> None:
    """One pending delivery per webhook for a raise or clear notice."""
    for name in webhooks:
        connection.execute(
            sa.insert(alert_deliveries).values(
                rule=notice["alert"],
                subject=notice["subject"],
                state=notice["state"],
                webhook=name,
                body=json.dumps(notice),
                outcome=PENDING,
                attempts=0,
                next_ts=now,
                created_ts=now,
            )
        )


def active(connection: Connection) -> list[dict[str, Any]]:
    """Raised alerts, newest first, as their raise notices."""
    query = (
        sa.select(alert_states)
        .where(alert_states.c.state == "raised")
        .order_by(alert_states.c.since_ts.desc())
    )
    return [json.loads(row.detail) for row in connection.execute(query).all()]


def deliveries(connection: Connection, limit: int) -> list[dict[str, Any]]:
    """The delivery log, newest first."""
    d = alert_deliveries.c
    query = sa.select(alert_deliveries).order_by(d.id.desc()).limit(limit)
    return [
        {
            "id": row.id,
            "alert": row.rule,
            "subject": row.subject,
            "state": row.state,
            "webhook": row.webhook,
            "outcome": row.outcome,
            "attempts": row.attempts,
            "last_status": row.last_status,
            "last_error": row.last_error,
            "created_ts": row.created_ts,
            "delivered_ts": row.delivered_ts,
        }
        for row in connection.execute(query).all()
    ]
