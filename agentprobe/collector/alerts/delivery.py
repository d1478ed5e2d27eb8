"""Sending queued notices to webhooks, with retries and a log of every outcome.

Per webhook, notices go in the order they were raised: only the oldest pending one is
tried, so a clear never overtakes its raise. A 2xx answer delivers it; anything else
(another status, a refused connection, a timeout) is retried after `backoff`, doubling up
to an hour, until `retries` attempts have failed, when it is marked failed and the next
one is tried. A delivery is claimed before it is sent (its retry time is pushed past the
attempt's timeout), so two collectors sharing the database do not both send it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentprobe.collector.alerts.ledger import DELIVERED, FAILED, PENDING
from agentprobe.collector.alerts.rules import Webhook
from agentprobe.collector.alerts.webhook import body
from agentprobe.collector.store.operations import alert_deliveries

MAX_BACKOFF_S = 3600.0
PER_ROUND = 50


class Poster(Protocol):
    """What sending needs of an HTTP client (a requests.Session fits)."""

    def post(
        self, url: str, *, json: Any, timeout: float, verify: Any, headers: dict[str, str]
    ) -> Any: ...


def retry_delay(hook: Webhook, attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: backoff, doubling, at most an hour."""
    return float(min(hook.backoff * 2 ** max(attempts - 1, 0), MAX_BACKOFF_S))


def _head(engine: Engine, hook: str) -> Any:
    d = alert_deliveries.c
    query = (
        sa.select(alert_deliveries)
        .where(d.webhook == hook, d.outcome == PENDING)
        .order_by(d.id)
        .limit(1)
    )
    with engine.connect() as connection:
        return connection.execute(query).first()


def _claim(engine: Engine, row: Any, until: float) -> bool:
    d = alert_deliveries.c
    claim = (
        sa.update(alert_deliveries)
        .where(d.id == row.id, d.outcome == PENDING, d.next_ts == row.next_ts)
        .values(next_ts=until)
    )
    with engine.begin() as connection:
        return bool(connection.execute(claim).rowcount == 1)


def _attempt(poster: Poster, hook: Webhook, notice: dict[str, Any]) -> tuple[int | None, str]:
    try:
        answer = poster.post(
            hook.url,
            json=body(notice, hook.format),
            timeout=hook.timeout,
            verify=hook.ca_file or True,
            headers={"User-Agent": "agentprobe-collector"},
        )
    except Exception as error:  # any failure to reach the receiver is retried
        return None, f"{type(error).__name__}: {error}"[:500]
    return int(answer.status_code), "" if 200 <= answer.status_code < 300 else "HTTP error"


def _record(
    engine: Engine, row: Any, hook: Webhook, status: int | None, error: str, now: float
) -> bool:
    attempts = int(row.attempts) + 1
    delivered = status is not None and 200 <= status < 300
    outcome = DELIVERED if delivered else (FAILED if attempts >= hook.retries else PENDING)
    values = {
        "attempts": attempts,
        "last_status": status,
        "last_error": error or None,
        "outcome": outcome,
        "next_ts": now + retry_delay(hook, attempts),
        "delivered_ts": now if delivered else None,
    }
    with engine.begin() as connection:
        connection.execute(
            sa.update(alert_deliveries).where(alert_deliveries.c.id == row.id).values(**values)
        )
    return outcome != PENDING


def deliver_due(
    engine: Engine, hooks: list[Webhook], poster: Poster, clock: Callable[[], float] = time.time
) -> int:
    """Try every webhook's due head-of-line notices; returns how many attempts were made."""
    attempts = 0
    for hook in hooks:
        for _ in range(PER_ROUND):
            row = _head(engine, hook.name)
            now = clock()
            if row is None or row.next_ts > now or not _claim(engine, row, now + hook.timeout * 2):
                break
            status, error = _attempt(poster, hook, json.loads(row.body))
            attempts += 1
            if not _record(engine, row, hook, status, error, clock()):
                break
    return attempts
