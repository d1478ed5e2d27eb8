"""Debian's Chromium for page tests: where it is, and the flags that keep it offline and quiet."""

from __future__ import annotations

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
