"""`agentprobe collector ...`: serve, enrol secrets, admin tokens, revocation, fleet report."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from agentprobe.collector.settings import (
    BODY_LIMIT_BYTES,
    RETENTION_DAYS,
    Settings,
    parse_listen,
)
from agentprobe.config.durations import parse_duration


def data_dir_option(function: Any) -> Any:
    function = click.option(
        "--db",
        "db_url",
        envvar="AGENTPROBE_COLLECTOR_DB",
        default=None,
        help="Database URL (postgresql://user@host/db); default SQLite in the data dir.",
    )(function)
    return click.option(
        "--data-dir",
        required=True,
        envvar="AGENTPROBE_COLLECTOR_DATA_DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help="Collector state: database, TLS certificate.",
    )(function)


def _engine(data_dir: Path, db_url: str | None) -> Any:
    from agentprobe.collector.store.schema import open_engine

    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return open_engine(Settings(data_dir=data_dir, db_url=db_url).database_url)


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
def serve(
    data_dir: Path,
    db_url: str | None,
    listen: str,
    tls_cert: Path | None,
    tls_key: Path | None,
    insecure_http: bool,
    retention: str,
    body_limit: int,
    workers: int,
    reuse_port: bool,
    log_level: str,
) -> None:
    """Serve the HTTPS API, dashboard and voice reflector (UDP, same port)."""
    from agentprobe.collector.server import ServeError
    from agentprobe.collector.server import serve as run

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


@collector.group("admin-token")
def admin_token() -> None:
    """Operations tokens (read API and dashboard)."""


@admin_token.command("create")
@data_dir_option
def admin_token_create(data_dir: Path, db_url: str | None) -> None:
    """Print a new admin token (only its hash is stored: keep it now)."""
    click.echo(_credentials(data_dir, db_url).create_admin_token())


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
    """Revoke an agent's token (takes effect within seconds on a running collector)."""
    if not _credentials(data_dir, db_url).revoke_agent(agent_id):
        raise click.UsageError(f"no active token for agent {agent_id!r}")
    click.echo("revoked")


@collector.command()
@data_dir_option
@click.option("--since", default="24h", show_default=True, help="Window, e.g. 1h, 24h, 7d.")
@click.option("--format", "output", default="table", type=click.Choice(["table", "csv", "json"]))
def report(data_dir: Path, db_url: str | None, since: str, output: str) -> None:
    """The fleet summary over a window: status counts, per check, per team/site/location."""
    from agentprobe.collector.export import render
    from agentprobe.collector.store.fleet import fleet_summary

    try:
        seconds = parse_duration(since)
    except ValueError as error:
        raise click.UsageError(f"--since: {error}") from None
    summary = fleet_summary(_engine(data_dir, db_url), time.time() - seconds)
    sys.stdout.write(render(summary, output))
