"""Home against office: side-by-side figures by team and location, and paired differences.

Pure. `by_location` puts each team's home and office days side by side (health and KPI
means, with the agent-days behind them); `paired` takes the agents who worked both ways,
takes each one's home mean minus office mean, and gives the mean of those differences with
a t interval, by team: the agent is compared with themselves, so who the agent is cancels.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from agentprobe.collector.kpis.agentday import AgentDay, kpi_names
from agentprobe.collector.kpis.statistics import Estimate, benjamini_hochberg, mean_interval

MIN_DAYS_EACH_WAY = 2  # an agent counts as hybrid with this many days at home and in office
MIN_AGENTS = 3
LEVEL = 0.05  # false discovery rate of the screening
LOCATIONS = ("home", "office", "unknown")


def _figures() -> dict[str, Callable[[AgentDay], float | None]]:
    return {
        "failing_share": lambda d: d.health.figures()["failing_share"],
        "call_mos": lambda d: d.health.figures()["call_mos"],
        "probe_mos": lambda d: d.health.figures()["probe_mos"],
    }


def _measures(days: list[AgentDay]) -> dict[str, Callable[[AgentDay], float | None]]:
    kpis = {name: (lambda d, n=name: d.kpis.get(n)) for name in kpi_names(days)}
    return {**_figures(), **kpis}


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 3) if present else None


def by_location(days: list[AgentDay]) -> list[dict[str, Any]]:
    """Per team (and "all") and location, and location on each interface: agent-days,
    agents, health and KPI means."""
    measures = _measures(days)
    cells: dict[tuple[str, str], list[AgentDay]] = defaultdict(list)
    for day in days:
        places = [day.health.location]
        if day.health.interface:  # "home on wifi" against "office on ethernet", say
            places.append(f"{day.health.location} on {day.health.interface}")
        for team in ("all", day.group("team")):
            for place in places:
                cells[(team, place)].append(day)
    rows = []
    for (team, location), group in sorted(cells.items(), key=lambda c: (c[0][0] != "all", c[0])):
        rows.append(
            {
                "team": team,
                "location": location,
                "agent_days": len(group),
                "agents": len({d.health.agent_id for d in group}),
                "means": {name: _mean([get(d) for d in group]) for name, get in measures.items()},
            }
        )
    return rows


def _per_agent(days: list[AgentDay]) -> dict[str, dict[str, list[AgentDay]]]:
    agents: dict[str, dict[str, list[AgentDay]]] = defaultdict(lambda: defaultdict(list))
    for day in days:
        agents[day.health.agent_id][day.health.location].append(day)
    return {
        agent: places
        for agent, places in agents.items()
        if len(places["home"]) >= MIN_DAYS_EACH_WAY and len(places["office"]) >= MIN_DAYS_EACH_WAY
    }


def paired(days: list[AgentDay], min_agents: int = MIN_AGENTS) -> list[dict[str, Any]]:
    """Home minus office, per hybrid agent, averaged by team; None below `min_agents`."""
    hybrid = _per_agent(days)
    teams: dict[str, list[str]] = defaultdict(list)
    for agent, places in hybrid.items():
        team = places["home"][-1].group("team")
        teams["all"].append(agent)
        teams[team].append(agent)
    rows: list[dict[str, Any]] = []
    estimates: list[Estimate | None] = []
    for name, get in _measures(days).items():
        for team in sorted(teams, key=lambda t: (t != "all", t)):
            differences = []
            for agent in teams[team]:
                home = _mean([get(d) for d in hybrid[agent]["home"]])
                office = _mean([get(d) for d in hybrid[agent]["office"]])
                if home is not None and office is not None:
                    differences.append(home - office)
            estimate = mean_interval(differences, min_agents)
            rows.append(_paired_row(name, team, differences, estimate))
            estimates.append(estimate)
    _screen(rows, estimates)
    return rows


def _screen(rows: list[dict[str, Any]], estimates: list[Estimate | None]) -> None:
    """A paired difference is called only if it survives Benjamini–Hochberg as well."""
    tested = [i for i, e in enumerate(estimates) if e is not None]
    qs = benjamini_hochberg([e.p for e in estimates if e is not None])
    for index, q in zip(tested, qs, strict=True):
        rows[index]["q"] = round(q, 6)
        if q >= LEVEL:
            rows[index]["verdict"] = "no clear difference"


def _paired_row(
    name: str, team: str, differences: list[float], estimate: Estimate | None
) -> dict[str, Any]:
    row: dict[str, Any] = {"measure": name, "team": team, "agents": len(differences), "q": None}
    if estimate is None:
        return {**row, "difference": None, "low": None, "high": None, "verdict": "not enough data"}
    clear = estimate.excludes_zero()
    verdict = (
        ("higher at home" if estimate.value > 0 else "lower at home")
        if clear
        else ("no clear difference")
    )
    return {
        **row,
        "difference": round(estimate.value, 3),
        "low": round(estimate.low, 3),
        "high": round(estimate.high, 3),
        "verdict": verdict,
    }
