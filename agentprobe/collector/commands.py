"""`agentprobe collector ...`: serve, enrol secrets, admin tokens, revocation, fleet report."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from agentprobe.collector.kpis.commands import kpi
from agentprobe.collector.options import data_dir_option, open_store
from agentprobe.collector.settings import (
    BODY_LIMIT_BYTES,
    RETENTION_DAYS,
    Settings,
    parse_listen,
)
from agentprobe.config.durations import parse_duration

_engine = open_store


def _credentials(data_dir: Path, db_url: str | None) -> Any:
    from agentprobe.collector.store.credentials import Credentials

    return Credentials(_engine(data_dir, db_url))


@click.group()
def collector() -> None:
    """Run and query the collector (needs `pip install 'agentprobe[collector]'`)."""


@collector.command()
@data_dir_option
@click.option(
    "--listen", default="0.0.0.0:8443", show_default=True, help="HOST:PORT for HTTPS and UDP."
)
@click.option("--tls-cert", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--tls-key", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--insecure-http", is_flag=True, help="Plain HTTP (loopback addresses only).")
@click.option(
    "--retention",
    default=f"{RETENTION_DAYS:g}d",
    show_default=True,
    help="Purge reports older than this.",
)
@click.option(
    "--body-limit",
    default=BODY_LIMIT_BYTES,
    show_default=True,
    type=click.IntRange(1024),
    help="Largest accepted report, bytes.",
)
@click.option(
    "--header-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.5, 300),
    help="Seconds a connection has to send a request's headers.",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.5, 3600),
    help="Seconds a request has to send its body (the speed-test upload gets twice).",
)
@click.option(
    "--measure-budget",
    default=512,
    show_default=True,
    type=click.IntRange(1),
    help="Speed-test MiB per agent per hour.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    envvar="AGENTPROBE_COLLECTOR_WORKERS",
    type=click.IntRange(1, 64),
    help="Collector processes sharing the port (above 1 needs PostgreSQL).",
)
@click.option(
    "--reuse-port",
    is_flag=True,
    help="Share the port with other collector processes of this host (SO_REUSEPORT).",
)
@click.option(
    "--log-level", default="info", type=click.Choice(["debug", "info", "warning", "error"])
)
@click.option(
    "--config",
    "config_file",
    envvar="AGENTPROBE_COLLECTOR_CONFIG",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Alert rules and webhooks (TOML); default: the built-in rules, no webhooks.",
)
def serve(
    data_dir: Path,
    db_url: str | None,
    listen: str,
    tls_cert: Path | None,
    tls_key: Path | None,
    insecure_http: bool,
    retention: str,
    body_limit: int,
    header_timeout: float,
    body_timeout: float,
    measure_budget: int,
    workers: int,
    reuse_port: bool,
    log_level: str,
    config_file: Path | None,
) -> None:
    """Serve the HTTPS API, dashboard and voice reflector (UDP, same port)."""
    from agentprobe.collector.alerts.rules import load_alert_config
    from agentprobe.collector.server import ServeError
    from agentprobe.collector.server import serve as run

    load_alert_config(config_file)  # a bad file stops here: one line, exit 3
    try:
        host, port = parse_listen(listen)
        retention_s = parse_duration(retention)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    settings = Settings(
        data_dir=data_dir,
        host=host,
        port=port,
        db_url=db_url,
        tls_cert=tls_cert,
        tls_key=tls_key,
        insecure_http=insecure_http,
        body_limit=body_limit,
        retention_days=retention_s / 86400,
        config_file=config_file,
        header_timeout_s=header_timeout,
        body_timeout_s=body_timeout,
        measure_budget_bytes=measure_budget * 2**20,
        workers=workers,
        reuse_port=reuse_port,
    )
    try:
        code = run(settings, log_level)
    except ServeError as error:
        raise click.UsageError(str(error)) from None
    if code:
        raise SystemExit(code)


@collector.group()
def secret() -> None:
    """Enrol secrets (agents trade one for their own token)."""


@secret.command("create")
@data_dir_option
def secret_create(data_dir: Path, db_url: str | None) -> None:
    """Print a new enrol secret (only its hash is stored: keep it now)."""
    click.echo(_credentials(data_dir, db_url).create_secret())


@secret.command("revoke")
@data_dir_option
@click.argument("value")
def secret_revoke(data_dir: Path, db_url: str | None, value: str) -> None:
    """Stop accepting an enrol secret (enrolled agents keep their tokens)."""
    if not _credentials(data_dir, db_url).revoke_secret(value):
        raise click.UsageError("no such active enrol secret")
    click.echo("revoked")


collector.add_command(kpi)


@collector.group("admin-token")
def admin_token() -> None:
    """Operations tokens (read API and dashboard)."""


@admin_token.command("create")
@data_dir_option
@click.option(
    "--role",
    default="ops",
    show_default=True,
    type=click.Choice(["ops", "kpi-agent"]),
    help="kpi-agent: also opens the per-agent KPI views (for team leads).",
)
def admin_token_create(data_dir: Path, db_url: str | None, role: str) -> None:
    """Print a new admin token (only its hash is stored: keep it now)."""
    from agentprobe.collector.store.kpis import create_token

    click.echo(create_token(_engine(data_dir, db_url), role))


@admin_token.command("revoke")
@data_dir_option
@click.argument("value")
def admin_token_revoke(data_dir: Path, db_url: str | None, value: str) -> None:
    """Revoke an admin token and end its dashboard sessions."""
    if not _credentials(data_dir, db_url).revoke_admin_token(value):
        raise click.UsageError("no such active admin token")
    click.echo("revoked")


@collector.group()
def agent() -> None:
    """Enrolled agents."""


@agent.command("revoke")
@data_dir_option
@click.argument("agent_id")
def agent_revoke(data_dir: Path, db_url: str | None, agent_id: str) -> None:
    """Revoke an agent's token (takes effect within seconds on a running collector).

    The agent stays revoked: its id cannot enrol again until `agent release`."""
    credentials = _credentials(data_dir, db_url)
    if not credentials.revoke_agent(agent_id):
        raise click.UsageError(f"no active token for agent {agent_id!r}")
    _audit(credentials.engine, "cli_revoke", agent_id)
    click.echo("revoked")


@agent.command("release")
@data_dir_option
@click.argument("agent_id")
def agent_release(data_dir: Path, db_url: str | None, agent_id: str) -> None:
    """Let AGENT_ID enrol once more (a reinstalled PC); its current token ends."""
    credentials = _credentials(data_dir, db_url)
    if not credentials.release_agent(agent_id):
        raise click.UsageError(f"no agent {agent_id!r}")
    _audit(credentials.engine, "cli_release", agent_id)
    click.echo("released")


def _audit(engine: Any, action: str, agent_id: str) -> None:
    from agentprobe.collector.store.audit import AuditLog

    AuditLog(engine).record(action, "ok", "cli", agent_id)


@collector.command()
@data_dir_option
@click.option("--since", default="24h", show_default=True, help="Window, e.g. 1h, 24h, 7d.")
@click.option("--format", "output", default="table", type=click.Choice(["table", "csv", "json"]))
@click.option(
    "--by",
    default="fleet",
    show_default=True,
    type=click.Choice(["fleet", "agent"]),
    help="fleet: the summary over --since; agent: one row per enrolled agent with its "
    "latest report's figures (--since does not apply).",
)
def report(data_dir: Path, db_url: str | None, since: str, output: str, by: str) -> None:
    """The fleet summary over a window, or (--by agent) one row per enrolled agent."""
    try:
        seconds = parse_duration(since)
    except ValueError as error:
        raise click.UsageError(f"--since: {error}") from None
    engine = _engine(data_dir, db_url)
    if by == "agent":
        from agentprobe.collector import roster
        from agentprobe.collector.store.roster import all_agent_rows

        sys.stdout.write(roster.render(all_agent_rows(engine), output))
        return
    from agentprobe.collector.export import render
    from agentprobe.collector.store.fleet import fleet_summary

    sys.stdout.write(render(fleet_summary(engine, time.time() - seconds), output))


@collector.group("config")
def config_group() -> None:
    """The collector's config file (alert rules and webhooks)."""


@config_group.command("validate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def config_validate(path: Path) -> None:
    """Check a collector config file: one line naming file, key and reason; exit 3 if bad."""
    from agentprobe.collector.alerts.rules import load_alert_config

    config = load_alert_config(path)
    click.echo(f"{path}: valid ({len(config.rules)} rules, {len(config.webhooks)} webhooks)")
