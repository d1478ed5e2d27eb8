"""Reading a KPI export: CSV text -> per agent, per day rows, or every bad line and why.

Pure: text in, rows or `KpiFileError` out, so a file is either taken whole or not at all.
Values may be plain numbers, percentages ("87.5%") or durations ("0:05:12", "5:12"),
which is how the platforms' exports write handle times; durations become seconds.
Columns the mapping does not name are kept by a normalised name when every filled cell
is a number, and ignored otherwise (agent names, team names).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from agentprobe.collector.kpis.mappings import Mapping

MAX_ERRORS = 20
MAX_NAME = 64
EMPTY = ("", "-", "n/a", "na", "null", "none")
PERCENT_KPIS = ("fcr_pct", "adherence_pct")
_DURATION = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$")
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]+$")


@dataclass(frozen=True)
class KpiRow:
    line: int
    agent_id: str
    day: str  # YYYY-MM-DD
    values: dict[str, float]


@dataclass
class KpiFile:
    rows: list[KpiRow] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # KPI names stored, in column order
    ignored: list[str] = field(default_factory=list)  # columns that are not numbers


class KpiFileError(ValueError):
    """The file is not taken: `problems` lists (line, reason), at most MAX_ERRORS."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"line {line}: {reason}" for line, reason in problems))
        self.problems = problems


def kpi_name(column: str) -> str:
    """A column header as a KPI name: lower case, words joined by "_"."""
    return re.sub(r"[^a-z0-9]+", "_", column.strip().lower()).strip("_")[:MAX_NAME]


def number(text: str) -> float | None:
    """A cell's value (None when empty); ValueError with the reason when not a figure."""
    cell = text.strip()
    if cell.lower() in EMPTY:
        return None
    duration = _DURATION.match(cell)
    if duration:
        hours, minutes, seconds = duration.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    value = float(cell[:-1]) if cell.endswith("%") else float(cell)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def parse(text: str, how: Mapping) -> KpiFile:
    """Every row of the file, or KpiFileError with each bad line (1 = the header)."""
    rows = _records(text, how.delimiter)
    if not rows:
        raise KpiFileError([(1, "empty file: expected a header row")])
    header = [column.strip() for column in rows[0][1]]
    columns = _columns(header, how)
    body = [(line, row) for line, row in rows[1:] if any(cell.strip() for cell in row)]
    numeric = _numeric_others(header, {**columns, **dict.fromkeys(_keys(how), "")}, body)
    result = KpiFile(
        kept=list(dict.fromkeys([*columns.values(), *numeric.values()])),
        ignored=[c for c in header if c not in {**columns, **numeric} and c not in _keys(how)],
    )
    problems: list[tuple[int, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in body:
        try:
            row = _row(line, header, cells, how, {**columns, **numeric})
            first = seen.setdefault((row.agent_id, row.day), line)
            if first != line:
                raise ValueError(f"{row.agent_id} on {row.day} is already on line {first}")
            result.rows.append(row)
        except ValueError as error:
            problems.append((line, str(error)))
            if len(problems) >= MAX_ERRORS:
                break
    if problems:
        raise KpiFileError(problems)
    return result


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every record; a record the csv module cannot read is a
    KpiFileError at its line (an unclosed quote, a field over the csv field limit)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if row or records:
                records.append((reader.line_num, row))
    except csv.Error as error:
        raise KpiFileError([(max(1, reader.line_num), f"not CSV: {error}")]) from None
    return records


def _keys(how: Mapping) -> tuple[str, str]:
    return how.agent_id, how.date


def _columns(header: list[str], how: Mapping) -> dict[str, str]:
    """Mapped source column -> KPI name, for the mapped columns the header has."""
    missing = [key for key in _keys(how) if key not in header]
    if missing:
        raise KpiFileError([(1, f"no column {', '.join(repr(m) for m in missing)} in the header")])
    doubled = sorted({c for c in header if header.count(c) > 1})
    if doubled:
        raise KpiFileError([(1, f"column {doubled[0]!r} appears twice")])
    return {column: name for column, name in how.kpis.items() if column in header}


def _numeric_others(
    header: list[str], mapped: dict[str, str], body: list[tuple[int, list[str]]]
) -> dict[str, str]:
    """Unmapped columns whose every filled cell is a number, by normalised name (`mapped`
    holds the mapped KPI columns and the agent and date columns)."""
    found: dict[str, str] = {}
    for index, column in enumerate(header):
        if column in mapped or not kpi_name(column):
            continue
        cells = [row[index] for _, row in body if index < len(row)]
        if _all_numbers(cells) and any(cell.strip().lower() not in EMPTY for cell in cells):
            found[column] = kpi_name(column)
    return found


def _all_numbers(cells: list[str]) -> bool:
    try:
        for cell in cells:
            number(cell)
    except ValueError:
        return False
    return True


def _row(
    line: int, header: list[str], cells: list[str], how: Mapping, kpis: dict[str, str]
) -> KpiRow:
    if len(cells) != len(header):
        raise ValueError(f"{len(cells)} fields, the header has {len(header)}")
    cell = dict(zip(header, cells, strict=True))
    agent_id = cell[how.agent_id].strip()
    if not agent_id or len(agent_id) > 128 or not _PRINTABLE.match(agent_id):
        raise ValueError(f"{how.agent_id}: not an agent id (1-128 printable characters)")
    values: dict[str, float] = {}
    for column, name in kpis.items():
        try:
            value = number(cell[column])
        except ValueError:
            raise ValueError(f"{column}: {cell[column].strip()!r} is not a number") from None
        if value is not None:
            values[name] = _in_range(name, column, value)
    return KpiRow(line, agent_id, _day(cell[how.date], how), values)


def _in_range(name: str, column: str, value: float) -> float:
    if value < 0:
        raise ValueError(f"{column}: {value:g} is negative")
    if name in PERCENT_KPIS and value > 100:
        raise ValueError(f"{column}: {value:g} is over 100 %")
    return value


def _day(text: str, how: Mapping) -> str:
    cell = text.strip()
    for form in how.date_formats:
        try:
            return datetime.strptime(cell, form).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{how.date}: {cell!r} is not a date ({' or '.join(how.date_formats)})")
