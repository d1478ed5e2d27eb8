"""What a change event is about, and how quality moved around it (pure).

Agents send `change` events named after their inventory keys (`software.chrome`,
`audio.default_input`, `network.ssid_hash`...); the collector adds
`collector.public_network`. `category` sorts them into the kinds operations ask about.
`compare` takes an agent's reports as (time, MOS, loss, status) and gives the median MOS,
median loss and failure rate in the hours before a moment and in the hours after it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CATEGORIES = ("software", "os", "audio", "network", "vpn", "public_network", "router", "other")
HASHED = ("network.ssid_hash", "network.bssid_hash", "network.gateway_mac_hash")
MOMENTS = ("network.router_uptime",)  # "up since" times: every agent's value is its own


@dataclass(frozen=True)
class Point:
    """One report's figures: POSIX time s, MOS (1-5), loss %, overall status."""

    ts: float
    mos: float | None
    loss_pct: float | None
    status: str


def category(what: str) -> str:
    """The kind of a change event's `what`."""
    if what == "collector.public_network":
        return "public_network"
    if what == "software.os":
        return "os"
    if what == "network.vpn":
        return "vpn"
    if what == "network.router_uptime":
        return "router"
    prefix = what.split(".", 1)[0]
    return prefix if prefix in ("software", "audio", "network") else "other"


def is_hashed(what: str) -> bool:
    """Values that are salted digests: shown as "changed", never grouped by value."""
    return what in HASHED or what == "collector.public_network"


def by_value(what: str) -> bool:
    """Whether the fleet view groups these changes by new value ("Chrome 131") or by kind.

    Digests and moments are by kind: "12 agents' routers restarted" is the news, not
    twelve groups of one.
    """
    return not is_hashed(what) and what not in MOMENTS


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def figures(points: Sequence[Point]) -> dict[str, Any]:
    """Median MOS, median loss, failure rate (% of reports failing) and the report count."""
    mos = [p.mos for p in points if p.mos is not None]
    loss = [p.loss_pct for p in points if p.loss_pct is not None]
    failing = sum(1 for p in points if p.status == "fail")
    return {
        "reports": len(points),
        "mos": _median(mos),
        "loss_pct": _median(loss),
        "failure_pct": round(100.0 * failing / len(points), 1) if points else None,
    }


def compare(points: Sequence[Point], at: float, span_s: float) -> dict[str, Any]:
    """Figures over [at - span, at) and [at, at + span], and the MOS change (after - before)."""
    before = figures([p for p in points if at - span_s <= p.ts < at])
    after = figures([p for p in points if at <= p.ts <= at + span_s])
    delta = None
    if before["mos"] is not None and after["mos"] is not None:
        delta = round(after["mos"] - before["mos"], 2)
    return {"before": before, "after": after, "mos_delta": delta}
