"""Operations tables: change events, key figures, causes, alert state and the delivery log.

They live in their own `MetaData`, created by one migration step (`create_tables`), so the
first step's `metadata.create_all` never creates them and the step stays the same on
every database. Each is written in the ingest transaction (events, figures, causes) or by
the alert evaluator, and read by the timeline, the trends, the cause summary and the
alert pages. The network salt is a row here, so collectors sharing one PostgreSQL hash an
agent's public network the same way.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentprobe.collector.figures import FIGURE_COLUMNS

ops_metadata = sa.MetaData()

change_events = sa.Table(
    "change_events",
    ops_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agent_id", sa.String(128), nullable=False),
    sa.Column("at_ts", sa.Float, nullable=False),
    sa.Column("what", sa.String(128), nullable=False),
    sa.Column("old", sa.String(256)),
    sa.Column("new", sa.String(256)),
    sa.Column("report_id", sa.String(36), nullable=False),
    sa.Column("created_ts", sa.Float, nullable=False),  # the report's, for retention
    sa.Index("ix_change_events_agent", "agent_id", "at_ts"),
    sa.Index("ix_change_events_time", "at_ts"),
)

report_figures = sa.Table(
    "report_figures",
    ops_metadata,
    sa.Column("report_id", sa.String(36), nullable=False),
    sa.Column("agent_id", sa.String(128), nullable=False),
    sa.Column("created_ts", sa.Float, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("trigger", sa.String(16), nullable=False),
    sa.Column("team", sa.String(128), nullable=False),
    sa.Column("site", sa.String(128), nullable=False),
    sa.Column("location", sa.String(16), nullable=False),
    *(sa.Column(name, sa.Float) for name in FIGURE_COLUMNS),
    sa.Index("ix_report_figures_time", "created_ts"),
    sa.Index("ix_report_figures_agent", "agent_id", "created_ts"),
)

check_causes = sa.Table(
    "check_causes",
    ops_metadata,
    sa.Column("report_id", sa.String(36), nullable=False),
    sa.Column("created_ts", sa.Float, nullable=False),
    sa.Column("agent_id", sa.String(128), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("cause", sa.String(32), nullable=False),
    sa.Index("ix_check_causes_time", "created_ts"),
)

agent_networks = sa.Table(
    "agent_networks",
    ops_metadata,
    sa.Column("agent_id", sa.String(128), primary_key=True),
    sa.Column("network_hash", sa.String(32), nullable=False),
    sa.Column("seen_ts", sa.Float, nullable=False),
)

collector_secrets = sa.Table(
    "collector_secrets",
    ops_metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)

alert_states = sa.Table(
    "alert_states",
    ops_metadata,
    sa.Column("rule", sa.String(64), primary_key=True),
    sa.Column("subject", sa.String(160), primary_key=True),  # an agent id or "team:NAME"
    sa.Column("state", sa.String(8), nullable=False),  # raised | cleared
    sa.Column("since_ts", sa.Float, nullable=False),  # when it was raised
    sa.Column("good_since_ts", sa.Float),  # the condition has not held since then
    sa.Column("changed_ts", sa.Float, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # the JSON of the last raise
)

alert_deliveries = sa.Table(
    "alert_deliveries",
    ops_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(160), nullable=False),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("webhook", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(12), nullable=False),  # pending | delivered | failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_ts", sa.Float, nullable=False),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", sa.String(512)),
    sa.Column("created_ts", sa.Float, nullable=False),
    sa.Column("delivered_ts", sa.Float),
    sa.Index("ix_alert_deliveries_due", "outcome", "next_ts"),
)

# Tables whose rows belong to a report and are purged with it (by created_ts).
REPORT_TABLES = (change_events, report_figures, check_causes)
NETWORK_SALT = "network_salt"


def create_tables(connection: Connection) -> None:
    """Migration step: the operations tables, filled from the reports already stored.

    Filled only when this step creates them: a database whose tables exist already has
    its rows (written at ingest).
    """
    fresh = not sa.inspect(connection).has_table(report_figures.name)
    ops_metadata.create_all(connection, checkfirst=True)
    if fresh:
        _backfill(connection)


def _backfill(connection: Connection, chunk: int = 2000) -> None:
    """Derive events, figures and causes from stored bodies, oldest first, in chunks."""
    from agentprobe.collector.derived import derived_rows

    last = -1
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, report_id, agent_id, created_ts, status, trigger, team, site, "
                "location, body FROM reports WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": chunk},
        ).all()
        if not rows:
            return
        for table, values in derived_rows([_stored(row) for row in rows]).items():
            if values:
                connection.execute(sa.insert(ops_metadata.tables[table]), values)
        last = int(rows[-1].id)


def _stored(row: Any) -> dict[str, Any]:
    return {**row._mapping, "data": json.loads(row.body)}


def network_salt(connection: Connection) -> bytes:
    """The collectors' shared salt for public-network hashes, created on first use."""
    query = sa.select(collector_secrets.c.value).where(collector_secrets.c.name == NETWORK_SALT)
    value = connection.execute(query).scalar()
    if value is None:
        fresh = secrets.token_hex(32)
        connection.exec_driver_sql(
            "INSERT INTO collector_secrets (name, value) VALUES "
            + ("(?, ?)" if connection.dialect.paramstyle == "qmark" else "(%s, %s)")
            + " ON CONFLICT (name) DO NOTHING",
            (NETWORK_SALT, fresh),
        )
        value = connection.execute(query).scalar_one()
    return bytes.fromhex(str(value))
