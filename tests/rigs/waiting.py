"""Waiting for a rig to come up: poll until ready, bounded in time, with the reason on failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    ready: Callable[[], T | None],
    timeout_s: float,
    what: str,
    detail: Callable[[], str] = lambda: "",
    interval_s: float = 0.1,
) -> T:
    """Poll `ready` until it returns something truthy, and return that.

    `ready` may raise to give up at once (a server process that exited). After
    `timeout_s` a TimeoutError names `what`, followed by `detail()` (a log tail).
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(interval_s)
    raise TimeoutError(f"timed out after {timeout_s:g} s waiting for {what}\n{detail()}".rstrip())
