"""Rows derived from a report for the operations tables: its change events, key figures, causes.

Pure: from a report's parsed JSON plus its indexed columns to plain row dictionaries, so
ingest and the migration that fills the tables from stored reports derive them the same
way. Event values are the agent's own (locators arrive already hashed by the agent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from agentprobe.collector.causes import report_causes
from agentprobe.collector.figures import FIGURE_COLUMNS, key_figures, worst_jitter

_TEXT_LIMIT = 256


def _ts(text: Any, fallback: float) -> float:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC).timestamp()
    except ValueError:
        return fallback


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).replace("\x00", "\ufffd")[:_TEXT_LIMIT]


def event_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per `change` event of the report."""
    data = report["data"]
    return [
        {
            "agent_id": report["agent_id"],
            "at_ts": _ts(event.get("at"), report["created_ts"]),
            "what": str(event.get("what", ""))[:128],
            "old": _text(event.get("from")),
            "new": _text(event.get("to")),
            "report_id": report["report_id"],
            "created_ts": report["created_ts"],
        }
        for event in data.get("events") or []
        if event.get("kind") == "change"
    ]


def figure_row(report: Mapping[str, Any]) -> dict[str, Any]:
    figures = key_figures(report["data"].get("checks") or [])
    numbers = {
        name: figures[name] if isinstance(figures.get(name), float) else None
        for name in FIGURE_COLUMNS
        if name != "jitter_ms"  # the worse direction's, below
    }
    return {
        **{k: report[k] for k in ("report_id", "agent_id", "created_ts", "status", "trigger")},
        **{k: report[k] for k in ("team", "site", "location")},
        **numbers,
        "jitter_ms": worst_jitter(figures),
    }


def cause_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "report_id": report["report_id"],
            "created_ts": report["created_ts"],
            "agent_id": report["agent_id"],
            "name": name[:64],
            "status": status,
            "cause": cause,
        }
        for name, status, cause in report_causes(report["data"].get("checks") or [])
    ]


def derived_rows(reports: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Table name -> rows, for a batch of reports."""
    return {
        "change_events": [row for report in reports for row in event_rows(report)],
        "report_figures": [figure_row(report) for report in reports],
        "check_causes": [row for report in reports for row in cause_rows(report)],
    }
