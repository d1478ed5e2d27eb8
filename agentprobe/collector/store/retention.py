"""The scheduled upkeep of the store: partitions ahead, retention, rollup pruning.

Every collector runs it (hourly, and once at start); on PostgreSQL the partition steps
take an advisory lock, so collectors sharing a database never make or drop a partition
twice, and every step is idempotent, so it does not matter which collector runs first.
Retention drops whole day partitions on PostgreSQL and deletes in chunks on SQLite.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from agentprobe.collector.store import partitions, rollups
from agentprobe.collector.store.reports import ReportStore


@dataclass
class Upkeep:
    """What one round of upkeep did."""

    partitions_made: int = 0
    partitions_dropped: list[str] = field(default_factory=list)
    reports_deleted: int = 0
    rollup_rows_deleted: int = 0


def run_upkeep(engine: Engine, retention_days: float, now: float | None = None) -> Upkeep:
    """One round: partitions up to AHEAD_DAYS on, reports older than the retention gone."""
    now = time.time() if now is None else now
    cutoff = now - retention_days * 86400
    done = Upkeep()
    if engine.dialect.name == "postgresql":
        done.partitions_made = partitions.ensure_ahead(engine, now)
        done.partitions_dropped = partitions.drop_before(engine, cutoff)
        done.rollup_rows_deleted = rollups.prune(engine, cutoff, now)
    else:  # purging reports prunes their rollups too
        done.reports_deleted = ReportStore(engine).purge(cutoff)
    return done
