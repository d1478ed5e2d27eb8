"""The top causes over a window: how many results and agents each, and which agents.

Agents are listed by id, not ranked: the point is whom to help, not who is worst.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentprobe.collector.causes import LABELS
from agentprobe.collector.store.operations import check_causes

AGENTS_LISTED = 30


def top_causes(
    engine: Engine, since_ts: float, listed: int = AGENTS_LISTED
) -> list[dict[str, Any]]:
    """Per cause: results (fail and warn), agents, the checks involved and the agents behind it."""
    c = check_causes.c
    query = (
        sa.select(c.cause, c.name, c.status, c.agent_id, sa.func.count().label("n"))
        .where(c.created_ts >= since_ts)
        .group_by(c.cause, c.name, c.status, c.agent_id)
    )
    table: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"fail": 0, "warn": 0, "error": 0, "checks": set(), "agents": set()}
    )
    with engine.connect() as connection:
        for row in connection.execute(query).all():
            entry = table[row.cause]
            entry[row.status] = entry.get(row.status, 0) + int(row.n)
            entry["checks"].add(row.name)
            entry["agents"].add(row.agent_id)
    found = [_shaped(cause, entry, listed) for cause, entry in table.items()]
    return sorted(found, key=lambda e: (-e["agents"], -e["results"], e["cause"]))


def _shaped(cause: str, entry: dict[str, Any], listed: int) -> dict[str, Any]:
    agents = sorted(entry["agents"])
    return {
        "cause": cause,
        "label": LABELS.get(cause, cause),
        "results": entry["fail"] + entry["warn"] + entry["error"],
        "fail": entry["fail"],
        "warn": entry["warn"],
        "error": entry["error"],
        "agents": len(agents),
        "checks": sorted(entry["checks"]),
        "agent_ids": agents[:listed],
    }
