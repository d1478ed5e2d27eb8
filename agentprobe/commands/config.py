"""`agentprobe config validate|show|path`: check a config file before deploying it."""

from __future__ import annotations

import click

from agentprobe.commands.common import load_config
from agentprobe.config.load import resolve_path


@click.group()
def config() -> None:
    """Validate and show configuration."""


@config.command()
@click.argument("file", required=False, type=click.Path())
def validate(file: str | None) -> None:
    """Validate FILE (default: the file the agent would read). Exit 0 valid, 3 invalid."""
    loaded = load_config(file)
    where = loaded.source or "defaults (no config file found)"
    click.echo(f"{where}: valid")


@config.command()
def path() -> None:
    """Print the config file the agent reads and the data dir it uses."""
    file, _ = resolve_path(None)
    loaded = load_config(None)
    click.echo(f"config: {file}{'' if file.exists() else ' (absent: defaults apply)'}")
    click.echo(f"data:   {loaded.data_dir}")


@config.command()
def example() -> None:
    """Print a complete commented config with every key at its default."""
    from agentprobe.checks.registry import config_sections
    from agentprobe.config.example import render

    click.echo(render(config_sections()), nl=False)
