"""The operations queries on both databases: rows, changes, causes, trends, timeline."""

from __future__ import annotations

import time
from pathlib import Path

from agentprobe.collector.store.cause_summary import top_causes
from agentprobe.collector.store.roster import all_agent_rows
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.store.timeline import agent_timeline, fleet_changes
from agentprobe.collector.store.trends import trend
from agentprobe.collector.synthetic import NEW_BROWSER, FleetPlan
from tests.rigs.fleet import seed_fleet

DAY = 86400.0
PLAN = FleetPlan(
    agents=16, days=4.0, every_hours=6.0, update_after_days=2.0, incident_after_days=3.0
)


def test_operations_queries_on_sqlite_and_postgresql(tmp_path: Path, db_url: str | None) -> None:
    url = db_url or f"sqlite:///{tmp_path / 'c.db'}"
    seed_fleet(url, PLAN, silent=1)
    engine = open_engine(url)
    now = time.time()
    rows = all_agent_rows(engine)
    assert len(rows) == PLAN.agents + 1 and rows[-1]["agent_id"] == "silent-00"
    changes = fleet_changes(engine, now - 7 * DAY)
    chrome = next(c for c in changes if c["what"] == "software.chrome")
    assert chrome["to"] == NEW_BROWSER and chrome["agent_ids"] == [
        "agent-001",
        "agent-005",
        "agent-009",
        "agent-013",
    ]
    assert chrome["mos_delta"] is not None and chrome["mos_delta"] < 0
    events = agent_timeline(engine, "agent-005", now - 7 * DAY)
    assert [e["what"] for e in events if e["category"] == "software"] == ["software.chrome"]
    causes = top_causes(engine, now - 7 * DAY)
    assert causes and all(c["agents"] == len(set(c["agent_ids"])) for c in causes)
    daily = trend(engine, now - 5 * DAY, "day")
    assert sum(b["reports"] for b in daily) == sum(
        b["reports"] for b in trend(engine, now - 5 * DAY, "hour")
    )
    porto = trend(engine, now - 5 * DAY, "day", "site", "porto")
    assert 0 < sum(b["reports"] for b in porto) < sum(b["reports"] for b in daily)
    engine.dispose()
