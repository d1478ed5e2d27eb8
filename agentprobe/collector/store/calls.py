"""Real calls as operations read them: an agent's recent calls, the fleet's worst ones.

Call reports are ordinary reports with trigger `call_end` and one `call` check; their
figures are read back from the stored body. A call is poor when its MOS is below the
`call` check's own warn limit (the voice check's band: MOS 3.5), so the collector never
carries a threshold of its own.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentprobe.checks.call import CallCheck
from agentprobe.collector.store.schema import reports

CALL_FIGURES = ("duration_s", "codec", "transport", "source", "mos", "rx_loss_pct",
                "rx_jitter_ms", "tx_loss_pct", "rtt_ms")  # fmt: skip
FLEET_CALLS_READ = 5000  # the newest calls a fleet view reads; beyond, rollups are needed
POOR_MOS = CallCheck.bands["mos"].warn_limit


def agent_calls(engine: Engine, agent_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """An agent's newest finished calls, one row of key figures each."""
    query = (
        sa.select(reports.c.body)
        .where(reports.c.agent_id == agent_id, reports.c.trigger == "call_end")
        .order_by(reports.c.created_ts.desc(), reports.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        return [_row(json.loads(body)) for (body,) in connection.execute(query)]


def fleet_calls(engine: Engine, since_ts: float, worst: int = 20) -> dict[str, Any]:
    """Calls in the window: how many, how many poor (by team, site, location), the worst."""
    query = (
        sa.select(reports.c.body, reports.c.agent_id)
        .where(reports.c.trigger == "call_end", reports.c.created_ts >= since_ts)
        .order_by(reports.c.created_ts.desc())
        .limit(FLEET_CALLS_READ)
    )
    with engine.connect() as connection:
        rows = [
            {**_row(json.loads(body)), "agent_id": agent}
            for body, agent in connection.execute(query)
        ]
    rated = [r for r in rows if isinstance(r.get("mos"), int | float)]
    poor = [r for r in rated if r["mos"] < POOR_MOS]
    return {
        "calls": len(rows),
        "rated": len(rated),
        "poor": len(poor),
        "poor_mos_below": POOR_MOS,
        "poor_by": {
            key: dict(Counter(r[key] or "-" for r in poor)) for key in ("team", "site", "location")
        },
        "worst": sorted(rated, key=lambda r: r["mos"])[:worst],
        "truncated": len(rows) == FLEET_CALLS_READ,
    }


def _row(report: dict[str, Any]) -> dict[str, Any]:
    check: dict[str, Any] = next(
        (c for c in report.get("checks", []) if c.get("name") == "call"), {}
    )
    metrics = check.get("metrics", {})
    context = report.get("context", {})
    return {
        "created_at": report.get("created_at"),
        "status": check.get("status"),
        "summary": check.get("summary", ""),
        "team": context.get("team", ""),
        "site": context.get("site", ""),
        "location": context.get("location", "unknown"),
        **{name: metrics.get(name) for name in CALL_FIGURES},
    }
