"""The insights in words and page sections: what the KPI page shows, built from the answer.

Pure: it takes the JSON of `GET /api/v1/insights/kpis` and returns the findings as plain
sentences and the comparisons arranged per KPI, so the template only lays them out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from agentprobe.collector.kpis.mappings import LABELS

SHOWN = ("all", "team", "site", "location")  # weekday rows go in a fold of their own


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def _number(value: float) -> str:
    size = abs(value)
    return f"{value:,.0f}" if size >= 100 else f"{value:.1f}" if size >= 10 else f"{value:.2f}"


def sentence(row: dict[str, Any], problems: dict[str, str]) -> str:
    """One finding: "handle time (s) is 40.2 higher (95 % CI 33.1 to 47.3) on days ..."."""
    where = (
        "across the fleet" if row["grouping"] == "all" else f"in {row['grouping']} {row['group']}"
    )
    return (
        f"{label(row['kpi'])} is {_number(abs(row['difference']))} {row['verdict']} "
        f"(95 % CI {_number(row['low'])} to {_number(row['high'])}) on days "
        f"{problems[row['problem']]}, {where}: "
        f"{row['with']['n']} against {row['without']['n']} agent-days"
    )


def findings(answer: dict[str, Any]) -> list[str]:
    problems = {p["name"]: _phrase(p["label"]) for p in answer["problems"]}
    return [sentence(row, problems) for row in answer["comparisons"] if row["claim"]]


def _phrase(text: str) -> str:
    return text if text.startswith(("working", "on ")) else f"with {text}"


def sections(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Per KPI: its rows (fleet, team, site, location), weekday rows, and the CI scale."""
    by_kpi: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in answer["comparisons"]:
        part = "rows" if row["grouping"] in SHOWN else "weekdays"
        by_kpi[row["kpi"]][part].append(row)
    order = [p["name"] for p in answer["problems"]]
    result = []
    for kpi in answer["kpis"]:
        parts = by_kpi[kpi]
        bounds = [abs(r[k]) for r in parts["rows"] for k in ("low", "high") if r[k] is not None]
        result.append(
            {
                "kpi": kpi,
                "label": label(kpi),
                "rows": sorted(
                    parts["rows"],
                    key=lambda r: (order.index(r["problem"]), SHOWN.index(r["grouping"])),
                ),
                "weekdays": parts["weekdays"],
                "span": max(bounds, default=0.0) * 1.1,
            }
        )
    return result
