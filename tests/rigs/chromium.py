"""Debian's Chromium for page tests: where it is, and the flags that keep it offline and quiet."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def log_in(page: Any, url: str, token: str, timeout_ms: int = 20_000) -> None:
    """Log in to the dashboard at `url` with an admin token; waits for the fleet page."""
    page.goto(f"{url}/login", timeout=timeout_ms)
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#readiness", timeout=timeout_ms)
