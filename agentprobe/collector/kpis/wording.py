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


def _interval(row: dict[str, Any]) -> str:
    return f"{row['difference']:+.1f} ({_number(row['low'])} to {_number(row['high'])})"


def _where(row: dict[str, Any]) -> str:
    return "the fleet" if row["grouping"] == "all" else f"{row['grouping']} {row['group']}"


def finding(rows: list[dict[str, Any]], problem: str) -> dict[str, Any]:
    """One (KPI, problem) pair: a sentence on its widest clear figure, the groups after it."""
    claims = [r for r in rows if r["claim"]]
    head = next((r for r in claims if r["grouping"] == "all"), claims[0])
    text = (
        f"{label(head['kpi'])} is {_number(abs(head['difference']))} {head['verdict']} "
        f"(95 % CI {_number(head['low'])} to {_number(head['high'])}) on days {problem}, "
        f"in {_where(head)}: {head['with']['n']} against {head['without']['n']} agent-days "
        f"of {head['agents']} agents"
    )
    others = [f"{_where(r)} {_interval(r)}" for r in claims if r is not head]
    return {"text": text, "groups": others}


def findings(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The clear differences, one entry per KPI and problem, widest group first."""
    problems = {p["name"]: _phrase(p["label"]) for p in answer["problems"]}
    pairs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in answer["comparisons"]:
        pairs[(row["kpi"], row["problem"])].append(row)
    return [
        finding(rows, problems[problem])
        for (_, problem), rows in pairs.items()
        if any(r["claim"] for r in rows)
    ]


def _phrase(text: str) -> str:
    return text if text.startswith(("working", "on ")) else f"with {text}"


def sections(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Per KPI: its rows (fleet, team, site, location), weekday rows, and the CI scale."""
    by_kpi: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in answer["comparisons"]:
        if not row["with"]["n"] and not row["without"]["n"]:
            continue  # the group says nothing about it (at home, within the office)
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
