"""A finished call as the capture engine reports it: one JSON object, counters only.

The shape is the passive call telemetry contract: `call_id`, `started_at` and
`ended_at` (RFC 3339 UTC), `duration_s`, `transport` (`rtp`, `srtp`, `turn-channel`,
`turn-send`), `codec` (`g711`, `g722`, `opus`, `g729`, `unknown`), `remote` (a salted
hash, never an address), `metrics` (the `call` check's names) and `source`
(`capture`). Nothing in it comes from a payload or a header-extension value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TRANSPORTS = ("rtp", "srtp", "turn-channel", "turn-send")
CODEC_NAMES = ("g711", "g722", "opus", "g729", "unknown")
SOURCE = "capture"

Metric = float | int | bool | str


def rfc3339(at: float) -> str:
    """Seconds since the epoch as RFC 3339 UTC with milliseconds, e.g. 2026-12-01T21:28:10.123Z."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class CallRecord:
    """One finished call: when, over what, with which codec, and its figures."""

    call_id: str
    started_at: float  # seconds since the epoch, first media packet
    ended_at: float  # seconds since the epoch, last media packet
    transport: str
    codec: str
    remote: str  # salted hash of the remote (TURN: the relay and the peer)
    metrics: dict[str, Metric] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return round(max(0.0, self.ended_at - self.started_at), 3)

    def to_json(self) -> dict[str, Any]:
        """The record as `calls watch --json` prints it and the call spool stores it."""
        return {
            "call_id": self.call_id,
            "started_at": rfc3339(self.started_at),
            "ended_at": rfc3339(self.ended_at),
            "duration_s": self.duration_s,
            "transport": self.transport,
            "codec": self.codec,
            "remote": self.remote,
            "metrics": {k: v for k, v in self.metrics.items() if _finite(v)},
            "source": SOURCE,
        }


def _finite(value: Metric) -> bool:
    return not isinstance(value, float) or math.isfinite(value)
