"""Configuration: every bad file exits 3 in one line through the real CLI; lookup order;
the enrol secret from the environment; config.example.toml equals the defaults."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from agentprobe.checks.registry import config_from_dict, config_sections, load_config
from agentprobe.cli import cli
from agentprobe.config.example import render

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"
REGENERATE = "agentprobe config example > config.example.toml"

BAD_CONFIGS = {
    "unknown-key": ('[agent]\nname = "pc"\n', "[agent] name: unknown key (known: id, team"),
    "unknown-section": ("[agnet]\nid = 'x'\n", "[agnet]: unknown section (known: agent"),
    "wrong-type": ('[streams]\nvoice = "one"\n', "[streams] voice: expected a whole number"),
    "negative-streams": ("[streams]\nvideo = -2\n", "[streams] video: must be at least 0, got -2"),
    "out-of-range": ("[streams]\nheadroom = 500\n", "[streams] headroom: must be at most 100"),
    "bad-choice": ('[agent]\nlocation = "cafe"\n', "[agent] location: must be one of home,"),
    "outbox-too-small": (
        "[agent]\noutbox_max_reports = 99\n",
        "[agent] outbox_max_reports: must be at least 100, got 99",
    ),
    "bad-duration": ('[system]\ninterval = "soon"\n', "[system] interval: expected a duration"),
    "too-often": ("[network]\ninterval = 1\n", "[network] interval: must be at least 10, got 1"),
    "malformed": ("[agent\nid = 1\n", "malformed TOML: "),
    "not-a-table": ("agent = 3\n", "[agent]: must be a table"),
    "bad-url": ('[collector]\nurl = "ftp://x"\n', "[collector] url: expected https://host:port"),
    "threshold-order": (
        "[system.thresholds]\ncpu_pct = [90, 80]\n",
        "[system] thresholds.cpu_pct: pass limit 90 must be at most the warn limit 80",
    ),
    "threshold-unknown": (
        "[network.thresholds]\nvpn_active = [1, 2]\n",
        "[network] thresholds.vpn_active: not a graded metric of this check",
    ),
    "threshold-shape": (
        "[network.thresholds]\ndns_ms = [100]\n",
        "[network] thresholds.dns_ms: expected [pass_limit, warn_limit], got [100]",
    ),
    "bad-shift": (
        '[schedule]\nshifts = ["weekdays 9-5"]\n',
        '[schedule] shifts: expected a shift like "Mon-Fri 08:00-17:00"',
    ),
    "binary": (b"\xff\xfe[agent]", "not UTF-8 text"),
    "agent-id-path": (
        '[agent]\nid = "../../logout"\n',
        "[agent] id: use letters, digits and ._@- (a letter or digit first, at most 128)",
    ),
}


def _write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _assert_exit_3(result_code: int, output: str, expected: str, path: Path) -> None:
    assert result_code == 3, output
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0] == f"agentprobe: config error: {path}: {expected}" or (
        lines[0].startswith(f"agentprobe: config error: {path}: ") and expected in lines[0]
    ), output


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
@pytest.mark.parametrize(
    "command", [["config", "validate"], ["check", "--only", "system", "--config"]]
)
def test_bad_config_exits_3_in_one_line(tmp_path: Path, case: str, command: list[str]) -> None:
    content, expected = BAD_CONFIGS[case]
    path = _write(tmp_path / "config.toml", content)
    result = CliRunner().invoke(cli, [*command, str(path)])
    _assert_exit_3(result.exit_code, result.output, expected, path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = CliRunner().invoke(cli, ["config", "validate", str(missing)])
    _assert_exit_3(result.exit_code, result.output, "file not found", missing)
    result = CliRunner().invoke(cli, ["check", "--config", str(tmp_path)])
    _assert_exit_3(result.exit_code, result.output, "is a directory, not a file", tmp_path)


def test_real_console_script_exits_3_without_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("agentprobe")
    path = _write(tmp_path / "config.toml", "[streams]\nvoice = -1\n")
    done = subprocess.run(
        [str(script), "config", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "AGENTPROBE_CONFIG": ""},
        check=False,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr == (
        f"agentprobe: config error: {path}: [streams] voice: must be at least 0, got -1\n"
    )


def test_lookup_order(tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = isolated_home / ".config/agentprobe/config.toml"
    user.parent.mkdir(parents=True)
    _write(user, '[agent]\nteam = "from-user-dir"\n')
    from_env = _write(tmp_path / "env.toml", '[agent]\nteam = "from-env"\n')
    explicit = _write(tmp_path / "cli.toml", '[agent]\nteam = "from-option"\n')

    assert load_config(None).agent.team == "from-user-dir"
    monkeypatch.setenv("AGENTPROBE_CONFIG", str(from_env))
    assert load_config(None).agent.team == "from-env"
    assert load_config(str(explicit)).agent.team == "from-option"
    assert CliRunner().invoke(cli, ["config", "validate"]).output == f"{from_env}: valid\n"
    result = CliRunner().invoke(cli, ["config", "validate", str(explicit)])
    assert result.output == f"{explicit}: valid\n"


def test_no_file_anywhere_means_defaults_but_a_named_file_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_config(None)
    assert loaded.source is None and loaded == config_from_dict({}, None)
    assert CliRunner().invoke(cli, ["config", "validate"]).output == (
        "defaults (no config file found): valid\n"
    )
    monkeypatch.setenv("AGENTPROBE_CONFIG", str(tmp_path / "gone.toml"))
    result = CliRunner().invoke(cli, ["config", "validate"])
    assert result.exit_code == 3 and "gone.toml: file not found" in result.output


def test_enroll_secret_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTPROBE_ENROLL_SECRET", "s3cret-from-env")
    assert config_from_dict({}, None).collector.enroll_secret == "s3cret-from-env"
    in_file = config_from_dict({"collector": {"enroll_secret": "from-file"}}, None)
    assert in_file.collector.enroll_secret == "from-file"


def test_durations_and_thresholds_load_typed() -> None:
    loaded = config_from_dict(
        {
            "bandwidth": {"interval": "2h"},
            "network": {"timeout": "90s", "thresholds": {"wifi_rssi_dbm": [-60, -70]}},
            "streams": {"voice": 2, "video": 1, "voice_kbps": 87},
        },
        None,
    )
    assert loaded.check("bandwidth").interval == 7200.0
    assert loaded.check("network").timeout == 90.0
    assert loaded.check("network").thresholds == {"wifi_rssi_dbm": (-60.0, -70.0)}
    assert loaded.streams.budget_kbps == 2 * 87 + 100 + 100


def test_config_example_file_equals_rendering() -> None:
    assert EXAMPLE.read_text() == render(config_sections()), (
        f"config.example.toml is stale: run `{REGENERATE}`"
    )
    result = CliRunner().invoke(cli, ["config", "example"])
    assert result.exit_code == 0 and result.output == render(config_sections())


def test_config_example_loads_and_equals_defaults() -> None:
    loaded = load_config(EXAMPLE)
    assert dataclasses.replace(loaded, source=None) == config_from_dict({}, None)


def test_config_example_has_every_design_key() -> None:
    design = {
        "agent": ["id", "team", "site", "data_dir"],
        "collector": ["url", "ca_file", "enroll_secret"],
        "streams": ["voice", "video", "licenses", "voice_kbps", "video_kbps",
                    "license_kbps", "headroom"],
        "bandwidth": ["backend", "interval", "enabled"],
        "voice": ["reflector", "codec", "seconds", "interval", "enabled"],
        "noise": ["device", "seconds", "interval", "enabled"],
        "schedule": ["shifts"],
        "system": ["enabled", "interval"],
        "network": ["enabled", "interval", "dns_name"],
        "audio_devices": ["enabled", "interval"],
    }  # fmt: skip
    document = tomllib.loads(EXAMPLE.read_text())
    missing = [
        f"[{section}] {key}"
        for section, keys in design.items()
        for key in keys
        if key not in document.get(section, {})
    ]
    assert missing == []
    assert document["bandwidth"]["backend"] == "collector"
    assert document["voice"]["codec"] == "g711"
    assert (document["streams"]["voice_kbps"], document["streams"]["headroom"]) == (100, 1.5)
    assert (document["bandwidth"]["interval"], document["voice"]["interval"]) == ("30m", "15m")
    assert (document["noise"]["interval"], document["noise"]["seconds"]) == ("10m", "5s")
