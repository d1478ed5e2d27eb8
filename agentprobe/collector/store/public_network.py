"""Noticing that an agent now uploads from another network (the collector's own change event).

Called inside the ingest transaction: for each agent in the batch, the newest report's
network digest is compared with the one last seen; a difference becomes a
`collector.public_network` change event, like the agent's own events. The first network
seen is not a change; `seen_ts` is when the agent's current network was first seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentprobe.collector.store.operations import agent_networks
from agentprobe.collector.validation import IncomingReport

WHAT = "collector.public_network"


def record_networks(
    connection: Connection, fresh: Sequence[IncomingReport]
) -> list[dict[str, Any]]:
    """Change-event rows for agents whose network differs from last time; remembers the new."""
    newest: dict[str, IncomingReport] = {}
    for item in fresh:
        if item.network and (
            item.agent_id not in newest or item.created_ts >= newest[item.agent_id].created_ts
        ):
            newest[item.agent_id] = item
    if not newest:
        return []
    query = sa.select(agent_networks).where(agent_networks.c.agent_id.in_(list(newest)))
    known = {row.agent_id: row for row in connection.execute(query).all()}
    events = []
    for agent_id, item in newest.items():
        previous = known.get(agent_id)
        if previous is not None and item.created_ts < previous.seen_ts:
            continue  # a report older than the last move, delivered late, says nothing new
        if previous is None:
            _first_seen(connection, item)
            continue
        if previous.network_hash == item.network:
            continue  # the usual case: nothing to write, so ingest pays one SELECT per batch
        connection.execute(
            sa.update(agent_networks)
            .where(agent_networks.c.agent_id == agent_id)
            .values(network_hash=item.network, seen_ts=item.created_ts)
        )
        events.append(_event(item, previous.network_hash))
    return events


def _first_seen(connection: Connection, item: IncomingReport) -> None:
    """Insert, or leave alone a row another collector sharing the database just wrote."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        "INSERT INTO agent_networks (agent_id, network_hash, seen_ts) "
        f"VALUES ({mark}, {mark}, {mark}) ON CONFLICT (agent_id) DO NOTHING",
        (item.agent_id, item.network, item.created_ts),
    )


def _event(item: IncomingReport, old: str) -> dict[str, Any]:
    return {
        "agent_id": item.agent_id,
        "at_ts": item.created_ts,
        "what": WHAT,
        "old": old,
        "new": item.network,
        "report_id": item.report_id,
        "created_ts": item.created_ts,
    }
