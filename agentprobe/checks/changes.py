"""Noticing change: compare this run's inventory (devices, versions, network) with the last one.

Pure diffing plus a tiny JSON file store. Values are whatever checks put in
`CheckResult.inventory` (already hashed where they could locate a person).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from agentprobe.report import Event, utc_now

# Values that are moments worked out from a counter (the router's up-since, from its
# uptime) wobble by a second from run to run and drift by the two clocks' difference
# while the PC is off; only a jump forward past the slack (s) is a restart. They are
# compared only while their companion key (the same router) holds: a move to another
# network is that key's change, not a restart.
MOMENTS = {"network.router_uptime": (120.0, "network.gateway_mac_hash")}


def diff_inventory(old: Mapping[str, str], new: Mapping[str, str], at: str = "") -> list[Event]:
    """One `change` event per key present now whose value differs from last time.

    Keys seen for the first time are not changes (there is nothing to compare with).
    """
    at = at or utc_now()
    return [
        Event("change", key, old[key], value, at)
        for key, value in sorted(new.items())
        if key in old and _changed(key, old, new)
    ]


def _changed(key: str, old: Mapping[str, str], new: Mapping[str, str]) -> bool:
    if key not in MOMENTS:
        return old[key] != new[key]
    slack_s, companion = MOMENTS[key]
    if old.get(companion) and new.get(companion) and old[companion] != new[companion]:
        return False  # another router; a MAC the OS did not give last time proves nothing
    try:
        moved = datetime.fromisoformat(new[key]) - datetime.fromisoformat(old[key])
    except ValueError:
        return old[key] != new[key]
    return moved.total_seconds() > slack_s


class InventoryStore:
    """The last seen inventory, kept as JSON in the data dir and replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def save(self, inventory: Mapping[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(dict(inventory), indent=1, sort_keys=True))
        os.replace(temporary, self.path)

    def update(self, inventory: Mapping[str, str]) -> list[Event]:
        """Events for what changed, then remember the merged inventory."""
        old = self.load()
        events = diff_inventory(old, inventory)
        self.save({**old, **inventory})
        return events
