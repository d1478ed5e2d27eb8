"""Turn an uploaded body into a report the store can keep, or say exactly why not.

`parse` rejects what is not JSON (400); `validate` rejects what is JSON but not an
`agentprobe.report/1` report (422). Both raise `ApiError`, so nothing half-checked is
ever stored. Validation uses jsonschema-rs: the pure-Python validator costs about 1.5 ms
per report, which alone would cap ingest near 700 reports/s per core.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jsonschema_rs

from agentprobe.collector.errors import ApiError
from agentprobe.report import Status, json_schema, worst

_VALIDATOR = jsonschema_rs.validator_for(json_schema())
MAX_ERRORS = 20


@dataclass(frozen=True)
class IncomingReport:
    """A validated report: the indexed columns plus the canonical JSON body."""

    report_id: str
    agent_id: str
    created_ts: float
    status: str
    trigger: str
    team: str
    site: str
    location: str
    agent_version: str
    checks: tuple[tuple[str, str], ...]
    body: str
    data: Any = field(default=None, compare=False, repr=False)  # the parsed body
    network: str = ""  # salted hash of the network the upload came from, when known


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every request: `json.loads(..., parse_constant=...)` builds a new one
# per call, a quarter of the parse time of a typical report.
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def parse(raw: bytes) -> tuple[Any, str]:
    """(JSON value, body text) from a UTF-8 body, else a 400 ApiError. NaN and Infinity
    are refused; an overflowing literal such as 1e999 fails the schema (422)."""
    try:
        text = raw.decode("utf-8")
        return _DECODER.decode(text), text
    except RecursionError:
        raise ApiError(400, "malformed", "JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "malformed", f"body is not valid UTF-8 JSON: {error}") from None


def validate(data: Any, text: str | None = None) -> IncomingReport:
    """An IncomingReport from parsed JSON, else a 422 ApiError listing the problems.

    `text` is the body as received; it is stored as is (it is valid UTF-8 JSON, and JSON
    escapes keep NUL and lone surrogates out of it). Without it the data is re-serialised.
    """
    problems = [
        {"path": "/" + "/".join(str(part) for part in error.instance_path), "msg": error.message}
        for _, error in zip(range(MAX_ERRORS), _VALIDATOR.iter_errors(data), strict=False)
    ]
    if problems:
        raise ApiError(422, "invalid_report", problems)
    created_ts = _timestamp(data["created_at"])
    checks = tuple((check["name"], check["status"]) for check in data["checks"])
    expected = worst(Status(status) for _, status in checks)
    if data["status"] != expected.value:
        detail = f"status {data['status']!r} does not match its checks (worst is {expected})"
        raise ApiError(422, "invalid_report", [{"path": "/status", "msg": detail}])
    context = data["context"]
    return IncomingReport(
        report_id=data["report_id"].lower(),
        agent_id=data["agent_id"],
        created_ts=created_ts,
        status=data["status"],
        trigger=data["trigger"],
        team=column_text(context["team"]),
        site=column_text(context["site"]),
        location=context["location"],
        agent_version=column_text(data["agent_version"]),
        checks=checks,
        body=text if text is not None else _canonical(data),
        data=data,
    )


def _canonical(data: Any) -> str:
    """Compact JSON, ASCII-escaped (so lone surrogates survive), finite numbers only."""
    try:
        return json.dumps(data, allow_nan=False, separators=(",", ":"))
    except ValueError:
        raise ApiError(400, "malformed", "numbers must be finite (no NaN or Infinity)") from None


def _timestamp(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise ApiError(
            422, "invalid_report", [{"path": "/created_at", "msg": str(error)}]
        ) from None
    return moment.astimezone(UTC).timestamp()


def column_text(value: str) -> str:
    """A string any database can hold in an indexed column: valid UTF-8, no NUL."""
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
