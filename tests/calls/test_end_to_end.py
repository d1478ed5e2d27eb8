"""A real call, end to end: media into a namespace, the capture service spools it, the
daemon turns it into a call_end report, and the collector shows it on the agent's calls."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.calls import capturerig
from tests.rigs import media, netns
from tests.rigs.collector import RunningCollector, start_collector
from tests.rigs.collector_client import admin_get
from tests.rigs.daemon import start_daemon, wait_for, write_config
from tests.rigs.mediarelay import MediaRelay
from tests.rigs.netns import Impairment

pytestmark = [pytest.mark.integration, pytest.mark.root]
AGENT = "wire-agent"


@pytest.fixture
def link() -> Iterator[netns.ShapedLink]:
    if os.geteuid() != 0 or netns.available():
        pytest.skip(netns.available() or "packet sockets need root")
    with netns.shaped_namespace() as made:
        yield made


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[RunningCollector]:
    rig = start_collector(tmp_path / "collector")
    yield rig
    rig.stop()


def calls_of(collector: RunningCollector) -> list[dict[str, Any]]:
    answer = admin_get(collector, f"/api/v1/agents/{AGENT}/calls")
    return answer.json()["calls"] if answer.status_code == 200 else []


def test_a_captured_call_reaches_the_agents_page(
    link: netns.ShapedLink, collector: RunningCollector, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    service = subprocess.Popen(
        ["ip", "netns", "exec", link.netns, str(capturerig.AGENTPROBE), "calls", "capture",
         "--spool", str(spool), "--data-dir", str(tmp_path / "salt"),
         "--config", str(capturerig.write_config(tmp_path))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    sink = capturerig.rig(link.netns, "sink", "--bind", f"{link.ns_ip}:40000", "--seconds", "30")
    settings = {"url": collector.url, "ca_file": str(collector.ca_file),
                "enroll_secret": collector.enroll_secret, "timeout": 2}  # fmt: skip
    enabled = {"system": {"interval": 3600, "cpu_sample": 1}, "call": {"capture_spool": str(spool)}}
    data = tmp_path / "agent-data"
    daemon = start_daemon(
        write_config(tmp_path / "agent.toml", data, settings, enabled, AGENT), data
    )
    try:
        capturerig.capture_ready(service.pid, sockets=1)
        relay = MediaRelay(("127.0.0.1", 0), link.host_ip, (link.ns_ip, 40000), Impairment())
        with relay, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            media.send_stream(
                sock, relay.front.getsockname(), media.StreamPlan(media.G711, 150, ssrc=0x99)
            )
            time.sleep(0.3)
        calls = wait_for(
            lambda: calls_of(collector), 60, "the call on the agent's page", daemon.tail
        )
    finally:
        assert daemon.stop() == 0
        capturerig.stop(service)
        capturerig.stop(sink)
    (only,) = calls
    assert (only["transport"], only["codec"], only["source"]) == ("rtp", "g711", "capture")
    assert only["rx_loss_pct"] == 0.0 and only["status"] == "pass"
    assert not list(spool.glob("*.json"))  # handed on, so removed
