"""The `agentprobe` command: a click group whose subcommands load lazily.

Exit codes follow the monitoring-plugin convention: 0 pass, 1 warn, 2 fail, 3 unknown.
Bad usage and bad config are "unknown" (3), never click's default 2, and never a
traceback. Subcommands live in their own modules and are imported only when called, so
the resident daemon does not pay for the collector's or the tray's imports.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from agentprobe import __version__
from agentprobe.config.spec import ConfigError

EXIT_UNKNOWN = 3

COMMANDS = {
    "check": ("agentprobe.commands.check", "check", "Run checks once and print the results."),
    "devices": ("agentprobe.commands.devices", "devices", "List audio inputs and outputs."),
    "run": ("agentprobe.commands.service", "run", "Run the agent daemon in the foreground."),
    "status": ("agentprobe.commands.service", "status", "Show the daemon's last results."),
    "enroll": ("agentprobe.commands.service", "enroll", "Exchange the enrol secret for a token."),
    "tray": ("agentprobe.commands.service", "tray", "Show the tray icon."),
    "config": ("agentprobe.commands.config", "config", "Validate and show configuration."),
    "collector": ("agentprobe.collector.commands", "collector", "Run and query the collector."),
    "calls": ("agentprobe.commands.calls", "calls", "Watch live calls passively (RTP headers)."),
    "demo": ("agentprobe.commands.demo", "demo", "Local collector + one check run + fleet report."),
    "browser": (
        "agentprobe.commands.browser",
        "browser",
        "Set up the browser softphone companion.",
    ),
    "native-host": ("agentprobe.commands.browser", "native_host", "Serve the browser extension."),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        try:
            command: click.Command = getattr(importlib.import_module(module), attribute)
        except ImportError as error:
            return _unavailable(cmd_name, error)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, _, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            code = EXIT_UNKNOWN
        except click.ClickException as error:
            error.show()
            code = EXIT_UNKNOWN
        except ConfigError as error:
            click.echo(f"agentprobe: config error: {error}", err=True)
            code = EXIT_UNKNOWN
        except Exception as error:  # a bug: one line for users, the trace on request
            if os.environ.get("AGENTPROBE_DEBUG"):
                raise
            click.echo(
                f"agentprobe: internal error: {type(error).__name__}: {error} "
                "(set AGENTPROBE_DEBUG=1 for details)",
                err=True,
            )
            code = EXIT_UNKNOWN
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _unavailable(name: str, error: ImportError) -> click.Command:
    def explain() -> None:
        extra = {"collector": "collector", "tray": "tray"}.get(name)
        hint = f" Install it with: pip install 'agentprobe[{extra}]'" if extra else ""
        raise click.ClickException(f"'{name}' is unavailable: {error}.{hint}")

    return click.Command(name, callback=explain, help=f"(unavailable: {error})")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agentprobe")
def cli() -> None:
    """Health checks for contact-center agents working from home.

    Exit codes: 0 pass, 1 warn, 2 fail, 3 unknown (error, bad config, bad usage).
    """


def main() -> None:
    cli.main(prog_name="agentprobe")
