"""The software check on this machine, through real commands, real psutil and a real data dir.

CI installs Debian's chromium (tests/run-all.sh), so these run there; they skip only
where chromium is truly absent.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from agentprobe.checks.changes import InventoryStore
from agentprobe.checks.registry import config_from_dict
from agentprobe.checks.runner import environment, run_checks
from agentprobe.checks.software import SoftwareCheck, SoftwareConfig
from agentprobe.cli import cli
from agentprobe.config.sections import Config

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed"),
]


def chromium_says() -> str:
    """The version chromium prints itself, read independently of agentprobe's parser."""
    banner = subprocess.run(["chromium", "--version"], capture_output=True, text=True, check=True)
    match = re.match(r"Chromium (\S+) ", banner.stdout)
    assert match, banner.stdout
    return match.group(1)


def config_in(tmp_path: Path, **software: object) -> Config:
    return config_from_dict(
        {"agent": {"data_dir": str(tmp_path / "data")}, "software": software}, None
    )


def check_for(config: Config) -> SoftwareCheck:
    section = config.check("software")
    assert isinstance(section, SoftwareConfig)
    return SoftwareCheck.create(section, environment(config))


def test_finds_chromium_at_the_version_it_prints(tmp_path: Path) -> None:
    result = check_for(config_in(tmp_path)).run()
    version = chromium_says()
    assert result.metrics["browser_name"] == "chromium"
    assert result.metrics["browser_version"] == version
    assert result.inventory["software.chromium"] == version
    os_release = platform.freedesktop_os_release()
    assert result.metrics["os_name"] == os_release["NAME"]
    assert result.metrics["os_version"] == os_release["VERSION_ID"]
    dpkg = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "chromium"], capture_output=True, text=True
    )
    if dpkg.returncode == 0:  # the Debian package agrees with the binary
        assert dpkg.stdout.startswith(version + "-")


@pytest.fixture
def fake_processes(tmp_path: Path) -> Iterator[list[int]]:
    """Two harmless processes named like a listed softphone and a private program."""
    started: list[subprocess.Popen[bytes]] = []
    for name in ("microsip", "secret-diary"):
        binary = tmp_path / "bin" / name
        binary.parent.mkdir(exist_ok=True)
        shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
        started.append(subprocess.Popen([str(binary), "60"]))
    try:
        yield [process.pid for process in started]
    finally:
        for process in started:
            process.kill()
            process.wait(timeout=10)


def test_running_state_keeps_only_listed_names(tmp_path: Path, fake_processes: list[int]) -> None:
    result = check_for(config_in(tmp_path, apps=["chromium", "microsip"])).run()
    assert result.metrics["apps_running"] == 1
    assert "secret-diary" not in json.dumps([result.to_dict(), result.inventory])


def test_a_version_change_becomes_a_change_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chromium = tmp_path / "bin" / "chromium"
    chromium.parent.mkdir()
    monkeypatch.setenv("PATH", f"{chromium.parent}{os.pathsep}{os.environ['PATH']}")
    config = config_in(tmp_path, apps=["chromium"])
    store = InventoryStore(config.data_dir / "inventory.json")
    reports = []
    for version in ("130.0", "131.0"):
        chromium.write_text(f"#!/bin/sh\necho 'Chromium {version} built on Debian GNU/Linux'\n")
        chromium.chmod(0o755)
        env = environment(config)
        reports.append(run_checks(config, env, [SoftwareCheck], inventory=store).to_dict())
    assert reports[0]["events"] == []
    (event,) = reports[1]["events"]
    assert {k: event[k] for k in ("kind", "what", "from", "to")} == {
        "kind": "change",
        "what": "software.chromium",
        "from": "130.0",
        "to": "131.0",
    }
    assert json.loads(store.path.read_text())["software.chromium"] == "131.0"


def test_check_command_prints_the_report(tmp_path: Path) -> None:
    config = tmp_path / "agent.toml"
    config.write_text(f'[agent]\ndata_dir = "{tmp_path}"\n[software]\napps = ["chromium"]\n')
    result = CliRunner().invoke(
        cli, ["check", "--only", "software", "--json", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    (check,) = json.loads(result.stdout)["checks"]
    assert check["metrics"]["browser_version"] == chromium_says()
    assert check["metrics"]["python_version"] == platform.python_version()
