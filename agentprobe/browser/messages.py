"""Strict validation of what the extension sends: known keys, types, ranges and sizes.

The host trusts nothing from the browser side: a page can post to the extension's relay,
so every message is checked against the fields the extension is allowed to send (W3C
webrtc-stats dictionaries, reduced to numeric quality counters, enumerations and opaque
short ids) and anything else is refused with a message naming the key, never echoing
the value (it could be a URL). A valid `call` message becomes a `CallMessage`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MAX_REPORTS = 64
MAX_STRING = 128
MAX_COUNT = 2**53  # JavaScript's largest exact integer
STATES = ("live", "closed", "failed")
_EPOCH_MS = (1.5e12, 4.1e12)  # 2017 to 2099: a browser clock in milliseconds
MAX_CALL_MS = 24 * 3600 * 1000.0
_CALL_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_REPORT_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_MIME = re.compile(r"^(audio|video)/[A-Za-z0-9.+-]{1,32}$")
_VERSION = re.compile(r"^[0-9]{1,5}(\.[0-9]{1,5}){0,3}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


class MessageError(ValueError):
    """A message the host refuses; the text names the key and the rule."""


@dataclass(frozen=True)
class Field:
    """One allowed stats field: a count, a measure, an enumeration, an id or a MIME type."""

    kind: str  # "count" | "signed" | "measure" | "enum" | "id" | "mime" | "bool"
    limit: float = 0.0
    values: tuple[str, ...] = ()


COUNT, SIGNED = Field("count"), Field("signed")
SECONDS = Field("measure", 3600.0)  # jitter, RTT, buffer delays (W3C webrtc-stats: seconds)
TOTAL_SECONDS = Field("measure", 1e12)  # cumulative jitterBufferDelay
FRACTION = Field("measure", 1.0)
REF, MIME, FLAG = Field("id"), Field("mime"), Field("bool")
KIND = Field("enum", values=("audio", "video"))
PROTOCOL = Field("enum", values=("udp", "tcp", "tls"))
CANDIDATE = Field("enum", values=("host", "srflx", "prflx", "relay"))
PAIR_STATE = Field("enum", values=("frozen", "waiting", "in-progress", "failed", "succeeded"))
_RTP = {"kind": KIND, "codecId": REF, "transportId": REF}

# W3C webrtc-stats §5 dictionaries, only the members agentprobe uses. No audioLevel,
# totalAudioEnergy, addresses, ports, URLs, track or stream identifiers.
ALLOWED: dict[str, dict[str, Field]] = {
    "inbound-rtp": {
        **_RTP,
        "packetsReceived": COUNT,
        "packetsLost": SIGNED,  # RFC 3550 §6.4.1 cumulative loss can go negative
        "jitter": SECONDS,
        "concealedSamples": COUNT,
        "silentConcealedSamples": COUNT,
        "concealmentEvents": COUNT,
        "insertedSamplesForDeceleration": COUNT,
        "removedSamplesForAcceleration": COUNT,
        "totalSamplesReceived": COUNT,
        "jitterBufferDelay": TOTAL_SECONDS,
        "jitterBufferEmittedCount": COUNT,
    },
    "outbound-rtp": {**_RTP, "packetsSent": COUNT, "retransmittedPacketsSent": COUNT},
    "remote-inbound-rtp": {
        **_RTP,
        "localId": REF,
        "packetsLost": SIGNED,
        "jitter": SECONDS,
        "fractionLost": FRACTION,
        "roundTripTime": SECONDS,
        "roundTripTimeMeasurements": COUNT,
    },
    "candidate-pair": {
        "transportId": REF,
        "localCandidateId": REF,
        "state": PAIR_STATE,
        "nominated": FLAG,
        "currentRoundTripTime": SECONDS,
    },
    "local-candidate": {
        "transportId": REF,
        "candidateType": CANDIDATE,
        "protocol": PROTOCOL,
        "relayProtocol": PROTOCOL,
    },
    "transport": {"selectedCandidatePairId": REF},
    "codec": {"mimeType": MIME, "clockRate": COUNT, "channels": COUNT},
}
_COMMON = {"type", "id", "timestamp"}
_CALL_KEYS = {"type", "call_id", "origin", "state", "started_at", "at", "reports"}
_HELLO_KEYS = {"type", "extension_version"}


@dataclass(frozen=True)
class CallMessage:
    """A validated per-call summary: getStats reports of one RTCPeerConnection."""

    call_id: str
    origin: str
    state: str
    started_at_ms: float
    at_ms: float
    reports: tuple[dict[str, Any], ...]


def parse(value: Any) -> CallMessage | str:
    """A CallMessage for `call`, the version string for `hello`; MessageError otherwise."""
    if not isinstance(value, dict):
        raise MessageError("message must be a JSON object")
    kind = value.get("type")
    if kind == "hello":
        _keys(value, _HELLO_KEYS, _HELLO_KEYS, "hello")
        return _pattern(value["extension_version"], _VERSION, "extension_version")
    if kind == "call":
        return _call(value)
    raise MessageError('"type" must be "hello" or "call"')


def _call(value: dict[str, Any]) -> CallMessage:
    _keys(value, _CALL_KEYS, _CALL_KEYS, "call")
    started, at = _epoch(value["started_at"], "started_at"), _epoch(value["at"], "at")
    if not started <= at <= started + MAX_CALL_MS:
        raise MessageError('"at" must be within 24 h after "started_at"')
    if value["state"] not in STATES:
        raise MessageError(f'"state" must be one of {", ".join(STATES)}')
    reports = value["reports"]
    if not isinstance(reports, list) or len(reports) > MAX_REPORTS:
        raise MessageError(f'"reports" must be a list of at most {MAX_REPORTS} stats')
    checked = tuple(_report(report, index) for index, report in enumerate(reports))
    if len({report["id"] for report in checked}) != len(checked):
        raise MessageError('"reports" must not repeat an id')
    return CallMessage(
        call_id=_pattern(value["call_id"], _CALL_ID, "call_id"),
        origin=origin(value["origin"]),
        state=value["state"],
        started_at_ms=started,
        at_ms=at,
        reports=checked,
    )


def _keys(value: dict[str, Any], allowed: set[str], required: set[str], where: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise MessageError(f"{where}: unknown key {unknown[0][:40]!r}")
    missing = sorted(required - set(value))
    if missing:
        raise MessageError(f"{where}: missing key {missing[0]!r}")


def _report(report: Any, index: int) -> dict[str, Any]:
    where = f"reports[{index}]"
    if not isinstance(report, dict):
        raise MessageError(f"{where} must be an object")
    fields = ALLOWED.get(report.get("type"))  # type: ignore[arg-type]
    if fields is None:
        raise MessageError(f"{where}: type must be one of {', '.join(ALLOWED)}")
    _keys(report, _COMMON | set(fields), {"type", "id"}, f"{where} ({report['type']})")
    _pattern(report["id"], _REPORT_ID, f"{where}.id")
    if "timestamp" in report:
        _epoch(report["timestamp"], f"{where}.timestamp")
    for key, field in fields.items():
        if key in report:
            _check(report[key], field, f"{where}.{key}")
    return dict(report)


def _check(value: Any, field: Field, where: str) -> None:
    if field.kind in ("count", "signed"):
        low = -(2**31) if field.kind == "signed" else 0
        if type(value) is not int or not low <= value <= MAX_COUNT:
            raise MessageError(f"{where} must be an integer from {low} to 2^53")
    elif field.kind == "measure":
        _number(value, 0.0, field.limit, where)
    elif field.kind == "enum":
        if value not in field.values:
            raise MessageError(f"{where} must be one of {', '.join(field.values)}")
    elif field.kind == "bool":
        if type(value) is not bool:
            raise MessageError(f"{where} must be true or false")
    else:
        _pattern(value, _MIME if field.kind == "mime" else _REPORT_ID, where)


def _number(value: Any, low: float, high: float, where: str) -> float:
    if type(value) not in (int, float) or not math.isfinite(value) or not low <= value <= high:
        raise MessageError(f"{where} must be a number from {low:g} to {high:g}")
    return float(value)


def _epoch(value: Any, where: str) -> float:
    return _number(value, _EPOCH_MS[0], _EPOCH_MS[1], f"{where} (milliseconds since 1970)")


def _pattern(value: Any, pattern: re.Pattern[str], where: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise MessageError(f"{where} must match {pattern.pattern}")
    return value


def origin(value: Any) -> str:
    """`value` as a web origin: https://host[:port], or http:// on a loopback name."""
    rule = '"origin" must be an https origin (or http://localhost, http://127.0.0.1)'
    if not isinstance(value, str) or len(value) > 300 or value != value.strip().lower():
        raise MessageError(rule)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise MessageError(rule) from None
    host = parts.hostname or ""
    netloc = host if port is None else f"{host}:{port}"
    if host == "::1":
        netloc = "[::1]" if port is None else f"[::1]:{port}"
    if value != f"{parts.scheme}://{netloc}" or port == 0:
        raise MessageError(rule)  # a path, query, fragment or user name: not an origin
    if parts.scheme in ("http", "https") and host in _LOOPBACK:
        return value
    if parts.scheme != "https" or not _hostname(host):
        raise MessageError(rule)
    return value


def _hostname(host: str) -> bool:
    labels = host.split(".")
    return len(host) <= 253 and len(labels) >= 2 and all(_LABEL.match(x) for x in labels)
