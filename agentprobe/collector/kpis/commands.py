"""`agentprobe collector kpi ...`: import KPI exports, office networks, settings, insights.

A bad file names the file, each bad line and why, and exits 3 with nothing stored.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from agentprobe.collector.options import data_dir_option, open_store
from agentprobe.config.durations import parse_duration


@click.group()
def kpi() -> None:
    """Contact-center KPIs next to health (handle time, CSAT, FCR ... per agent and day)."""


@kpi.command("import")
@data_dir_option
@click.option(
    "--mapping",
    default=None,
    help="Columns of a platform's export: amazon-connect, genesys-cloud, five9, nice-cxone, "
    "or a mapping file (TOML). Default: agent_id,date,aht_s,csat,...",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def kpi_import(data_dir: Path, db_url: str | None, mapping: str | None, file: Path) -> None:
    """Load a per agent, per day KPI file (CSV), whole or not at all."""
    from agentprobe.collector.kpis import csvfile
    from agentprobe.collector.kpis.mappings import mapping as find_mapping
    from agentprobe.collector.store.kpis import import_rows

    how = find_mapping(mapping)
    try:
        text = file.read_bytes().decode("utf-8")
    except OSError as error:
        raise click.ClickException(f"{file}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text") from None
    try:
        parsed = csvfile.parse(text, how)
    except csvfile.KpiFileError as error:
        lines = [f"{file}:{line}: {reason}" for line, reason in error.problems]
        raise click.ClickException("nothing imported\n" + "\n".join(lines)) from None
    summary = import_rows(open_store(data_dir, db_url), parsed.rows)
    click.echo(
        f"imported {summary['values']} values ({', '.join(parsed.kept) or 'no KPIs'}) "
        f"for {summary['agents']} agents, {summary['first_day']} to {summary['last_day']}"
    )
    if summary["unknown_agents"]:
        click.echo(f"not (yet) enrolled: {', '.join(summary['unknown_agents'])}")
    if parsed.ignored:
        click.echo(f"ignored (not numbers): {', '.join(parsed.ignored)}")


@kpi.group()
def office() -> None:
    """Office networks: a report arriving from one is located `office`."""


def _change(
    data_dir: Path, db_url: str | None, add: tuple[str, ...], drop: tuple[str, ...]
) -> None:
    from agentprobe.collector.kpis.location import parse_networks
    from agentprobe.collector.store import kpis as store

    engine = open_store(data_dir, db_url)
    try:
        current = set(parse_networks(store.office_networks(engine)))
        added, dropped = set(parse_networks(add)), set(parse_networks(drop))
        networks = parse_networks(str(n) for n in (current | added) - dropped)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    store.set_office_networks(engine, [str(n) for n in networks])
    click.echo("\n".join(str(n) for n in networks) or "(no office networks)")


@office.command("add")
@data_dir_option
@click.argument("cidr", nargs=-1, required=True)
def office_add(data_dir: Path, db_url: str | None, cidr: tuple[str, ...]) -> None:
    """Add office networks (CIDRs); a running collector picks them up within 30 s."""
    _change(data_dir, db_url, cidr, ())


@office.command("remove")
@data_dir_option
@click.argument("cidr", nargs=-1, required=True)
def office_remove(data_dir: Path, db_url: str | None, cidr: tuple[str, ...]) -> None:
    """Remove office networks."""
    _change(data_dir, db_url, (), cidr)


@office.command("list")
@data_dir_option
def office_list(data_dir: Path, db_url: str | None) -> None:
    """Print the office networks, one a line."""
    _change(data_dir, db_url, (), ())


@kpi.command("settings")
@data_dir_option
@click.option(
    "--agent-views",
    type=click.Choice(["on", "off"]),
    default=None,
    help="Per-agent KPI views for kpi-agent tokens (off: nobody sees them).",
)
@click.option("--timezone", default=None, help="IANA zone of the KPI dates (Europe/Lisbon).")
def kpi_settings(
    data_dir: Path, db_url: str | None, agent_views: str | None, timezone: str | None
) -> None:
    """Show or change the KPI settings (kept in the collector's database)."""
    from agentprobe.collector.store import kpis as store

    engine = open_store(data_dir, db_url)
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise click.UsageError(f"--timezone: unknown time zone {timezone!r}") from None
        store.set_setting(engine, "timezone", timezone)
    if agent_views is not None:
        store.set_setting(engine, "agent_views", agent_views)
    for name in ("agent_views", "timezone"):
        click.echo(f"{name} = {store.get_setting(engine, name)}")


@kpi.command("insights")
@data_dir_option
@click.option("--since", default="30d", show_default=True, help="Window, e.g. 7d, 30d.")
@click.option("--json", "as_json", is_flag=True, help="The whole answer, as the API gives it.")
def kpi_insights(data_dir: Path, db_url: str | None, since: str, as_json: bool) -> None:
    """The clear differences between days with and without each health problem."""
    from agentprobe.collector.api.kpis import insights_answer
    from agentprobe.collector.kpis.insights import MIN_COUNT
    from agentprobe.collector.kpis.wording import findings

    try:
        seconds = parse_duration(since)
    except ValueError as error:
        raise click.UsageError(f"--since: {error}") from None
    answer = insights_answer(open_store(data_dir, db_url), seconds, MIN_COUNT)
    if as_json:
        sys.stdout.write(json.dumps(answer, indent=2, allow_nan=False) + "\n")
        return
    days, agents = answer["agent_days"], answer["agents"]
    click.echo(f"{days} agent-days of {agents} agents since {answer['since']}")
    for found in findings(answer) or [{"text": "no clear difference", "groups": []}]:
        click.echo(found["text"] + "".join(f"\n  also {group}" for group in found["groups"]))
