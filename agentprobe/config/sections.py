"""The agent's top-level config sections ([agent], [collector], [streams], [schedule]) and `Config`.

The checks declare their own sections beside their code; `Config` holds them by name,
each already validated, so a check is handed its own typed section and nothing else.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from agentprobe.config.addresses import is_loopback
from agentprobe.config.shifts import parse_shift
from agentprobe.config.spec import CheckConfig, setting
from agentprobe.report import AGENT_ID_PATTERN

APP = "agentprobe"


def _url_reason(url: str) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"expected https://host:port, got {url!r}"
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return "plain http is only allowed to a loopback collector; use https://"
    return None


def _shifts_reason(shifts: list[str]) -> str | None:
    for text in shifts:
        try:
            parse_shift(text)
        except ValueError as error:
            return str(error)
    return None


def _agent_id_reason(value: str) -> str | None:
    """Why an agent id would be refused by the collector (it appears in URLs and pages)."""
    if value and not re.fullmatch(AGENT_ID_PATTERN, value):
        return "use letters, digits and ._@- (a letter or digit first, at most 128)"
    return None


@dataclass(frozen=True)
class AgentSection:
    id: str = setting("", "agent id; default: this machine's host name", check=_agent_id_reason)
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
