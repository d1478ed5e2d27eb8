"""The audit log: one row per enrolment, revocation, release, login and admin read.

Rows say what was done (`action`), how it ended (`outcome`: ok, refused, failed), with
which credential (`actor`: the first 12 hex digits of its SHA-256, enough to tell tokens
apart and useless for guessing one), to what (`subject`: an agent id or a route) and
from where (`source`: a salted hash of the client address, never the address). Secrets
and tokens themselves are never written. Writes are one short transaction each; a
failed write is logged and does not fail the request it records.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentprobe.collector.store.schema import audit_log

log = logging.getLogger("agentprobe.collector")
ACTOR_CHARS = 12


def actor_of(token_sha256: str) -> str:
    """The short form of a credential's hash that the log keeps."""
    return token_sha256[:ACTOR_CHARS]


class AuditLog:
    """The audit_log table of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self, action: str, outcome: str, actor: str = "", subject: str = "", source: str = ""
    ) -> None:
        row = {
            "ts": time.time(),
            "action": action,
            "outcome": outcome,
            "actor": actor[:64],
            "subject": subject[:128],
            "source": source[:32],
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.insert(audit_log).values(**row))
        except sa.exc.SQLAlchemyError as error:
            log.error("audit log write failed (%s %s): %s", action, outcome, error)

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest rows first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
            )
            return [dict(row._mapping) for row in rows]
