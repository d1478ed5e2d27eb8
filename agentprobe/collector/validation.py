"""Turn an uploaded body into a report the store can keep, or say exactly why not.

`parse` rejects what is not JSON, or JSON with a repeated key in one object (RFC 8259
§4 leaves their meaning undefined, so the stored body could say another agent than the
columns) (400); `validate` rejects what is JSON but not an `agentprobe.report/1` report,
what could not be read back (a lone surrogate has no UTF-8 form), names that hide text
direction controls (Unicode UAX #9, the "Trojan Source" trick, CVE-2021-42574), and a
`created_at` outside the window the collector keeps (422). Both raise `ApiError`, so
nothing half-checked is ever stored. Validation uses jsonschema-rs: the pure-Python
validator costs about 1.5 ms per report, which alone would cap ingest near 700 reports/s
per core.
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
# Bidirectional controls: embeddings, overrides, isolates and the implicit marks.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)


@dataclass(frozen=True)
class TimeBounds:
    """The created_at the collector accepts: not before `oldest`, not after `newest` (epoch s)."""

    oldest: float
    newest: float

    @classmethod
    def around(cls, now: float, keep_s: float, skew_s: float) -> TimeBounds:
        return cls(now - keep_s, now + skew_s)


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


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        keys = [key for key, _ in pairs]
        repeated = next(key for index, key in enumerate(keys) if key in keys[:index])
        raise ValueError(f"key {repeated!r} appears twice in one object")
    return found


# One decoder for every request: `json.loads(..., parse_constant=...)` builds a new one
# per call, a quarter of the parse time of a typical report.
_DECODER = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_unique_keys)


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


def validate(
    data: Any, text: str | None = None, bounds: TimeBounds | None = None
) -> IncomingReport:
    """An IncomingReport from parsed JSON, else a 422 ApiError listing the problems.

    `text` is the body as received; it is stored as is (it is valid UTF-8 JSON, and JSON
    escapes keep NUL out of it). Without it the data is re-serialised. `bounds`, when
    given, is the created_at window (ingest passes one; tools loading old data do not).
    """
    _readable(data, text)  # first: the schema validator cannot even read such a string
    problems = [
        {"path": "/" + "/".join(str(part) for part in error.instance_path), "msg": error.message}
        for _, error in zip(range(MAX_ERRORS), _VALIDATOR.iter_errors(data), strict=False)
    ]
    if problems:
        raise ApiError(422, "invalid_report", problems)
    created_ts = _timestamp(data["created_at"], bounds)
    context = data["context"]
    _no_bidi(context["team"], "/context/team")
    _no_bidi(context["site"], "/context/site")
    checks = tuple((check["name"], check["status"]) for check in data["checks"])
    expected = worst(Status(status) for _, status in checks)
    if data["status"] != expected.value:
        detail = f"status {data['status']!r} does not match its checks (worst is {expected})"
        raise ApiError(422, "invalid_report", [{"path": "/status", "msg": detail}])
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


def _invalid(path: str, message: str) -> ApiError:
    return ApiError(422, "invalid_report", [{"path": path, "msg": message}])


def _timestamp(text: str, bounds: TimeBounds | None) -> float:
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()
    except (ValueError, OverflowError) as error:  # 0001-01-01T00:00:00+01:00 overflows
        raise _invalid("/created_at", str(error) or "out of range") from None
    if bounds is not None and not bounds.oldest <= stamp <= bounds.newest:
        oldest = datetime.fromtimestamp(bounds.oldest, UTC).isoformat(timespec="seconds")
        newest = datetime.fromtimestamp(bounds.newest, UTC).isoformat(timespec="seconds")
        raise _invalid("/created_at", f"{text} is outside {oldest} .. {newest} (collector clock)")
    return stamp


def _readable(data: Any, text: str | None) -> None:
    """422 when a string holds a lone surrogate, which no UTF-8 reader can be given back.

    Only a body with a `\\u` escape can hold one, so the usual report skips the walk."""
    if text is not None and "\\u" not in text:
        return
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid("/", "a string holds a lone UTF-16 surrogate (no UTF-8 form)") from None


def _no_bidi(value: str, path: str) -> None:
    if not BIDI_CONTROLS.isdisjoint(value):
        raise _invalid(path, "bidirectional text controls are not allowed in names")


def column_text(value: str) -> str:
    """A string any database can hold in an indexed column: valid UTF-8, no NUL."""
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
