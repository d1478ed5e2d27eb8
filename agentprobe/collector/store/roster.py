"""One row per enrolled agent: who they are, when last seen, and their latest report's figures.

Every enrolled (unrevoked) agent is listed, also those whose latest report passes and
those that never reported (their figures are empty). Rows are ordered by agent id, paged
with a keyset cursor on it; each page reads the latest report of its agents only.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentprobe.collector.causes import LABELS, report_causes
from agentprobe.collector.figures import key_figures, worst_jitter
from agentprobe.collector.store.fleet import iso
from agentprobe.collector.store.queries import decode_cursor, encode_cursor
from agentprobe.collector.store.schema import agents, reports

# The export's columns, in order; the CSV header and the JSON keys.
COLUMNS = (
    "agent_id",
    "team",
    "site",
    "location",
    "last_seen",
    "last_report_at",
    "latest_status",
    "not_passing",
    "causes",
    "mos",
    "download_kbps",
    "required_down_kbps",
    "upload_kbps",
    "required_up_kbps",
    "loss_pct",
    "jitter_ms",
    "bufferbloat_grade",
    "noise_floor_dbfs",
    "noise_class",
    "headset_detected",
    "interface_type",
    "wifi_rssi_dbm",
    "vpn_active",
)


def agent_rows(
    engine: Engine, limit: int, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of rows (dicts keyed by COLUMNS) and the cursor of the next page, or None."""
    query = (
        sa.select(agents, reports.c.body)
        .select_from(agents.outerjoin(reports, reports.c.report_id == agents.c.last_report_id))
        .where(agents.c.revoked_ts.is_(None))
        .order_by(agents.c.agent_id)
    )
    if cursor:
        (last_id,) = decode_cursor(cursor, (str,))
        query = query.where(agents.c.agent_id > last_id)
    with engine.connect() as connection:
        rows = connection.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    following = encode_cursor([rows[-1].agent_id]) if more else None
    return [_row(row) for row in rows], following


def all_agent_rows(engine: Engine, page: int = 1000) -> list[dict[str, Any]]:
    """Every enrolled agent's row (for the command line export)."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(1_000_000 // page):
        rows, cursor = agent_rows(engine, page, cursor)
        found.extend(rows)
        if cursor is None:
            break
    return found


def _row(row: Any) -> dict[str, Any]:
    checks = json.loads(row.body).get("checks", []) if row.body else []
    figures = key_figures(checks)
    causes = sorted({LABELS[cause] for _, _, cause in report_causes(checks)})
    values = {
        "agent_id": row.agent_id,
        "team": row.team,
        "site": row.site,
        "location": row.location,
        "last_seen": iso(row.last_seen_ts),
        "last_report_at": iso(row.last_report_ts),
        "latest_status": row.last_status,
        "not_passing": " ".join(
            c["name"] for c in checks if c.get("status") not in ("pass", "skip")
        )
        or None,
        "causes": "; ".join(causes) or None,
        **figures,
        "jitter_ms": worst_jitter(figures),
    }
    return {column: values.get(column) for column in COLUMNS}
