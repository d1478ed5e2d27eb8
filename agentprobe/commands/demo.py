"""`agentprobe demo`: the whole loop on one machine, on embedded defaults.

It starts a collector on loopback (HTTPS with a self-signed certificate, SQLite in its
data dir), writes an agent config that trusts that certificate and holds an enrol
secret, runs `agentprobe check --upload` against it (the agent enrols, checks this
machine, measures bandwidth and the voice path against the collector, and uploads), then
prints the fleet report. Each step is the same command an operator would type, run as a
child process, so the demo proves the real paths rather than a shortcut.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import platformdirs
import requests

from agentprobe.collector.ports import free_port
from agentprobe.config.sections import APP
from agentprobe.config.spec import toml_value

HEALTH_TIMEOUT_S = 30.0


def agentprobe_argv() -> list[str]:
    """How to run this same agentprobe installation as a child process."""
    return [sys.executable, "-m", "agentprobe"]


def agent_config(url: str, ca_file: Path, secret: str, data_dir: Path) -> str:
    """A minimal agent config: everything else stays at its default."""
    return (
        "# Written by `agentprobe demo`: an agent that reports to the demo collector.\n"
        f'[agent]\ndata_dir = {toml_value(str(data_dir))}\nlocation = "home"\nteam = "demo"\n\n'
        f"[collector]\nurl = {toml_value(url)}\nca_file = {toml_value(str(ca_file))}\n"
        f"enroll_secret = {toml_value(secret)}\n"
    )


def wait_healthy(url: str, ca_file: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the collector exited with code {process.returncode}")
        try:
            if (
                ca_file.exists()
                and requests.get(f"{url}/healthz", verify=str(ca_file), timeout=2).ok
            ):
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"the collector did not answer {url}/healthz in time")


def run_step(title: str, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    """Run one agentprobe command as a child; its output goes to the terminal unless captured."""
    click.secho(f"\n== {title}: agentprobe {' '.join(args)}", bold=True, err=True)
    output = subprocess.PIPE if capture else None
    return subprocess.run([*agentprobe_argv(), *args], text=True, stdout=output, check=False)


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the demo keeps its collector and agent (default: user data dir/demo).",
)
@click.option(
    "--keep-running", is_flag=True, help="Leave the collector running (dashboard) until Ctrl-C."
)
@click.pass_context
def demo(ctx: click.Context, data_dir: Path | None, keep_running: bool) -> None:
    """Local collector + one check run + fleet report, on embedded defaults."""
    root = data_dir or Path(platformdirs.user_data_dir(APP)) / "demo"
    collector_dir, agent_dir = root / "collector", root / "agent"
    collector_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url, ca_file = f"https://127.0.0.1:{port}", collector_dir / "tls" / "cert.pem"
    click.secho(
        f"== starting a collector on {url} (SQLite in {collector_dir})", bold=True, err=True
    )
    server = subprocess.Popen(
        [
            *agentprobe_argv(),
            "collector",
            "serve",
            "--data-dir",
            str(collector_dir),
            "--listen",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ]
    )
    try:
        wait_healthy(url, ca_file, server)
        ctx.exit(_agent_round(root, collector_dir, agent_dir, url, ca_file, keep_running))
    finally:
        _stop(server)


def _agent_round(
    root: Path, collector_dir: Path, agent_dir: Path, url: str, ca_file: Path, keep_running: bool
) -> int:
    secret = run_step(
        "enrol secret",
        "collector",
        "secret",
        "create",
        "--data-dir",
        str(collector_dir),
        capture=True,
    ).stdout.strip()
    config_file = root / "agent.toml"
    config_file.write_text(agent_config(url, ca_file, secret, agent_dir))
    os.chmod(config_file, 0o600)  # it holds the enrol secret
    checked = run_step(
        "check this machine and upload", "check", "--upload", "--config", str(config_file)
    )
    fleet = run_step(
        "fleet report", "collector", "report", "--data-dir", str(collector_dir), "--since", "1h"
    )
    stored = _reports_stored(collector_dir)
    click.secho(
        f"\nagent config: {config_file}\ncheck exit code: {checked.returncode} "
        "(0 pass, 1 warn, 2 fail, 3 unknown)",
        err=True,
    )
    if keep_running:
        _serve_dashboard(url, collector_dir)
    if stored < 1:
        click.secho("the collector stored no report: see the upload line above", err=True)
    return 0 if fleet.returncode == 0 and stored >= 1 else 3


def _reports_stored(collector_dir: Path) -> int:
    summary = subprocess.run(
        [
            *agentprobe_argv(),
            "collector",
            "report",
            "--data-dir",
            str(collector_dir),
            "--since",
            "1h",
            "--format",
            "json",
        ],
        text=True,
        capture_output=True,
        check=False,
    )
    try:
        return int(json.loads(summary.stdout)["reports"]["total"])
    except (ValueError, KeyError, TypeError):
        return 0


def _serve_dashboard(url: str, collector_dir: Path) -> None:
    token = run_step(
        "admin token",
        "collector",
        "admin-token",
        "create",
        "--data-dir",
        str(collector_dir),
        capture=True,
    ).stdout.strip()
    click.secho(
        f"\ndashboard: {url}/  (log in with admin token {token}); Ctrl-C stops", bold=True, err=True
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
