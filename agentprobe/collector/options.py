"""What every `collector` subcommand that opens the store shares: --data-dir, --db, the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from agentprobe.collector.settings import Settings


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


def open_store(data_dir: Path, db_url: str | None) -> Any:
    """The migrated engine of the collector's database (SQLite in DIR unless --db)."""
    from agentprobe.collector.store.schema import open_engine

    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return open_engine(Settings(data_dir=data_dir, db_url=db_url).database_url)
