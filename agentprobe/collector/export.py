"""The fleet summary as text for `collector report`: a table, CSV rows or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.table import Table

CSV_COLUMNS = ("section", "name", "agents", "reports", "pass", "warn", "fail", "error", "skip")


def render(summary: dict[str, Any], output: str) -> str:
    """`output` is table, csv or json."""
    if output == "json":
        return json.dumps(summary, indent=2, allow_nan=False) + "\n"
    if output == "csv":
        return to_csv(summary)
    return to_table(summary)


def rows(summary: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Flat rows: the whole fleet, each check, each team/site/location, the worst agents."""
    reports = summary["reports"]
    agents = summary["agents"]
    yield {
        "section": "fleet",
        "name": "all",
        "agents": agents["reporting"],
        **reports,
        "reports": reports["total"],
    }
    for check in summary["checks"]:
        yield {
            "section": "check",
            **check,
            "reports": sum(check[s] for s in ("pass", "warn", "fail", "error", "skip")),
        }
    for grouping, groups in summary["groups"].items():
        for group in groups:
            yield {"section": grouping, **group}
    for agent in summary["worst_agents"]:
        yield {
            "section": "worst_agent",
            "name": agent["agent_id"],
            "agents": 1,
            "reports": agent["not_passing"],
            **agent,
        }


def to_csv(summary: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows(summary):
        writer.writerow({column: row.get(column, "") for column in CSV_COLUMNS})
    return buffer.getvalue()


def to_table(summary: dict[str, Any]) -> str:
    console = Console(file=io.StringIO(), width=110, color_system=None)
    readiness = summary["readiness_pct"]
    agents = summary["agents"]
    console.print(
        f"Fleet {summary['since']} .. {summary['until']}: "
        f"{agents['reporting']} of {agents['enrolled']} agents reporting, "
        f"readiness {'n/a' if readiness is None else f'{readiness:g}%'}"
    )
    table = Table("section", "name", "agents", "reports", "pass", "warn", "fail", "error", "skip")
    for row in rows(summary):
        table.add_row(*(str(row.get(column, "")) for column in CSV_COLUMNS))
    console.print(table)
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()
