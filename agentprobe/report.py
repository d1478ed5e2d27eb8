"""The wire contract: statuses, check results, events and the report (schema agentprobe.report/1).

Everything an agent uploads, and everything `agentprobe check --json` prints, is a
`Report` serialised by `Report.to_dict()`. The JSON Schema shipped in
`agentprobe/schemas/report-1.schema.json` describes the same shape.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from importlib import resources
from typing import Any

from agentprobe import __version__

SCHEMA = "agentprobe.report/1"
TRIGGERS = ("manual", "schedule", "shift_start", "change", "call_end")
LOCATIONS = ("home", "office", "unknown")

MetricValue = float | int | str | bool | None


class Status(StrEnum):
    """A check's or a report's verdict. Exit codes follow the monitoring-plugin convention."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"

    @property
    def exit_code(self) -> int:
        return {"pass": 0, "skip": 0, "warn": 1, "fail": 2, "error": 3}[self.value]


# Severity order for aggregation: skip never worsens, error ranks between warn and fail.
_SEVERITY = {Status.SKIP: 0, Status.PASS: 1, Status.WARN: 2, Status.ERROR: 3, Status.FAIL: 4}


def worst(statuses: Iterable[Status]) -> Status:
    """Overall status: fail > error > warn > pass; skip never worsens it."""
    result = Status.PASS
    for status in statuses:
        if status is not Status.SKIP and _SEVERITY[status] > _SEVERITY[result]:
            result = status
    return result


def utc_now() -> str:
    """RFC 3339 UTC timestamp with millisecond precision and a Z suffix."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Event:
    """Something that changed since the last run (a device, a version, the network)."""

    kind: str
    what: str
    from_: str | None
    to: str | None
    at: str = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "what": self.what,
            "from": self.from_,
            "to": self.to,
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        return cls(data["kind"], data["what"], data.get("from"), data.get("to"), data["at"])


@dataclass
class CheckResult:
    """One check's outcome. `events` and `inventory` are lifted into the report by the runner."""

    name: str
    status: Status
    summary: str
    metrics: dict[str, MetricValue] = field(default_factory=dict)
    advice: list[str] = field(default_factory=list)
    duration_ms: int = 0
    events: list[Event] = field(default_factory=list)
    inventory: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "summary": self.summary,
            "metrics": dict(self.metrics),
            "advice": list(self.advice),
            "duration_ms": self.duration_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        return cls(
            name=data["name"],
            status=Status(data["status"]),
            summary=data["summary"],
            metrics=dict(data.get("metrics", {})),
            advice=list(data.get("advice", [])),
            duration_ms=int(data.get("duration_ms", 0)),
        )


@dataclass
class Context:
    """Where and when the report was made: who the agent works for, and whether a call was live."""

    team: str = ""
    site: str = ""
    location: str = "unknown"
    in_call: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "site": self.site,
            "location": self.location,
            "in_call": self.in_call,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Context:
        return cls(
            team=data.get("team", ""),
            site=data.get("site", ""),
            location=data.get("location", "unknown"),
            in_call=bool(data.get("in_call", False)),
        )


@dataclass
class Report:
    """One run of some checks on one agent: the unit that is stored, queued and uploaded."""

    agent_id: str
    checks: list[CheckResult]
    trigger: str = "manual"
    context: Context = field(default_factory=Context)
    events: list[Event] = field(default_factory=list)
    report_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = field(default_factory=utc_now)
    agent_version: str = __version__

    @property
    def status(self) -> Status:
        return worst(check.status for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "report_id": self.report_id,
            "agent_id": self.agent_id,
            "agent_version": self.agent_version,
            "created_at": self.created_at,
            "trigger": self.trigger,
            "context": self.context.to_dict(),
            "status": self.status.value,
            "checks": [check.to_dict() for check in self.checks],
            "events": [event.to_dict() for event in self.events],
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"unsupported schema {data.get('schema')!r}, expected {SCHEMA!r}")
        return cls(
            agent_id=data["agent_id"],
            checks=[CheckResult.from_dict(check) for check in data.get("checks", [])],
            trigger=data.get("trigger", "manual"),
            context=Context.from_dict(data.get("context", {})),
            events=[Event.from_dict(event) for event in data.get("events", [])],
            report_id=data["report_id"],
            created_at=data["created_at"],
            agent_version=data.get("agent_version", ""),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Report:
        return cls.from_dict(json.loads(text))


# Agent ids appear in URL paths and on pages: letters, digits and `._@-`, a letter or digit
# first (so never "." or ".."), up to 128 characters. The JSON Schema carries the same.
AGENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$"


def json_schema() -> dict[str, Any]:
    """The JSON Schema for agentprobe.report/1, as shipped inside the package."""
    text = resources.files("agentprobe").joinpath("schemas/report-1.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema
