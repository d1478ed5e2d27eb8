"""The daemon against a real collector on loopback: outage, SIGTERM mid-upload, revocation.

Reports are counted by report_id through the admin API. The daemon logs every report it
queues, so the set of reports it made is known exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.rigs.collector import RunningCollector, start_collector
from tests.rigs.collector_client import agent_reports
from tests.rigs.daemon import start_daemon, wait_for, write_config
from tests.rigs.gate_relay import GateRelay

pytestmark = pytest.mark.integration
AGENT = "e2e-agent"


@pytest.fixture
def collector(tmp_path: Path) -> Any:
    rig = start_collector(tmp_path)
    yield rig
    rig.stop()


def stored_ids(collector: RunningCollector, agent: str = AGENT) -> list[str]:
    """Every report_id the collector holds for `agent`."""
    return [report["report_id"] for report in agent_reports(collector, agent)]


def daemon_config(tmp_path: Path, collector: RunningCollector, url: str | None = None) -> Path:
    settings = {
        "url": url or collector.url,
        "ca_file": str(collector.ca_file),
        "enroll_secret": collector.enroll_secret,
        "timeout": 2,
    }
    return write_config(tmp_path / "agent.toml", tmp_path / "agent-data", settings, agent_id=AGENT)


def test_outage_reports_wait_and_arrive_exactly_once(
    tmp_path: Path, collector: RunningCollector
) -> None:
    daemon = start_daemon(daemon_config(tmp_path, collector), tmp_path / "agent-data")
    try:
        wait_for(lambda: stored_ids(collector), 40, "the first report", daemon.tail)
        assert (tmp_path / "agent-data" / "agent-token").stat().st_mode & 0o777 == 0o600

        collector.stop()
        for wanted in (1, 2):
            daemon.request_run()
            wait_for(lambda n=wanted: daemon.outbox_depth() >= n, 40, "queued", daemon.tail)
        waiting = daemon.pending_ids()
        upload = daemon.wait_for_upload("unreachable", 20)
        assert "unreachable" in upload["detail"]

        collector.restart()
        daemon.request_run()  # a person's "Run checks now" also retries sending at once
        wait_for(lambda: daemon.outbox_depth() == 0, 60, "the outbox to drain", daemon.tail)
    finally:
        assert daemon.stop() == 0
    made = daemon.queued_ids()
    stored = stored_ids(collector)
    assert set(waiting) <= set(made)
    assert sorted(stored) == sorted(set(made))  # every report, each exactly once
    assert daemon.outbox_depth() == 0


def test_sigterm_during_upload_loses_nothing(tmp_path: Path, collector: RunningCollector) -> None:
    with GateRelay(("127.0.0.1", collector.port)) as relay:
        url = f"https://127.0.0.1:{relay.port}"
        config = daemon_config(tmp_path, collector, url)
        daemon = start_daemon(config, tmp_path / "agent-data")
        try:
            wait_for(lambda: stored_ids(collector), 40, "the first report", daemon.tail)
            wait_for(lambda: daemon.outbox_depth() == 0, 20, "first upload", daemon.tail)
            relay.close_gate()  # requests reach the collector; answers are held back
            before = set(stored_ids(collector))
            daemon.request_run()
            held = wait_for(
                lambda: set(stored_ids(collector)) - before, 40, "a held upload", daemon.tail
            )
        finally:
            code = daemon.stop()
        assert code == 0
        # The collector stored it but the daemon never heard so: it must still be queued.
        assert set(held) <= set(daemon.pending_ids())

        relay.open_gate()
        again = start_daemon(config, tmp_path / "agent-data", "daemon2.log")
        try:
            wait_for(lambda: again.outbox_depth() == 0, 40, "redelivery", again.tail)
        finally:
            assert again.stop() == 0
    made = daemon.queued_ids() + again.queued_ids()
    stored = stored_ids(collector)
    assert sorted(stored) == sorted(set(made))


def test_revoked_token_shows_in_status_without_retry_storm(
    tmp_path: Path, collector: RunningCollector
) -> None:
    daemon = start_daemon(daemon_config(tmp_path, collector), tmp_path / "agent-data")
    try:
        wait_for(lambda: stored_ids(collector), 40, "the first report", daemon.tail)
        revoked = requests.delete(
            f"{collector.url}/api/v1/agents/{AGENT}/token",
            headers=collector.admin_headers(),
            verify=str(collector.ca_file),
            timeout=10,
        )
        assert revoked.status_code == 204
        daemon.request_run()
        upload = daemon.wait_for_upload("revoked", 40)
        assert upload["detail"] == "token revoked: re-enrol (agentprobe enroll)"
        depth = daemon.outbox_depth()
        daemon.request_run()
        wait_for(lambda: daemon.outbox_depth() == depth + 1, 40, "a new queued report", daemon.tail)
    finally:
        assert daemon.stop() == 0
    log = daemon.log.read_text()
    # One refused attempt, then no more: the queued reports wait for re-enrolment.
    assert log.count('/api/v1/reports HTTP/1.1" 401') == 1
    assert daemon.outbox_depth() == depth + 1
