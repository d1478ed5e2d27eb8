"""Secrets shared by every collector of one database, made once by whichever asks first.

A secret is 256 bits from `secrets`, stored as hex in `cluster_secrets` under a name. The
first collector to ask inserts one (`ON CONFLICT DO NOTHING`, so two collectors starting
together agree on the same value) and every collector then reads that row. The reflector
derives its session keys from the "reflector" secret, so any collector answers a session
another one opened. Anyone who can read the database can derive those keys; they protect
probe packets for five minutes, which the database's own access control covers.
"""

from __future__ import annotations

import secrets
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentprobe.collector.store.scaling import cluster_secrets
from agentprobe.collector.store.statements import placeholder

REFLECTOR = "reflector"


def shared_secret(engine: Engine, name: str) -> bytes:
    """The named secret (32 bytes), made now if this database has none yet."""
    with engine.begin() as connection:
        mark = placeholder(connection)
        connection.exec_driver_sql(
            "INSERT INTO cluster_secrets (name, value, created_ts) "
            f"VALUES ({mark}, {mark}, {mark}) ON CONFLICT (name) DO NOTHING",
            (name, secrets.token_hex(32), time.time()),
        )
        value = connection.execute(
            sa.select(cluster_secrets.c.value).where(cluster_secrets.c.name == name)
        ).scalar_one()
    return bytes.fromhex(str(value))
