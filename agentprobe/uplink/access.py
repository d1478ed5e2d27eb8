"""What a check needs to reach the collector: its `[collector]` section and this agent's token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agentprobe.config.sections import CollectorSection

if TYPE_CHECKING:
    import requests


@dataclass(frozen=True)
class CollectorAccess:
    """The collector's address and trust settings, and the bearer token once enrolled."""

    settings: CollectorSection = field(default_factory=CollectorSection)
    token: str | None = None

    @property
    def url(self) -> str:
        return self.settings.url

    def session(self) -> requests.Session:
        """A pinned session that sends the token; requests is imported only when used."""
        from agentprobe.uplink.session import make_session

        http = make_session(self.settings)
        if self.token:
            http.headers["Authorization"] = f"Bearer {self.token}"
        return http
