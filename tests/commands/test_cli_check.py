"""`agentprobe check` through click: JSON that validates, exit codes, --list, bad usage."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from agentprobe.checks.registry import CHECKS
from agentprobe.cli import cli
from agentprobe.report import Report, json_schema


@pytest.fixture
def fast_config(tmp_path: Path) -> Path:
    path = tmp_path / "fast.toml"
    path.write_text(
        f'[agent]\nid = "pc-7"\ndata_dir = "{tmp_path / "data"}"\n[system]\ncpu_sample = 1\n'
    )
    return path


def test_check_only_system_json_validates_and_exit_code_matches(fast_config: Path) -> None:
    result = CliRunner().invoke(
        cli, ["check", "--only", "system", "--json", "--config", str(fast_config)]
    )
    data = json.loads(result.stdout)
    jsonschema.validate(data, json_schema())
    report = Report.from_dict(data)
    assert [c.name for c in report.checks] == ["system"]
    assert data["agent_id"] == "pc-7" and data["trigger"] == "manual"
    assert result.exit_code == report.status.exit_code
    assert {"cpu_pct", "memory_available_pct", "disk_free_pct", "on_battery", "uptime_s"} <= set(
        data["checks"][0]["metrics"]
    )


def test_human_table_names_the_check_and_key_figures(fast_config: Path) -> None:
    result = CliRunner().invoke(
        cli, ["check", "--only", "system", "--config", str(fast_config)], env={"COLUMNS": "120"}
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("agentprobe 0.1.0 on pc-7 at ")
    assert any("system" in line and "cpu_pct=" in line for line in lines)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--only", "nosuch"], "unknown check 'nosuch' (known: system"),
        (["check", "--bogus"], "No such option '--bogus'"),
        (["nosuchcommand"], "No such command 'nosuchcommand'"),
        (["check", "--only"], "Option '--only' requires an argument"),
    ],
    ids=["unknown-check", "unknown-option", "unknown-command", "missing-argument"],
)
def test_bad_usage_exits_3_not_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 4


def test_list_names_every_check_and_its_metrics() -> None:
    result = CliRunner().invoke(cli, ["check", "--list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for check in CHECKS:
        assert f"{check.name}: {check.description}" in result.output
        for metric, spec in check.metrics.items():
            assert f"    {metric} ({spec.unit}): {spec.description}" in result.output


def test_list_respects_only() -> None:
    result = CliRunner().invoke(cli, ["check", "--list", "--only", "network"])
    assert result.output.startswith("network: ") and "\nsystem: " not in result.output
