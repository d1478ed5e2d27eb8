"""The agent's configuration: TOML in a platformdirs location, validated into typed sections.

Lookup order: `--config FILE`, then `$AGENTPROBE_CONFIG`, then `config.toml` in the
platformdirs user config dir. No file at the default location means all defaults; a file
that was named explicitly but cannot be read is an error. Every error is a `ConfigError`
naming the file, the key and the reason.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from agentprobe.configspec import CheckConfig, ConfigError, parse_section, setting
from agentprobe.shifts import parse_shift

APP = "agentprobe"
ENV_CONFIG = "AGENTPROBE_CONFIG"
ENV_ENROLL_SECRET = "AGENTPROBE_ENROLL_SECRET"


def _url_reason(url: str) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"expected https://host:port, got {url!r}"
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return "plain http is only allowed to a loopback collector; use https://"
    return None


def _shifts_reason(shifts: list[str]) -> str | None:
    for text in shifts:
        try:
            parse_shift(text)
        except ValueError as error:
            return str(error)
    return None


@dataclass(frozen=True)
class AgentSection:
    id: str = setting("", "agent id; default: this machine's host name")
    team: str = setting("", "team name, carried in every report's context")
    site: str = setting("", "site name, carried in every report's context")
    location: str = setting(
        "unknown", "where the agent works from", choices=("home", "office", "unknown")
    )
    data_dir: str = setting("", "outbox, state and token; default: the user data dir")
    log_level: str = setting(
        "info", "daemon log level", choices=("debug", "info", "warning", "error")
    )
    outbox_max_reports: int = setting(
        5000,
        "reports the outbox keeps while the collector is unreachable; past it the oldest go",
        minimum=100,
        maximum=1_000_000,
    )


@dataclass(frozen=True)
class CollectorSection:
    url: str = setting(
        "", "https://host:port; empty = local-only, nothing uploaded", check=_url_reason
    )
    ca_file: str = setting("", "PEM to trust for a self-signed collector; default: system store")
    enroll_secret: str = setting("", "enrol secret; or set AGENTPROBE_ENROLL_SECRET")
    timeout: float = setting(
        15.0, "connect/read timeout for uploads", duration=True, minimum=1, maximum=300
    )


@dataclass(frozen=True)
class StreamsSection:
    voice: int = setting(1, "simultaneous voice calls", minimum=0, maximum=1000)
    video: int = setting(0, "simultaneous video calls", minimum=0, maximum=1000)
    licenses: int = setting(1, "contact-center licences in use", minimum=0, maximum=1000)
    voice_kbps: float = setting(100.0, "kbps per voice call, per direction", minimum=1)
    video_kbps: float = setting(100.0, "kbps per video call, per direction", minimum=1)
    license_kbps: float = setting(100.0, "kbps per licence, per direction", minimum=1)
    headroom: float = setting(1.5, "pass needs budget x headroom", minimum=1, maximum=100)

    @property
    def budget_kbps(self) -> float:
        """Kbps needed in each direction for every configured stream at once."""
        return (
            self.voice * self.voice_kbps
            + self.video * self.video_kbps
            + self.licenses * self.license_kbps
        )


@dataclass(frozen=True)
class ScheduleSection:
    shifts: list[str] = setting(
        [],
        'shift times, e.g. ["Mon-Fri 08:00-17:00"], local time; empty = always on shift',
        check=_shifts_reason,
    )
    jitter: float = setting(
        30.0, "random delay spread over scheduled runs", duration=True, minimum=0, maximum=3600
    )


TOP_SECTIONS: Mapping[str, type] = {
    "agent": AgentSection,
    "collector": CollectorSection,
    "streams": StreamsSection,
    "schedule": ScheduleSection,
}


@dataclass(frozen=True)
class Config:
    agent: AgentSection = field(default_factory=AgentSection)
    collector: CollectorSection = field(default_factory=CollectorSection)
    streams: StreamsSection = field(default_factory=StreamsSection)
    schedule: ScheduleSection = field(default_factory=ScheduleSection)
    checks: Mapping[str, CheckConfig] = field(default_factory=dict)
    source: Path | None = None

    @property
    def agent_id(self) -> str:
        return self.agent.id or socket.gethostname()

    @property
    def data_dir(self) -> Path:
        return Path(self.agent.data_dir or platformdirs.user_data_dir(APP)).expanduser()

    def check(self, name: str) -> CheckConfig:
        return self.checks[name]


def default_path() -> Path:
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def resolve_path(explicit: str | Path | None) -> tuple[Path, bool]:
    """The config file to read and whether it was named explicitly (so must exist)."""
    if explicit:
        return Path(explicit), True
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG]), True
    return default_path(), False


def load(explicit: str | Path | None = None) -> Config:
    """Load and validate the config from the usual lookup order."""
    path, required = resolve_path(explicit)
    if not required and not path.exists():
        return from_dict({}, None)
    return from_dict(read_toml(path), path)


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


def from_dict(data: Mapping[str, Any], source: Path | None) -> Config:
    """Validate a parsed TOML document into a Config."""
    from agentprobe.checks.registry import config_sections

    check_sections = config_sections()
    known = [*TOP_SECTIONS, *check_sections]
    for name in data:
        if name not in known:
            raise ConfigError(source, f"[{name}]", f"unknown section (known: {', '.join(known)})")
    top: dict[str, Any] = {
        name: parse_section(section, data.get(name, {}), name, source)
        for name, section in TOP_SECTIONS.items()
    }
    checks = {
        name: parse_section(section, data.get(name, {}), name, source, bands)
        for name, (section, bands) in check_sections.items()
    }
    config = Config(checks=checks, source=source, **top)
    return _with_environment(config)


def _with_environment(config: Config) -> Config:
    secret = os.environ.get(ENV_ENROLL_SECRET, "")
    if secret and not config.collector.enroll_secret:
        collector = dataclasses.replace(config.collector, enroll_secret=secret)
        return dataclasses.replace(config, collector=collector)
    return config
