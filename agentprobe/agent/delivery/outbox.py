"""The outbox: reports waiting for the collector, in SQLite in the data dir.

Every report is committed here before any upload is attempted, and removed only after
the collector answered 2xx. Reports the collector rejects for good (4xx other than 429)
move to a dead-letter table with the reason. The queue is bounded: past `max_reports`
(`[agent] outbox_max_reports`) the oldest reports are evicted, and every eviction is
counted. WAL journaling with synchronous=FULL keeps the file consistent if the process
is killed at any instant.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentprobe.privacy import private_file

if TYPE_CHECKING:
    from agentprobe.config.sections import Config

OUTBOX_FILE = "outbox.sqlite3"
MAX_REPORTS = 5000  # the default of [agent] outbox_max_reports
MAX_DEAD = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    queued_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS dead (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    reason TEXT NOT NULL,
    dead_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value REAL NOT NULL);
"""


@dataclass(frozen=True)
class Entry:
    """One queued report: its id, its JSON body exactly as it will be uploaded."""

    report_id: str
    body: str
    queued_at: float
    attempts: int


@dataclass(frozen=True)
class DeadLetter:
    report_id: str
    reason: str
    dead_at: float


class Outbox:
    """A bounded, crash-safe FIFO of report bodies. Safe to open from several processes."""

    def __init__(
        self, path: Path, max_reports: int = MAX_REPORTS, clock: Callable[[], float] = time.time
    ) -> None:
        private_file(path)  # reports may name the team and site: owner-only (0700/0600)
        self.path, self.max_reports, self.clock = path, max_reports, clock
        self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: Path, max_reports: int = MAX_REPORTS) -> Outbox:
        return cls(data_dir / OUTBOX_FILE, max_reports)

    @classmethod
    def for_config(cls, config: Config) -> Outbox:
        """The agent's outbox in its data dir, bounded by `[agent] outbox_max_reports`."""
        return cls.in_dir(config.data_dir, config.agent.outbox_max_reports)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def put(self, report_id: str, body: str) -> int:
        """Queue a report (a no-op if already queued); returns how many old ones were evicted."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO pending (report_id, body, queued_at) VALUES (?, ?, ?)",
                (report_id, body, self.clock()),
            )
            excess = self._count(db, "pending") - self.max_reports
            if excess > 0:
                db.execute(
                    "DELETE FROM pending WHERE seq IN "
                    "(SELECT seq FROM pending ORDER BY seq LIMIT ?)",
                    (excess,),
                )
                self._add(db, "evicted", excess)
        return max(excess, 0)

    def oldest(self, limit: int = 50) -> list[Entry]:
        """Up to `limit` queued reports, oldest first."""
        rows = self.db.execute(
            "SELECT report_id, body, queued_at, attempts FROM pending ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [Entry(*row) for row in rows]

    def remove(self, report_id: str) -> None:
        """Forget a report the collector accepted."""
        with self._transaction() as db:
            db.execute("DELETE FROM pending WHERE report_id = ?", (report_id,))

    def note_attempt(self, report_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE pending SET attempts = attempts + 1 WHERE report_id = ?", (report_id,)
            )

    def kill(self, report_id: str, reason: str) -> None:
        """Move a report the collector rejected for good to the dead letters, with the reason."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT body FROM pending WHERE report_id = ?", (report_id,)
            ).fetchone()
            if row is None:
                return
            db.execute("DELETE FROM pending WHERE report_id = ?", (report_id,))
            db.execute(
                "INSERT OR REPLACE INTO dead (report_id, body, reason, dead_at) "
                "VALUES (?, ?, ?, ?)",
                (report_id, row[0], reason, self.clock()),
            )
            db.execute(
                "DELETE FROM dead WHERE seq NOT IN "
                "(SELECT seq FROM dead ORDER BY seq DESC LIMIT ?)",
                (MAX_DEAD,),
            )

    def depth(self) -> int:
        return self._count(self.db, "pending")

    def dead_count(self) -> int:
        return self._count(self.db, "dead")

    def dead_letters(self, limit: int = 20) -> list[DeadLetter]:
        """The most recent dead letters, newest first."""
        rows = self.db.execute(
            "SELECT report_id, reason, dead_at FROM dead ORDER BY seq DESC LIMIT ?", (limit,)
        ).fetchall()
        return [DeadLetter(*row) for row in rows]

    def evicted(self) -> int:
        """How many reports were dropped, oldest first, because the outbox was full."""
        return int(self.get("evicted"))

    def get(self, name: str, default: float = 0.0) -> float:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return float(row[0]) if row else default

    def set(self, name: str, value: float) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    @staticmethod
    def _count(db: sqlite3.Connection, table: str) -> int:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    @staticmethod
    def _add(db: sqlite3.Connection, name: str, amount: float) -> None:
        db.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            (name, amount),
        )
