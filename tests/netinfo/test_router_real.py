"""A router restart seen end to end: a real miniupnpd "reboots" in the router namespace,
the agent's worker in the client namespace notices it, and the collector shows it.

The worker is what the daemon runs each round (`python -m agentprobe.agent.worker`),
with the inventory it keeps between rounds; its reports cross real HTTPS into a real
collector on loopback, whose timeline and fleet view must show the restart as such.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from agentprobe.report import Report
from tests.rigs import upnp_router
from tests.rigs.collector import RunningCollector, start_collector
from tests.rigs.collector_client import admin_get, post
from tests.rigs.router import GATEWAY, Rig, in_ns, namespaces, usable

pytestmark = [
    pytest.mark.integration,
    pytest.mark.root,
    pytest.mark.skipif(usable() is not None, reason=str(usable())),
    pytest.mark.skipif(upnp_router.usable() is not None, reason=str(upnp_router.usable())),
]
THREE_DAYS = 3 * 86400


def _worker(rig: Rig, home: Path) -> Report:
    env = {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "LANG": "C.UTF-8",
    }
    config = home / "agent.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[agent]\nid = "home-01"\n')
    done = in_ns(rig.client, sys.executable, "-m", "agentprobe.agent.worker",
                 "--config", str(config), "network", env=env)  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return Report.from_json(done.stdout)


def _posted(rig: RunningCollector, token: str, report: Report) -> None:
    answer = post(rig, token, report.to_json())
    assert answer.status_code == 201, answer.text


def _get(rig: RunningCollector, path: str, **params: str) -> dict[str, Any]:
    answer = admin_get(rig, path, **params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_router_reboot_becomes_a_router_event_on_the_timeline(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with namespaces("up") as rig:
        upnp_router.wan_side(rig)
        with upnp_router.running(rig, tmp_path / "boot1", THREE_DAYS):
            before = _worker(rig, home)
        with upnp_router.running(rig, tmp_path / "boot2", 5):
            after = _worker(rig, home)
        with upnp_router.running(rig, tmp_path / "boot2", 3600):
            # Up an hour "since" a moment before the last run: a jump backwards, no restart.
            again = _worker(rig, home)
    (network,) = before.checks
    assert THREE_DAYS <= network.metrics["router_uptime_s"] <= THREE_DAYS + 60, network.summary
    assert "; router up 3 d 0 h; " in network.summary and before.events == []
    (network,) = after.checks
    assert 5 <= network.metrics["router_uptime_s"] <= 60
    (restart,) = after.events
    assert (restart.kind, restart.what) == ("change", "network.router_uptime")
    assert restart.from_ is not None and restart.to is not None
    moved = time.mktime(time.strptime(restart.to, "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(
        time.strptime(restart.from_, "%Y-%m-%dT%H:%M:%SZ")
    )
    assert THREE_DAYS - 120 <= moved <= THREE_DAYS + 120
    assert again.events == []
    for report in (before, after, again):
        text = report.to_json()
        for kept_out in (GATEWAY, "uuid:", "3d3cec3a", "203.0.113", "00000000"):
            assert kept_out not in text  # no address, UDN or serial leaves the agent
    _show(tmp_path, before, after)


def _show(tmp_path: Path, before: Report, after: Report) -> None:
    collector = start_collector(tmp_path / "collector")
    try:
        token = collector.enroll("home-01")
        for report in (before, after):
            _posted(collector, token, report)
        neighbour = Report.from_dict(
            {**after.to_dict(), "agent_id": "home-02", "report_id": str(uuid.uuid4())}
        )
        _posted(collector, collector.enroll("home-02"), neighbour)
        (event,) = _get(collector, "/api/v1/agents/home-01/timeline", since="7d")["events"]
        assert event["category"] == "router" and event["what"] == "network.router_uptime"
        assert (event["from"], event["to"]) == (after.events[0].from_, after.events[0].to)
        changes = _get(collector, "/api/v1/fleet/changes", since="7d")["changes"]
        (router,) = [c for c in changes if c["category"] == "router"]
        assert router["agents"] == 2 and router["to"] is None  # one group, not one per moment
        assert router["agent_ids"] == ["home-01", "home-02"]
    finally:
        collector.stop()
        shutil.rmtree(tmp_path / "collector", ignore_errors=True)


def test_without_upnp_the_check_says_why_it_has_no_uptime(tmp_path: Path) -> None:
    with namespaces("un") as rig:
        report = _worker(rig, tmp_path / "home")
    (network,) = report.checks
    assert "router_uptime_s" not in network.metrics
    assert network.summary.endswith(
        "; not measured: router uptime (the router did not answer UPnP)"
    )
    assert report.events == [] and network.status.value == "pass"
