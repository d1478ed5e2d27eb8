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
HEADSET = "headset"  # the source of the microphone's record; its call_id starts "headset-"
HEADSET_WAIT_S = 120.0  # a headset record alone waits this long for its call's record
SIDES = ("browser", HEADSET)  # records that add to a call rather than make one


def merge_calls(records: Sequence[tuple[str, Record]]) -> list[Sourced]:
    """Every record, with each browser record folded into the capture record it overlaps,
    then each headset record into the call (capture, browser or both) it overlaps most."""
    calls = [([name], dict(r)) for name, r in records if r.get("source") not in SIDES]
    for side in SIDES:
        alone: list[Sourced] = []
        for name, extra in ((n, r) for n, r in records if r.get("source") == side):
            twins = [c for c in calls if _same_call(c[1], extra)]
            if not twins:
                alone.append(([name], dict(extra)))
                continue
            twin = max(twins, key=lambda c: _overlap(c[1], extra))
            twin[0].append(name)
            _fold(twin[1], extra, side)
        calls += alone
    return calls


def waiting(record: Record, age_s: float) -> bool:
    """A headset record that matched no call and is younger than HEADSET_WAIT_S: leave it
    in the spool, since the capture service finishes a call a few seconds after its media."""
    return record.get("source") == HEADSET and age_s < HEADSET_WAIT_S


def _fold(call: dict[str, Any], extra: Record, side: str) -> None:
    metrics = dict(call.get("metrics", {}))
    for name, value in dict(extra.get("metrics", {})).items():
        metrics.setdefault(name, value)
    call["metrics"] = metrics
    call["source"] = f"{call.get('source', 'capture')}+{side}"


def _same_call(a: Record, b: Record) -> bool:
    span_a, span_b = _span(a), _span(b)
    if span_a is None or span_b is None:
        return False
    shorter = min(span_a[1] - span_a[0], span_b[1] - span_b[0])
    return shorter > 0 and _overlap(a, b) >= OVERLAP * shorter


def _overlap(a: Record, b: Record) -> float:
    span_a, span_b = _span(a), _span(b)
    if span_a is None or span_b is None:
        return 0.0
    return min(span_a[1], span_b[1]) - max(span_a[0], span_b[0])


def _span(record: Record) -> tuple[float, float] | None:
    try:
        start = datetime.fromisoformat(str(record["started_at"]).replace("Z", "+00:00"))
        end = datetime.fromisoformat(str(record["ended_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return start.timestamp(), end.timestamp()
