"""The heavy checks' HTTPS session to the collector, or why there is none (a skip)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentprobe.checks.base import Skipped
from agentprobe.uplink.access import CollectorAccess

if TYPE_CHECKING:
    import requests


def collector_session(
    access: CollectorAccess, without_collector: str, advice: list[str]
) -> requests.Session:
    """An authorised session to `[collector] url`.

    Raises Skipped with `without_collector` (what cannot be measured) and `advice` in
    local-only mode, and when this agent holds no token yet.
    """
    if not access.url:
        raise Skipped(f"no collector configured (local-only mode): {without_collector}", advice)
    if not access.token:
        raise Skipped(
            "this agent is not enrolled with the collector",
            ["run `agentprobe enroll` (or set [collector] enroll_secret)"],
        )
    return access.session()
