"""Noticing change: plain values differ or not; a router's up-since moment must jump."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from agentprobe.checks.changes import InventoryStore, diff_inventory
from agentprobe.report import Event

AT = "2026-12-02T09:00:00Z"
ROUTER = {"network.gateway_mac_hash": "h1", "network.router_uptime": "2026-11-28T20:00:00Z"}


def _changes(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(e.what, e.from_ or "", e.to or "") for e in diff_inventory(old, new, AT)]


def test_a_changed_value_is_an_event_and_a_new_key_is_not() -> None:
    old = {"software.chrome": "130.0", "audio.default_input": "Jabra"}
    new = {"software.chrome": "131.0", "audio.default_input": "Jabra", "software.os": "Linux"}
    assert diff_inventory(old, new, AT) == [
        Event("change", "software.chrome", "130.0", "131.0", AT)
    ]


def test_the_routers_up_since_wobbles_and_drifts_without_an_event() -> None:
    for moment in ("2026-11-28T20:00:01Z", "2026-11-28T19:59:58Z", "2026-11-28T20:01:55Z"):
        assert _changes(ROUTER, {**ROUTER, "network.router_uptime": moment}) == []


def test_a_router_restart_moves_its_up_since_forward() -> None:
    restarted = {**ROUTER, "network.router_uptime": "2026-12-02T08:41:12Z"}
    assert _changes(ROUTER, restarted) == [
        ("network.router_uptime", "2026-11-28T20:00:00Z", "2026-12-02T08:41:12Z")
    ]


def test_backwards_moments_and_another_router_are_not_restarts() -> None:
    earlier = {**ROUTER, "network.router_uptime": "2026-11-20T00:00:00Z"}  # a clock stepped back
    assert _changes(ROUTER, earlier) == []
    elsewhere = {"network.gateway_mac_hash": "h2", "network.router_uptime": "2026-12-02T08:00:00Z"}
    assert _changes(ROUTER, elsewhere) == [("network.gateway_mac_hash", "h1", "h2")]


def test_a_moment_that_is_not_one_is_compared_as_text() -> None:
    assert _changes(ROUTER, {**ROUTER, "network.router_uptime": "soon"}) == [
        ("network.router_uptime", "2026-11-28T20:00:00Z", "soon")
    ]


def test_the_store_keeps_the_latest_moment_so_drift_never_adds_up(tmp_path: Path) -> None:
    store = InventoryStore(tmp_path / "inventory.json")
    assert store.update(ROUTER) == []
    start = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
    for run in range(1, 11):  # each run's moment 100 s past the last: drift, never a restart
        moment = (start + timedelta(seconds=100 * run)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert store.update({**ROUTER, "network.router_uptime": moment}) == []
    assert store.load()["network.router_uptime"] == "2026-11-28T20:16:40Z"


def test_a_router_the_os_had_not_named_before_still_counts() -> None:
    unnamed = {"network.router_uptime": "2026-11-28T20:00:00Z"}  # gateway not yet in ARP
    restarted = {**ROUTER, "network.router_uptime": "2026-12-02T08:41:12Z"}
    assert [c[0] for c in _changes(unnamed, restarted)] == ["network.router_uptime"]
