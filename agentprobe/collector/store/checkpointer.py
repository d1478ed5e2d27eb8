"""SQLite WAL checkpoints kept off the group-commit path.

In WAL mode a commit appends pages to the `-wal` log and a checkpoint later copies them
into the database file. By default SQLite runs that checkpoint inside whichever commit
pushes the log past 1,000 pages, so one batch in a dozen also pays for copying and syncing
the pages of all the others, and every report waiting on it sees the delay. The serving
engine therefore turns automatic checkpoints off (`open_engine(url, auto_checkpoint=False)`)
and a thread of its own checkpoints instead, on its own connection.

Durability does not depend on it: a report is acknowledged only after its commit is synced
to the log (synchronous=FULL). A checkpoint copies pages that are durable already, and one
cut short by a crash is simply redone from the log when the database is next opened.

A PASSIVE checkpoint waits for neither the writer nor readers, so it never delays a commit,
but it cannot copy the commit in progress. And SQLite starts the log over (writing it from
the beginning again, instead of appending) only when a write transaction begins with every
page of the log copied, which under load never happens on its own: the writer always has
the next batch open. So once the log has grown past `restart_pages`, the checkpointer hands
the writer one more PASSIVE checkpoint to run between two batches: it copies just the last
commit or two, and the next batch then restarts the log. Should readers keep the log from
being copied anyway, past `wal_limit_pages` that chore is a TRUNCATE checkpoint, which
waits for them and cuts the file to zero: back-pressure on ingest, not an unbounded file.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

log = logging.getLogger("agentprobe.collector")

INTERVAL_S = 0.05
RESTART_PAGES = 1000  # SQLite's own automatic checkpoint threshold
WAL_LIMIT_PAGES = 10_000  # about 40 MB of log at SQLite's default 4 KiB page


@dataclass(frozen=True)
class Checkpoint:
    """What one `PRAGMA wal_checkpoint` reported."""

    busy: bool  # it could not finish: a reader or the writer was in the way
    log_pages: int  # pages in the log (since it last started over)
    copied_pages: int  # of those, pages now in the database file


RunBetweenBatches = Callable[[Callable[[], Checkpoint]], "concurrent.futures.Future[Checkpoint]"]


def checkpoint(connection: Any, mode: str = "PASSIVE") -> Checkpoint:
    """Run one checkpoint on a DB-API SQLite connection that has no transaction open."""
    cursor = connection.cursor()
    try:
        busy, log_pages, copied = cursor.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    finally:
        cursor.close()
    return Checkpoint(bool(busy), log_pages, copied)


class WalCheckpointer:
    """Checkpoints the engine's SQLite database every `interval_s` until `stop`.

    `between_batches` is the group-commit writer's; start this after the writer and stop
    it before. The thread holds one pooled connection of the engine from start to stop.
    """

    def __init__(
        self,
        engine: Engine,
        between_batches: RunBetweenBatches,
        interval_s: float = INTERVAL_S,
        restart_pages: int = RESTART_PAGES,
        wal_limit_pages: int = WAL_LIMIT_PAGES,
    ) -> None:
        self.engine = engine
        self.between_batches = between_batches
        self.interval_s = interval_s
        self.restart_pages = restart_pages
        self.wal_limit_pages = wal_limit_pages
        self.passes = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def wanted(self) -> bool:
        """Only SQLite has a log for us to checkpoint; PostgreSQL manages its own."""
        return self.engine.dialect.name == "sqlite"

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="wal-checkpointer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the checkpoint under way, if any, and join the thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        connection = self.engine.raw_connection()
        try:
            while not self._stopping.wait(self.interval_s):
                self._pass(connection)
        finally:
            connection.close()

    def _pass(self, connection: Any) -> None:
        try:
            self.checkpoint_once(connection)
        except Exception:  # a locked or briefly unreadable file: the next pass retries
            log.exception("WAL checkpoint failed; retrying in %g s", self.interval_s)
        self.passes += 1

    def checkpoint_once(self, connection: Any) -> Checkpoint:
        """Copy what can be copied now; then, if the log is long, let the writer restart it."""
        done = checkpoint(connection, "PASSIVE")
        if done.log_pages <= self.restart_pages:
            return done
        mode = "PASSIVE"
        if done.log_pages > self.wal_limit_pages:
            log.info(
                "WAL at %d pages (limit %d): truncating it", done.log_pages, self.wal_limit_pages
            )
            mode = "TRUNCATE"
        return self.between_batches(lambda: checkpoint(connection, mode)).result()
