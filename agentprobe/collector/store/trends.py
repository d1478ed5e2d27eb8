"""Fleet figures over time: readiness and the main quality figures per hour or per day.

One GROUP BY over `report_figures` (indexed by time), optionally for one team, site or
location. Readiness in a bucket is the share of its reports that pass; the other figures
are means over the bucket's reports that measured them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentprobe.collector.store.fleet import iso
from agentprobe.collector.store.operations import report_figures

BUCKETS = {"hour": 3600, "day": 86400}
GROUPS = ("team", "site", "location")
MEANS = ("mos", "loss_pct", "jitter_ms", "rtt_ms", "download_kbps", "upload_kbps")


def trend(
    engine: Engine,
    since_ts: float,
    bucket: str = "day",
    group: str | None = None,
    value: str | None = None,
) -> list[dict[str, Any]]:
    """One row per bucket with reports: start, reports, agents, readiness_pct and means."""
    size = BUCKETS[bucket]
    f = report_figures.c
    index = sa.cast(sa.func.floor(f.created_ts / size), sa.BigInteger).label("bucket")
    passing = sa.func.sum(sa.case((f.status == "pass", 1), else_=0))
    query = (
        sa.select(
            index,
            sa.func.count().label("reports"),
            sa.func.count(sa.distinct(f.agent_id)).label("agents"),
            passing.label("passing"),
            *(sa.func.avg(f[name]).label(name) for name in MEANS),
        )
        .where(f.created_ts >= since_ts)
        .group_by(index)
        .order_by(index)
    )
    if group is not None:
        query = query.where(f[group] == (value or ""))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [_row(row, size) for row in rows]


def _row(row: Any, size: int) -> dict[str, Any]:
    start = float(row.bucket) * size
    return {
        "start": iso(start),
        "start_ts": start,
        "reports": int(row.reports),
        "agents": int(row.agents),
        "readiness_pct": round(100.0 * int(row.passing) / int(row.reports), 1),
        **{name: None if row[i] is None else round(float(row[i]), 3) for i, name in _means()},
    }


def _means() -> list[tuple[int, str]]:
    return [(4 + offset, name) for offset, name in enumerate(MEANS)]
