"""Per agent, per day health from that day's reports: the half of the join agentprobe owns.

Pure: `fold` takes report rows (the stored JSON bodies) and returns one `DayHealth` per
agent and local day. A day's figures are the share of failing reports, the median MOS of
its finished calls (trigger call_end, check `call`) and of its voice probes (check
`voice`), the check that failed most (the worst cause), and where and how the agent
worked (location, interface). `PROBLEMS` turns them into yes/no health problems; the
MOS limits are the voice check's own band.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from agentprobe.checks.voice import VoiceCheck
from agentprobe.report import Status

FAILING_SHARE = 0.25  # a day is "failing" when at least a quarter of its reports fail
LINK_CHECKS = ("network", "bandwidth", "voice", "call")
_MOS = VoiceCheck.bands["mos"]


class ReportRow(NamedTuple):
    agent_id: str
    created_ts: float
    status: str
    location: str
    body: str


@dataclass
class DayHealth:
    agent_id: str
    day: str
    team: str = ""
    site: str = ""
    location: str = "unknown"
    interface: str | None = None
    reports: int = 0
    failing: int = 0
    link_failing: int = 0
    call_mos: list[float] = field(default_factory=list)
    probe_mos: list[float] = field(default_factory=list)
    causes: Counter[str] = field(default_factory=Counter)
    locations: Counter[str] = field(default_factory=Counter)
    interfaces: Counter[str] = field(default_factory=Counter)

    def figures(self) -> dict[str, Any]:
        """The day as JSON-ready numbers (medians, shares, the worst cause)."""
        return {
            "reports": self.reports,
            "failing_share": round(self.failing / self.reports, 4) if self.reports else None,
            "call_mos": _median(self.call_mos),
            "probe_mos": _median(self.probe_mos),
            "worst_cause": self.causes.most_common(1)[0][0] if self.causes else None,
            "location": self.location,
            "interface": self.interface,
        }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def local_day(ts: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(zone).date().isoformat()


def fold(rows: Iterable[ReportRow], zone: ZoneInfo) -> dict[tuple[str, str], DayHealth]:
    """(agent_id, YYYY-MM-DD in `zone`) -> that day's health."""
    days: dict[tuple[str, str], DayHealth] = {}
    for row in rows:
        key = (row.agent_id, local_day(row.created_ts, zone))
        day = days.setdefault(key, DayHealth(*key))
        _add(day, row, json.loads(row.body))
    for day in days.values():
        day.location = day.locations.most_common(1)[0][0]
        day.interface = day.interfaces.most_common(1)[0][0] if day.interfaces else None
    return days


def _add(day: DayHealth, row: ReportRow, report: dict[str, Any]) -> None:
    day.reports += 1
    day.failing += row.status == Status.FAIL.value
    day.locations[row.location] += 1
    context = report.get("context", {})
    day.team, day.site = context.get("team", ""), context.get("site", "")
    link_failed = False
    for check in report.get("checks", []):
        name, status, metrics = check["name"], check["status"], check.get("metrics", {})
        if status == Status.FAIL.value:
            day.causes[name] += 1
            link_failed = link_failed or name in LINK_CHECKS
        mos = metrics.get("mos")
        if isinstance(mos, int | float) and not isinstance(mos, bool):
            if name == "call" and report.get("trigger") == "call_end":
                day.call_mos.append(float(mos))
            elif name == "voice":
                day.probe_mos.append(float(mos))
        if name == "network" and isinstance(metrics.get("interface_type"), str):
            day.interfaces[metrics["interface_type"]] += 1
    day.link_failing += link_failed


def _low(values: list[float]) -> bool | None:
    median = _median(values)
    return None if median is None else _MOS.grade(median) is not Status.PASS


class Problem(NamedTuple):
    name: str
    label: str
    test: Callable[[DayHealth], bool | None]  # None: the day says nothing about it


PROBLEMS = (
    Problem(
        "link_failing",
        f"network, bandwidth or voice failing in ≥ {FAILING_SHARE:.0%} of reports",
        lambda d: d.link_failing >= FAILING_SHARE * d.reports,
    ),
    Problem(
        "failing_reports",
        f"≥ {FAILING_SHARE:.0%} of reports failing (any check)",
        lambda d: d.failing >= FAILING_SHARE * d.reports,
    ),
    Problem(
        "low_call_mos",
        f"median call MOS under {_MOS.pass_limit:g}",
        lambda d: _low(d.call_mos),
    ),
    Problem(
        "low_probe_mos",
        f"median probe MOS under {_MOS.pass_limit:g}",
        lambda d: _low(d.probe_mos),
    ),
    Problem(
        "wifi",
        "on Wi-Fi (not a cable)",
        lambda d: None if d.interface is None else d.interface == "wifi",
    ),
)
