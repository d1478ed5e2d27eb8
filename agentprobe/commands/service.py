"""The agent's subcommands: `run` (the daemon), `status`, `enroll` and `tray`."""

from __future__ import annotations

import click

from agentprobe.commands.common import config_option, load_config, print_json


@click.command()
@config_option
@click.pass_context
def run(ctx: click.Context, config_path: str | None) -> None:
    """Run the agent daemon in the foreground (service managers background it).

    Runs each enabled check on its interval, postpones heavy checks during calls, and
    uploads reports through the outbox. SIGTERM or SIGINT stops it cleanly.
    """
    from agentprobe.agent.daemon import serve

    ctx.exit(serve(config_path))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--no-probe", is_flag=True, help="Do not contact the collector now.")
@config_option
@click.pass_context
def status(ctx: click.Context, as_json: bool, no_probe: bool, config_path: str | None) -> None:
    """Show the daemon's last results, outbox depth and collector reachability.

    Exit code: the worst last result (0 pass, 1 warn, 2 fail), 3 when unknown.
    """
    from agentprobe.agent.status import gather, render

    config = load_config(config_path)
    summary = gather(config, probe=not no_probe)
    if as_json:
        print_json(summary)
    else:
        render(summary)
    ctx.exit(summary["exit_code"])


@click.command()
@config_option
@click.pass_context
def enroll(ctx: click.Context, config_path: str | None) -> None:
    """Exchange the enrol secret for this agent's token (stored in the data dir, 0600)."""
    from agentprobe.uplink.identity import EnrolmentError
    from agentprobe.uplink.identity import enroll as do_enroll

    config = load_config(config_path)
    try:
        do_enroll(config)
    except EnrolmentError as error:
        click.echo(f"agentprobe: enrolment failed: {error}", err=True)
        ctx.exit(3)
    click.echo(f"enrolled as {config.agent_id!r} at {config.collector.url}")
    ctx.exit(0)


@click.command()
@config_option
def tray(config_path: str | None) -> None:
    """Show the tray icon: overall status colour, the checks, "Run checks now"."""
    config = load_config(config_path)
    try:
        from agentprobe.agent.tray.icon import show

        show(config)
    except ImportError as error:
        raise click.ClickException(
            f"the tray needs pystray and pillow ({error}); pip install 'agentprobe[tray]'"
        ) from None
