"""KPIs against health: how each KPI differs between days with and without each problem.

Pure: takes joined agent-days (health and KPIs) and returns JSON-ready comparisons for the
whole fleet and by team, site, location and weekday, each with the agent-days and agents
behind it and a 95 % interval; a side needs `min_count` days or the answer is "not enough
data". The difference is taken within agents (each agent's days with the problem against
the same agent's days without, pooled: `statistics.within_strata`), because agents differ
in their usual handle time far more than days do, and a trait of a few agents (always on
Wi-Fi, say) would otherwise pass for an effect of the problem. The means shown are the
plain means of the days that took part. All comparisons of one answer are screened
together (Benjamini–Hochberg) before any is called a finding.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from agentprobe.collector.kpis.agentday import AgentDay, kpi_names
from agentprobe.collector.kpis.health import PROBLEMS, Problem
from agentprobe.collector.kpis.hybrid import by_location, paired
from agentprobe.collector.kpis.statistics import (
    Estimate,
    benjamini_hochberg,
    both_sides,
    welch,
    within_strata,
)

MIN_COUNT = 10
LEVEL = 0.05
GROUPINGS = ("all", "team", "site", "location", "weekday")
AT_HOME = Problem(
    "at_home",
    "working from home (against the office)",
    lambda d: {"home": True, "office": False}.get(d.location),
)
CONDITIONS = (*PROBLEMS, AT_HOME)


def _side(values: np.ndarray) -> dict[str, Any]:
    return {"n": len(values), "mean": round(float(values.mean()), 3) if len(values) else None}


class Columns:
    """One group's days as arrays: KPI values (NaN: missing), condition states, agents."""

    def __init__(self, days: list[AgentDay]) -> None:
        agents = {agent: n for n, agent in enumerate(sorted({d.health.agent_id for d in days}))}
        self.agent = np.array([agents[d.health.agent_id] for d in days], dtype=int)
        self.kpis = {
            name: np.array([d.kpis.get(name, np.nan) for d in days], dtype=float)
            for name in kpi_names(days)
        }
        self.states = {
            c.name: np.array([_state(c, d) for d in days], dtype=int) for c in CONDITIONS
        }


def _state(condition: Problem, day: AgentDay) -> int:
    """1 with the condition, 0 without, -1 when the day says nothing about it."""
    state = condition.test(day.health)
    return -1 if state is None else int(state)


def compare(
    columns: Columns, kpi: str, condition: str, min_count: int, within: bool = True
) -> tuple[dict[str, Any], Estimate | None]:
    """One comparison: the KPI on days with the condition against days without it.

    `within`: each agent's days with against the same agent's days without (agents seen
    only one way drop out); else every day with against every day without (Welch).
    """
    values, states = columns.kpis[kpi], columns.states[condition]
    taking = ~np.isnan(values) & (states >= 0)
    x, is_with, agent = values[taking], states[taking] == 1, columns.agent[taking]
    if within:
        keep = both_sides(is_with, agent)
        x, is_with, agent = x[keep], is_with[keep], agent[keep]
        estimate = within_strata(x, is_with, agent, min_count)
    else:
        estimate = welch(x[is_with], x[~is_with], min_count)
    row: dict[str, Any] = {
        "agents": len(set(agent.tolist())),
        "with": _side(x[is_with]),
        "without": _side(x[~is_with]),
    }
    if estimate is None:
        row.update(difference=None, low=None, high=None, p=None)
    else:
        row.update(
            difference=round(estimate.value, 3),
            low=round(estimate.low, 3),
            high=round(estimate.high, 3),
            p=estimate.p,
        )
    return row, estimate


def comparisons(
    days: list[AgentDay],
    min_count: int = MIN_COUNT,
    groupings: tuple[str, ...] = GROUPINGS,
    within: bool = True,
) -> list[dict[str, Any]]:
    """Every KPI x condition x group, screened together; see the module docstring."""
    rows: list[dict[str, Any]] = []
    estimates: list[Estimate | None] = []
    for grouping in groupings:
        groups: dict[str, list[AgentDay]] = defaultdict(list)
        for day in days:
            groups[day.group(grouping)].append(day)
        for group in sorted(groups):
            columns = Columns(groups[group])
            for kpi in columns.kpis:
                for condition in CONDITIONS:
                    row, estimate = compare(columns, kpi, condition.name, min_count, within)
                    head = {"kpi": kpi, "problem": condition.name, "grouping": grouping}
                    rows.append({**head, "group": group, **row})
                    estimates.append(estimate)
    _screen(rows, estimates)
    return rows


def _screen(rows: list[dict[str, Any]], estimates: list[Estimate | None]) -> None:
    tested = [i for i, e in enumerate(estimates) if e is not None]
    qs = benjamini_hochberg([estimates[i].p for i in tested])  # type: ignore[union-attr]
    for row in rows:
        row.update(q=None, claim=False, verdict="not enough data")
    for index, q in zip(tested, qs, strict=True):
        estimate = estimates[index]
        assert estimate is not None
        claim = q < LEVEL and estimate.excludes_zero()
        verdict = ("higher" if estimate.value > 0 else "lower") if claim else "no clear difference"
        rows[index].update(q=round(q, 6), claim=claim, verdict=verdict)


def summarise(days: list[AgentDay], min_count: int = MIN_COUNT) -> dict[str, Any]:
    """The whole answer of `GET /api/v1/insights/kpis` apart from the window."""
    return {
        "agent_days": len(days),
        "agents": len({day.health.agent_id for day in days}),
        "min_count": min_count,
        "kpis": kpi_names(days),
        "problems": [{"name": c.name, "label": c.label} for c in CONDITIONS],
        "comparisons": comparisons(days, min_count),
        "locations": by_location(days),
        "paired": paired(days),
    }
