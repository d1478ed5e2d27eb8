"""One call seen twice: a capture record and a browser record of the same call, merged.

Packet capture sees what crossed this machine's interface (the received direction, and
RTT from STUN); the browser's statistics add the far end's view of our audio
(`remote-inbound-rtp`) and concealment, and still see media that capture cannot (TURN
over TLS). Records of the same call overlap in time; where both exist, the capture's
own figures stay and the browser fills in what capture could not know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

Record = Mapping[str, Any]
Sourced = tuple[list[str], dict[str, Any]]  # the spool files a record came from, and it
OVERLAP = 0.5  # of the shorter call: less than this is two calls back to back


def merge_calls(records: Sequence[tuple[str, Record]]) -> list[Sourced]:
    """Every record, with each browser record folded into the capture record it overlaps."""
    captures = [([name], dict(r)) for name, r in records if r.get("source") != "browser"]
    alone: list[Sourced] = []
    for name, browser in ((n, r) for n, r in records if r.get("source") == "browser"):
        twin = next((c for c in captures if _same_call(c[1], browser)), None)
        if twin is None:
            alone.append(([name], dict(browser)))
        else:
            twin[0].append(name)
            _fold(twin[1], browser)
    return [*captures, *alone]


def _fold(capture: dict[str, Any], browser: Record) -> None:
    metrics = dict(capture.get("metrics", {}))
    for name, value in dict(browser.get("metrics", {})).items():
        metrics.setdefault(name, value)
    capture["metrics"] = metrics
    capture["source"] = "capture+browser"


def _same_call(a: Record, b: Record) -> bool:
    span_a, span_b = _span(a), _span(b)
    if span_a is None or span_b is None:
        return False
    shorter = min(span_a[1] - span_a[0], span_b[1] - span_b[0])
    overlap = min(span_a[1], span_b[1]) - max(span_a[0], span_b[0])
    return shorter > 0 and overlap >= OVERLAP * shorter


def _span(record: Record) -> tuple[float, float] | None:
    try:
        start = datetime.fromisoformat(str(record["started_at"]).replace("Z", "+00:00"))
        end = datetime.fromisoformat(str(record["ended_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return start.timestamp(), end.timestamp()
