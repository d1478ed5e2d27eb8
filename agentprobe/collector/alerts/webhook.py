"""Webhook bodies: the generic JSON object, and Slack- and Teams-compatible messages.

The generic body carries the fields integrations need (`alert`, `state`, `agent_id`,
`team`, `check`, `metric`, `value`, `threshold`, `since`, `summary`). Slack incoming
webhooks take `{"text": ...}`; Microsoft Teams incoming webhooks take a legacy
`MessageCard` (`@type`, `@context`, `summary`, `title`, `text`, `themeColor`).
"""

from __future__ import annotations

from typing import Any

FIELDS = ("alert", "state", "agent_id", "team", "check", "metric", "value", "threshold", "since")
_THEME = {"raised": "D32F2F", "cleared": "2E7D32"}


def generic(notice: dict[str, Any]) -> dict[str, Any]:
    return {**{name: notice.get(name) for name in FIELDS}, "summary": notice["summary"]}


def slack(notice: dict[str, Any]) -> dict[str, Any]:
    mark = ":red_circle:" if notice["state"] == "raised" else ":large_green_circle:"
    return {"text": f"{mark} *{notice['alert']}* {notice['state']}: {notice['summary']}"}


def teams(notice: dict[str, Any]) -> dict[str, Any]:
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": notice["summary"],
        "themeColor": _THEME.get(notice["state"], "808080"),
        "title": f"{notice['alert']} {notice['state']}",
        "text": notice["summary"],
    }


def body(notice: dict[str, Any], format: str) -> dict[str, Any]:
    """The JSON body for a webhook of this format (json, slack or teams)."""
    return {"json": generic, "slack": slack, "teams": teams}[format](notice)
