"""One agent-day of the join: that day's health next to that day's KPIs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from agentprobe.collector.kpis.health import DayHealth
from agentprobe.collector.kpis.mappings import KNOWN_KPIS


@dataclass(frozen=True)
class AgentDay:
    health: DayHealth
    kpis: dict[str, float]

    def group(self, grouping: str) -> str:
        """The day's value of a grouping: all, team, site, location or weekday."""
        if grouping == "all":
            return "all"
        if grouping == "weekday":
            return date.fromisoformat(self.health.day).strftime("%A")
        value: str = getattr(self.health, grouping)
        return value or "(none)"


def kpi_names(days: Iterable[AgentDay]) -> list[str]:
    """The known KPIs first (in their order), then any others by name."""
    present = {name for day in days for name in day.kpis}
    return [k for k in KNOWN_KPIS if k in present] + sorted(present - set(KNOWN_KPIS))
