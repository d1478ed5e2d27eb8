"""The software check's grading, metrics, inventory, privacy and config validation."""

from __future__ import annotations

import json
import platform
import tomllib
from pathlib import Path
from typing import Any

import pytest

from agentprobe import __version__
from agentprobe.checks.registry import config_from_dict, config_sections
from agentprobe.checks.software import SoftwareCheck, SoftwareConfig
from agentprobe.config import example as config_example
from agentprobe.config.spec import ConfigError
from agentprobe.report import CheckResult, Status
from agentprobe.software.host import Output
from tests.software import scenarios
from tests.software.fakes import FakeHost, data

PY = platform.python_version()


def run(host: FakeHost, **settings: Any) -> CheckResult:
    config = config_from_dict({"software": settings}, None).check("software")
    assert isinstance(config, SoftwareConfig)
    return SoftwareCheck(config, host).run()


def test_ubuntu_agent_passes_with_exact_metrics_and_inventory() -> None:
    result = run(scenarios.ubuntu())
    assert result.status is Status.PASS
    assert result.metrics == {
        "os_name": "Ubuntu",
        "os_version": "24.04",
        "agentprobe_version": __version__,
        "python_version": PY,
        "apps_found": 5,
        "apps_running": 2,
        "apps_installed": "chrome 131.0.6778.85, chromium 131.0.6778.85, firefox 128.5.0esr, "
        "zoom 6.2.11.5069, teams 1.11.3",
        "browser_name": "chrome",
        "browser_version": "131.0.6778.85",
        "browser_running": True,
        "browser_default": True,
        "softphone_name": "zoom",
        "softphone_version": "6.2.11.5069",
        "softphone_running": True,
        "apps_outdated": 0,
    }
    assert result.summary == (
        "Ubuntu 24.04; Google Chrome 131.0.6778.85 (default); Zoom Workplace 6.2.11.5069; "
        "5 of 13 listed apps installed, 2 running"
    )
    assert result.inventory["software.os"] == "Ubuntu 24.04"
    assert result.inventory["software.default_browser"] == "chrome"
    assert result.inventory["software.teams"] == "1.11.3"
    assert result.inventory["software.microsip"] == "not installed"
    assert set(result.inventory) == {
        "software.os",
        "software.agentprobe",
        "software.python",
        "software.default_browser",
        *(f"software.{name}" for name in SoftwareConfig().apps),
    }


def test_every_metric_is_declared() -> None:
    for host in (scenarios.ubuntu(), scenarios.windows(), scenarios.macos()):
        assert set(run(host).metrics) <= set(SoftwareCheck.metrics)


def test_running_softphone_is_preferred_over_the_first_listed() -> None:
    result = run(scenarios.windows())
    assert (result.metrics["softphone_name"], result.metrics["softphone_running"]) == ("zoom", True)
    host = scenarios.windows()
    host.processes = ["ms-teams.exe"]
    result = run(host)
    assert result.metrics["softphone_name"] == "teams"
    assert result.metrics["softphone_version"] == "24295.605.3225.8804"
    assert result.metrics["browser_name"] == "firefox"  # the default, though chrome is listed first


def test_below_minimum_version_warns_with_advice() -> None:
    result = run(scenarios.windows(), min_versions={"chrome": "132", "zoom": "6.2", "teams": "1"})
    assert result.status is Status.WARN
    assert result.metrics["apps_outdated"] == 1
    assert result.advice == [
        "Update Google Chrome from 131.0.6778.86 to 132 or later "
        "(the minimum set in [software] min_versions)."
    ]
    assert result.summary.endswith("1 below the minimum version")


def test_minimum_for_an_app_not_in_the_list_inventories_it_too() -> None:
    result = run(scenarios.macos(), apps=["chrome"], min_versions={"zoom": "6.3"})
    assert result.status is Status.WARN
    assert result.metrics["apps_installed"] == "chrome 131.0.6778.86, zoom 6.2.11 (49849)"
    assert "software.webex" not in result.inventory


def test_minimum_for_an_app_that_is_not_installed_passes() -> None:
    assert run(scenarios.macos(), min_versions={"microsip": "3.21"}).status is Status.PASS


def test_nothing_found_warns_and_says_what_to_do() -> None:
    host = FakeHost("Linux", files={"/etc/os-release": data("linux/os-release-debian-12.txt")})
    result = run(host)
    assert result.status is Status.WARN
    assert result.summary == (
        "Debian GNU/Linux 12; no listed browser found; no listed softphone found; "
        "0 of 13 listed apps installed, 0 running"
    )
    assert result.advice and "[software] apps" in result.advice[0]


def test_an_empty_list_only_reports_the_os() -> None:
    host = scenarios.ubuntu()
    result = run(host, apps=[])
    assert result.status is Status.PASS
    assert result.metrics["apps_found"] == 0
    assert [call[0] for call in host.calls] == []


def test_other_software_and_processes_never_reach_the_result() -> None:
    for host in (scenarios.ubuntu(), scenarios.windows(), scenarios.macos()):
        result = run(host)
        text = json.dumps([result.to_dict(), result.inventory]).lower()
        for private in (*scenarios.PRIVATE, "7-zip", "00330-80000", "webview2", "svchost"):
            assert private.lower() not in text


def test_failing_or_missing_tools_are_not_an_error() -> None:
    host = scenarios.ubuntu()
    host.commands[("dpkg-query",)] = Output(2, "")
    host.commands[("flatpak", "list")] = Output(1, "")
    del host.commands[("snap", "list")]
    del host.commands[("xdg-settings", "get", "default-web-browser")]
    result = run(host)
    assert result.status is Status.PASS
    assert result.metrics["apps_installed"] == "chrome 131.0.6778.85, firefox 128.5.0esr"
    assert result.metrics["browser_default"] is False
    assert "software.default_browser" not in result.inventory


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"apps": ["chrome", "skype"]}, "[software] apps: unknown app 'skype' (known: chrome,"),
        ({"min_versions": {"skype": "8"}}, "[software] min_versions: unknown app 'skype'"),
        (
            {"min_versions": {"chrome": "latest"}},
            "[software] min_versions: chrome: expected a version such as",
        ),
        ({"min_versions": {"chrome": 120}}, "[software] min_versions: expected a string, got 120"),
        ({"min_versions": ["chrome"]}, "[software] min_versions: expected a table"),
        ({"interval": "1s"}, "[software] interval: must be at least 10"),
    ],
)
def test_bad_config_names_file_key_and_reason(section: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"software": section}, Path("agent.toml"))
    assert str(caught.value).startswith(f"agent.toml: {message}")


def test_defaults_and_example_config() -> None:
    config = SoftwareConfig()
    assert (config.interval, config.min_versions) == (3600.0, {})
    assert config.apps[:4] == ["chrome", "chromium", "firefox", "msedge"]
    example = tomllib.loads(config_example.render(config_sections()))["software"]
    assert example["min_versions"] == {}
    assert config_from_dict({"software": example}, None).check("software") == config
