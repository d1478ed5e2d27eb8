"""The daemon's own view of the config: only the top-level sections, without check modules.

The daemon validates the whole file in a child first (`worker --describe`); here it reads
`[agent]`, `[collector]`, `[streams]` and `[schedule]` the same way `config.load` does,
but without importing the check registry, whose modules pull in numpy and friends.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from agentprobe.config import (
    ENV_ENROLL_SECRET,
    TOP_SECTIONS,
    Config,
    read_toml,
    resolve_path,
)
from agentprobe.configspec import parse_section


def load_top(explicit: str | Path | None = None) -> Config:
    """The config's top-level sections (checks left empty), from the usual lookup order."""
    path, required = resolve_path(explicit)
    source: Path | None = path
    data: dict[str, Any] = {}
    if required or path.exists():
        data = read_toml(path)
    else:
        source = None
    top: dict[str, Any] = {
        name: parse_section(section, data.get(name, {}), name, source)
        for name, section in TOP_SECTIONS.items()
    }
    config = Config(source=source, **top)
    secret = os.environ.get(ENV_ENROLL_SECRET, "")
    if secret and not config.collector.enroll_secret:
        collector = dataclasses.replace(config.collector, enroll_secret=secret)
        config = dataclasses.replace(config, collector=collector)
    return config
