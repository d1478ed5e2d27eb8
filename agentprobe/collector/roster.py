"""The per-agent export as text: a spreadsheet-safe CSV, a terminal table, or JSON.

The CSV follows RFC 4180 (a header row, CRLF line ends, fields quoted when they hold a
comma, quote or line break) and opens in a spreadsheet as is. Text that a spreadsheet
would run as a formula (a cell starting with =, +, -, @, a tab or a carriage return: the
OWASP "CSV injection" list) is prefixed with a single quote; numbers are written as
numbers, so a -62 dBm signal stays a number. Empty cells are figures the agent's latest
report did not have.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from agentprobe.collector.store.roster import COLUMNS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TABLE_COLUMNS = (
    "agent_id",
    "team",
    "site",
    "latest_status",
    "last_seen",
    "causes",
    "mos",
    "download_kbps",
    "upload_kbps",
    "loss_pct",
    "wifi_rssi_dbm",
)


def cell(value: Any) -> str:
    """One CSV cell: booleans as true/false, numbers as they are, text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in COLUMNS])
    return buffer.getvalue()


def to_table(rows: Sequence[dict[str, Any]]) -> str:
    console = Console(file=io.StringIO(), width=160, color_system=None)
    table = Table(*TABLE_COLUMNS)
    for row in rows:
        shown = {**row, "latest_status": row.get("latest_status") or "no reports"}
        shown["last_seen"] = row.get("last_seen") or "never"
        table.add_row(*(cell(shown.get(column)) or "-" for column in TABLE_COLUMNS))
    console.print(f"{len(rows)} enrolled agents")
    console.print(table)
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def render(rows: Sequence[dict[str, Any]], output: str) -> str:
    """`output` is table, csv or json."""
    if output == "json":
        return json.dumps({"agents": list(rows)}, indent=2, allow_nan=False) + "\n"
    if output == "csv":
        return to_csv(rows)
    return to_table(rows)
