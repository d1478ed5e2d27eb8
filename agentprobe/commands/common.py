"""Options and helpers shared by subcommands."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from agentprobe.config.sections import Config

F = TypeVar("F", bound=Callable[..., Any])


def config_option(function: F) -> F:
    """`--config FILE`, falling back to $AGENTPROBE_CONFIG, then the user config dir."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(),
        default=None,
        help="Config file (default: $AGENTPROBE_CONFIG, then the user config dir).",
    )(function)


def load_config(path: str | None) -> Config:
    """Load the config; a ConfigError propagates to the root group, which exits 3."""
    from agentprobe.checks.registry import load_config as load

    return load(path)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, allow_nan=False))
