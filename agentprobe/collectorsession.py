"""The heavy checks' HTTPS session to the collector, or why there is none (a skip)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentprobe.checks.base import Environment, Skipped

if TYPE_CHECKING:
    import requests


def collector_session(
    env: Environment, without_collector: str, advice: list[str]
) -> requests.Session:
    """An authorised session to `[collector] url`.

    Raises Skipped with `without_collector` (what cannot be measured) and `advice` in
    local-only mode, and when this agent holds no token yet.
    """
    if not env.config.collector.url:
        raise Skipped(f"no collector configured (local-only mode): {without_collector}", advice)
    if not env.token:
        raise Skipped(
            "this agent is not enrolled with the collector",
            ["run `agentprobe enroll` (or set [collector] enroll_secret)"],
        )
    from agentprobe.agent.http import make_session

    http = make_session(env.config)
    http.headers["Authorization"] = f"Bearer {env.token}"
    return http
