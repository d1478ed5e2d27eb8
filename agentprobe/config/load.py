"""Loading the config: TOML in a platformdirs location, validated into a `Config`.

Lookup order: `--config FILE`, then `$AGENTPROBE_CONFIG`, then `config.toml` in the
platformdirs user config dir. No file at the default location means all defaults; a file
that was named explicitly but cannot be read is an error. Every error is a `ConfigError`
naming the file, the key and the reason. The check sections are a parameter, so this
module never imports the checks (and the resident daemon never loads numpy through it).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from agentprobe.config.sections import APP, TOP_SECTIONS, Config
from agentprobe.config.spec import CheckConfig, ConfigError, parse_section
from agentprobe.thresholds import Band

ENV_CONFIG = "AGENTPROBE_CONFIG"
ENV_ENROLL_SECRET = "AGENTPROBE_ENROLL_SECRET"

CheckSections = Mapping[str, tuple[type[CheckConfig], Mapping[str, Band]]]
"""Each check's section name -> (its config class, its default bands)."""


def default_path() -> Path:
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def resolve_path(explicit: str | Path | None) -> tuple[Path, bool]:
    """The config file to read and whether it was named explicitly (so must exist)."""
    if explicit:
        return Path(explicit), True
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG]), True
    return default_path(), False


def load(explicit: str | Path | None = None, checks: CheckSections | None = None) -> Config:
    """Load and validate the config from the usual lookup order (see `from_dict`)."""
    path, required = resolve_path(explicit)
    if not required and not path.exists():
        return from_dict({}, None, checks)
    return from_dict(read_toml(path), path, checks)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except IsADirectoryError:
        raise ConfigError(path, "", "is a directory, not a file") from None
    except OSError as error:
        raise ConfigError(path, "", f"cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(path, "", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "", f"malformed TOML: {error}") from None


def from_dict(
    data: Mapping[str, Any], source: Path | None, checks: CheckSections | None = None
) -> Config:
    """Validate a parsed TOML document into a Config.

    `checks` maps each check's section name to its config class and default bands. With
    it, every section must be known; without it only the top-level sections are read and
    the rest are left to whoever knows them (the daemon, which never imports the checks,
    has its child validate the whole file first).
    """
    check_sections = checks or {}
    if checks is not None:
        _reject_unknown(data, [*TOP_SECTIONS, *check_sections], source)
    top: dict[str, Any] = {
        name: parse_section(section, data.get(name, {}), name, source)
        for name, section in TOP_SECTIONS.items()
    }
    parsed = {
        name: parse_section(section, data.get(name, {}), name, source, bands)
        for name, (section, bands) in check_sections.items()
    }
    config = Config(checks=parsed, source=source, **top)
    return _with_environment(config)


def _with_environment(config: Config) -> Config:
    secret = os.environ.get(ENV_ENROLL_SECRET, "")
    if secret and not config.collector.enroll_secret:
        collector = dataclasses.replace(config.collector, enroll_secret=secret)
        return dataclasses.replace(config, collector=collector)
    return config


def _reject_unknown(data: Mapping[str, Any], known: list[str], source: Path | None) -> None:
    for name in data:
        if name not in known:
            raise ConfigError(source, f"[{name}]", f"unknown section (known: {', '.join(known)})")
