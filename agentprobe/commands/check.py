"""`agentprobe check`: run checks once, for IT at a terminal or for a monitoring tool.

The human view is a table an IT person reads at a glance; `--json` prints exactly the
report that would be uploaded. The exit code is the report's status (0 pass, 1 warn,
2 fail, 3 unknown).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from agentprobe.checks.base import Check
from agentprobe.checks.registry import CHECKS
from agentprobe.checks.runner import UnknownCheck, environment, run_checks, select
from agentprobe.commands.common import config_option, load_config, print_json
from agentprobe.commands.render import print_check_list, print_report
from agentprobe.config.sections import Config
from agentprobe.report import Report

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

ProgressFn = Callable[[str, float], None]


@click.command()
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="NAME",
    help="Run only this check (repeatable). See --list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report exactly as uploaded.")
@click.option("--list", "list_checks", is_flag=True, help="List the checks and their metrics.")
@click.option("--full", is_flag=True, help="Bandwidth: measure full capacity, not just enough.")
@click.option("--upload", is_flag=True, help="Also queue the report for the collector and send it.")
@config_option
@click.pass_context
def check(
    ctx: click.Context,
    only: tuple[str, ...],
    as_json: bool,
    list_checks: bool,
    full: bool,
    upload: bool,
    config_path: str | None,
) -> None:
    """Run checks once and print the results.

    Exit code: 0 pass, 1 warn, 2 fail, 3 unknown (error, bad config, bad usage).
    """
    try:
        selected = select(only)
    except UnknownCheck as error:
        raise click.UsageError(str(error)) from None
    if list_checks:
        print_check_list(selected if only else list(CHECKS))  # unscheduled ones too
        ctx.exit(0)
    config = load_config(config_path)
    token = _token(config, selected, upload)
    report = _run(config, selected, full, token, show_progress=sys.stderr.isatty())
    if upload:
        _upload(config, report)
    if as_json:
        print_json(report.to_dict())
    else:
        print_report(report)
    ctx.exit(report.status.exit_code)


def _run(
    config: Config,
    selected: list[type[Check]],
    full: bool,
    token: str | None,
    show_progress: bool,
) -> Report:
    with _progress(show_progress) as progress:
        env = environment(config, token=token, options={"full": full}, progress=progress)
        return run_checks(config, env, selected)


def _token(config: Config, selected: list[type[Check]], upload: bool) -> str | None:
    """The agent token when a check talks to the collector or the report is uploaded.

    Enrols first when there is no token yet and an enrol secret is configured. A failed
    enrolment is reported, not fatal: heavy checks then explain what they are missing.
    """
    if not (upload or any(check.heavy for check in selected)):
        return None
    from agentprobe.uplink.identity import EnrolmentError, ensure_token

    try:
        return ensure_token(config)
    except EnrolmentError as error:
        click.echo(f"agentprobe: enrolment failed: {error}", err=True)
        return None


def _upload(config: Config, report: Report) -> None:
    from agentprobe.agent.delivery.pipeline import deliver_now

    outcome = deliver_now(config, report)
    click.echo(f"upload: {outcome}", err=True)


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressFn]:
    """A progress bar on stderr for checks that take a while; silent when not a terminal."""
    if not enabled:
        yield lambda label, fraction: None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=_stderr_console()) as bar:
        tasks: dict[str, TaskID] = {}

        def update(label: str, fraction: float) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=1.0)
            bar.update(tasks[label], completed=min(max(fraction, 0.0), 1.0))

        yield update


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)
