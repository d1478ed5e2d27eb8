"""The README's first command, end to end: `agentprobe demo` on embedded defaults.

A real collector subprocess on loopback (HTTPS, SQLite), a real `check --upload` child,
and the fleet report; the demo stops its own collector by PID before it returns.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psutil


def test_demo_runs_the_whole_loop_and_stops_its_collector(tmp_path: Path) -> None:
    before = {p.pid for p in psutil.process_iter()}
    done = subprocess.run(
        [sys.executable, "-m", "agentprobe", "demo", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "upload: sent" in done.stderr
    assert "1 of 1 agents reporting" in done.stdout
    summary = subprocess.run(
        [
            sys.executable,
            "-m",
            "agentprobe",
            "collector",
            "report",
            "--data-dir",
            str(tmp_path / "collector"),
            "--since",
            "1h",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    fleet = json.loads(summary.stdout)
    assert fleet["reports"]["total"] == 1
    assert {row["name"] for row in fleet["checks"]} >= {"system", "network", "bandwidth", "voice"}
    leftovers = [
        p
        for p in psutil.process_iter(["pid", "cmdline"])
        if p.pid not in before
        and "serve" in (p.info["cmdline"] or [])
        and str(tmp_path) in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == []


def test_demo_agent_config_survives_paths_toml_would_misread(tmp_path: Path) -> None:
    """Windows paths (backslashes) and quotes must round-trip through the written TOML."""
    import tomllib

    from agentprobe.commands.demo import agent_config

    data_dir = Path('C:\\Users\\o"neil\\agentprobe')
    text = agent_config("https://127.0.0.1:8443", data_dir / "cert.pem", 'se"cret', data_dir)
    parsed = tomllib.loads(text)
    assert parsed["agent"]["data_dir"] == str(data_dir)
    assert parsed["collector"]["ca_file"] == str(data_dir / "cert.pem")
    assert parsed["collector"]["enroll_secret"] == 'se"cret'
