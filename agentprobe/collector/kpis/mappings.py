"""Column mappings: which column of a platform's agent export holds which KPI.

A mapping names the agent and date columns, the date formats, and source column -> KPI
name. The built-in ones follow the column names of each platform's agent performance
exports as their public documentation shows them; names marked "guess" in `GUESSES` are
not in those documents and should be checked against a real export (a mapping file can
always override them). A mapping file is TOML:

```toml
agent_id = "Agent"
date = "Date"
date_formats = ["%m/%d/%Y"]
delimiter = ","
[kpis]
"Avg Handle" = "aht_s"
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentprobe.config.load import read_toml
from agentprobe.config.spec import ConfigError

KNOWN_KPIS = ("aht_s", "csat", "fcr_pct", "calls_handled", "calls_dropped", "adherence_pct")
ISO_DATE = "%Y-%m-%d"
LABELS = {
    "aht_s": "handle time (s)",
    "csat": "CSAT",
    "fcr_pct": "first-contact resolution (%)",
    "calls_handled": "calls handled",
    "calls_dropped": "calls dropped",
    "adherence_pct": "schedule adherence (%)",
    "failing_share": "share of failing reports",
    "call_mos": "call MOS",
    "probe_mos": "probe MOS",
}


@dataclass(frozen=True)
class Mapping:
    """How to read one kind of export; `kpis` maps a source column to a KPI name."""

    name: str
    agent_id: str = "agent_id"
    date: str = "date"
    date_formats: tuple[str, ...] = (ISO_DATE,)
    delimiter: str = ","
    kpis: dict[str, str] = field(default_factory=dict)


NATIVE = Mapping("agentprobe", kpis={name: name for name in KNOWN_KPIS})

BUILT_IN: dict[str, Mapping] = {
    "agentprobe": NATIVE,
    # Amazon Connect historical metrics report, agent rows: metric UI names from the
    # Amazon Connect API reference (HistoricalMetric: "Contacts handled", "Average handle
    # time", "Contacts agent hung up first"); durations export as seconds or H:MM:SS.
    "amazon-connect": Mapping(
        "amazon-connect",
        agent_id="Agent",
        date="Start interval",
        date_formats=(ISO_DATE, "%Y-%m-%dT%H:%M:%SZ", "%m/%d/%Y %H:%M", "%m/%d/%Y"),
        kpis={
            "Average handle time": "aht_s",
            "Contacts handled": "calls_handled",
            "Contacts agent hung up first": "agent_hung_up_first",
            "Agent non-response": "agent_non_response",
            "Average customer hold time": "avg_hold_s",
            "After contact work time": "acw_s",
        },
    ),
    # Genesys Cloud agent performance view export.
    "genesys-cloud": Mapping(
        "genesys-cloud",
        agent_id="Agent Name",
        date="Interval Start",
        date_formats=(ISO_DATE, "%m/%d/%y %I:%M %p", "%m/%d/%Y", "%Y-%m-%dT%H:%M:%S.%fZ"),
        kpis={
            "Avg Handle": "aht_s",
            "Answered": "calls_handled",
            "Avg ACW": "acw_s",
            "Avg Hold": "avg_hold_s",
            "Transferred": "transferred",
        },
    ),
    # Five9 agent report (custom report in Dashboards and Reports).
    "five9": Mapping(
        "five9",
        agent_id="AGENT",
        date="DATE",
        date_formats=("%Y/%m/%d", "%m/%d/%Y", ISO_DATE),
        kpis={
            "AVG HANDLE TIME": "aht_s",
            "CALLS count": "calls_handled",
            "ABANDONED count": "calls_dropped",
            "AFTER CALL WORK TIME": "acw_s",
        },
    ),
    # NICE CXone data download (Agent by Day and agent reports): Agent_No and Start_Date
    # (MM/DD/YYYY) are documented; the figure columns are named in its metric list.
    "nice-cxone": Mapping(
        "nice-cxone",
        agent_id="Agent_No",
        date="Start_Date",
        date_formats=("%m/%d/%Y", ISO_DATE),
        kpis={
            "AHT": "aht_s",
            "Handled": "calls_handled",
            "ACW_Seconds": "acw_s",
            "Abandon_Cnt": "calls_dropped",
        },
    ),
}

# Column names of the built-in mappings that the public documents did not show.
GUESSES: dict[str, tuple[str, ...]] = {
    "amazon-connect": ("Agent", "Start interval"),
    "genesys-cloud": ("Agent Name", "Interval Start", "Avg Handle", "Answered", "Avg ACW"),
    "five9": ("AGENT", "DATE", "AVG HANDLE TIME", "CALLS count", "ABANDONED count"),
    "nice-cxone": ("AHT", "Handled"),
}


def mapping(name_or_path: str | None) -> Mapping:
    """A built-in mapping by name, a mapping file by path, or the native columns (None)."""
    if not name_or_path:
        return NATIVE
    if name_or_path in BUILT_IN:
        return BUILT_IN[name_or_path]
    path = Path(name_or_path)
    if not path.suffix:
        known = ", ".join(BUILT_IN)
        raise ConfigError(None, "--mapping", f"unknown mapping {name_or_path!r} (known: {known})")
    return from_table(read_toml(path), path)


def from_table(table: dict[str, Any], source: Path | None) -> Mapping:
    """A Mapping from a parsed mapping file, or ConfigError naming file, key and reason."""
    allowed = {"agent_id", "date", "date_formats", "delimiter", "kpis"}
    for key in table:
        if key not in allowed:
            raise ConfigError(source, key, f"unknown key (known: {', '.join(sorted(allowed))})")
    texts = {key: table.get(key, getattr(NATIVE, key)) for key in ("agent_id", "date")}
    for key, value in texts.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(source, key, "must be a non-empty string (a column name)")
    formats = table.get("date_formats", [ISO_DATE])
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
        raise ConfigError(source, "date_formats", 'must be a list of strptime formats ("%Y-%m-%d")')
    delimiter = table.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ConfigError(source, "delimiter", "must be one character")
    kpis = table.get("kpis", {})
    if not isinstance(kpis, dict) or not all(isinstance(v, str) and v for v in kpis.values()):
        raise ConfigError(source, "kpis", "must be a table of column = KPI name strings")
    name = source.stem if source else "file"
    return Mapping(name, texts["agent_id"], texts["date"], tuple(formats), delimiter, kpis)
