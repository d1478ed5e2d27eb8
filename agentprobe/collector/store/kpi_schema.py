"""The KPI tables: per agent, per day contact-center figures, KPI settings, token roles.

They live in a MetaData of their own so that schema step 1 (which creates the shared
`metadata` as declared now) never creates them early; the step below creates them on
every database, new or old, with `checkfirst`, so it depends on no other step.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

kpi_metadata = sa.MetaData()

kpi_values = sa.Table(
    "kpi_values",
    kpi_metadata,
    sa.Column("agent_id", sa.String(128), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD, the platform's date
    sa.Column("kpi", sa.String(64), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("imported_ts", sa.Float, nullable=False),
    sa.Index("ix_kpi_values_day", "day"),
)

kpi_settings = sa.Table(
    "kpi_settings",
    kpi_metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

token_roles = sa.Table(
    "token_roles",
    kpi_metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(32), nullable=False),
)


def create_kpi_tables(connection: Connection) -> None:
    """Schema step: the KPI tables (no-op where they exist)."""
    kpi_metadata.create_all(connection, checkfirst=True)
