"""`enroll`, `check --upload` and `status` through the real CLI and a real collector."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.agent.state import write_status
from agentprobe.cli import cli
from tests.rigs.collector import RunningCollector, agentprobe_command, start_collector
from tests.rigs.daemon import start_daemon, wait_for, write_config


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCollector]:
    rig = start_collector(tmp_path_factory.mktemp("collector"))
    yield rig
    rig.stop()


def agentprobe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*agentprobe_command(), *args], capture_output=True, text=True, timeout=120, check=False
    )


def config_for(tmp_path: Path, collector: RunningCollector, secret: str | None = None) -> Path:
    settings = {
        "url": collector.url,
        "ca_file": str(collector.ca_file),
        "enroll_secret": collector.enroll_secret if secret is None else secret,
    }
    # One id per test: the collector enrols an id once (the rig is shared by the module).
    agent_id = f"cli-{tmp_path.name}"
    return write_config(tmp_path / "agent.toml", tmp_path / "data", settings, agent_id=agent_id)


@pytest.mark.integration
def test_enroll_stores_a_private_token(tmp_path: Path, collector: RunningCollector) -> None:
    done = agentprobe("enroll", "--config", str(config_for(tmp_path, collector)))
    assert done.returncode == 0, done.stderr
    token = tmp_path / "data" / "agent-token"
    assert token.stat().st_mode & 0o777 == 0o600
    assert token.read_text().strip()


@pytest.mark.integration
def test_bad_secret_is_one_clear_line(tmp_path: Path, collector: RunningCollector) -> None:
    done = agentprobe("enroll", "--config", str(config_for(tmp_path, collector, "wrong")))
    assert done.returncode == 3
    assert done.stderr.startswith(
        "agentprobe: enrolment failed: collector refused enrolment: HTTP 4"
    )
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "agent-token").exists()


@pytest.mark.integration
def test_check_upload_sends_exactly_what_json_prints(
    tmp_path: Path, collector: RunningCollector
) -> None:
    config = config_for(tmp_path, collector)
    done = agentprobe("check", "--only", "system", "--json", "--upload", "--config", str(config))
    assert "upload: sent" in done.stderr, done.stderr
    printed = json.loads(done.stdout)
    assert Outbox.in_dir(tmp_path / "data").depth() == 0
    sent = json.loads((tmp_path / "data" / "last-sent.json").read_text())
    assert sent == printed


def test_check_upload_in_local_only_mode_says_so(tmp_path: Path) -> None:
    config = write_config(tmp_path / "agent.toml", tmp_path / "data")
    result = CliRunner().invoke(
        cli, ["check", "--only", "system", "--upload", "--config", str(config)]
    )
    assert "upload: not sent: no [collector] url configured (local-only mode)" in result.output


def test_status_reports_results_outbox_and_exit_code(tmp_path: Path) -> None:
    config = write_config(tmp_path / "agent.toml", tmp_path / "data")
    write_status(
        tmp_path / "data",
        {
            "pid": 2**22 + 7,  # not a live process: the daemon is reported as not running
            "running": True,
            "checks": {
                "system": {"status": "warn", "summary": "on battery", "at": "x"},
                "network": {"status": "pass", "summary": "fine", "at": "x"},
            },
            "upload": {"state": "revoked", "detail": "token revoked: re-enrol (agentprobe enroll)"},
        },
    )
    outbox = Outbox.in_dir(tmp_path / "data")
    outbox.put("r1", "{}")
    outbox.put("r2", "{}")
    outbox.kill("r2", "HTTP 422: bad")
    outbox.close()
    result = CliRunner().invoke(cli, ["status", "--json", "--config", str(config)])
    assert result.exit_code == 1
    summary = json.loads(result.output)
    assert summary["overall"] == "warn"
    assert summary["daemon"]["running"] is False
    assert summary["outbox"]["depth"] == 1 and summary["outbox"]["dead_letters"] == 1
    assert summary["outbox"]["recent_dead"][0]["reason"] == "HTTP 422: bad"
    assert summary["collector"]["detail"] == "local-only mode"
    text = CliRunner().invoke(cli, ["status", "--config", str(config)]).output
    assert "upload: revoked: token revoked: re-enrol (agentprobe enroll)" in text
    assert "1 waiting, 1 dead letter(s)" in text


def test_status_without_any_results_is_unknown(tmp_path: Path) -> None:
    config = write_config(tmp_path / "agent.toml", tmp_path / "data")
    result = CliRunner().invoke(cli, ["status", "--config", str(config)])
    assert result.exit_code == 3
    assert "no results yet" in result.output


@pytest.mark.integration
def test_a_second_daemon_on_the_same_data_dir_refuses_to_start(tmp_path: Path) -> None:
    config = write_config(tmp_path / "agent.toml", tmp_path / "data")
    first = start_daemon(config, tmp_path / "data")
    try:
        wait_for(lambda: first.status().get("running"), 30, "the first daemon", first.tail)
        second = agentprobe("run", "--config", str(config))
        assert second.returncode == 3
        assert f"another agentprobe daemon (pid {first.pid}) uses" in second.stderr
    finally:
        assert first.stop() == 0
