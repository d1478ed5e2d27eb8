"""One inventory pass: the OS, the configured apps' versions, which run, and the default browser.

Picks the reader for the host's OS. Everything returned concerns only the apps passed in:
other installed software and other processes are looked at by the readers but not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from agentprobe.software import apps as catalogue
from agentprobe.software import linux, macos, windows
from agentprobe.software.apps import App
from agentprobe.software.host import Host


class Reader(Protocol):
    """What each OS module provides."""

    def os_info(self, host: Host) -> tuple[str, str]: ...
    def installed(self, host: Host, apps: list[App]) -> dict[str, str]: ...
    def default_browser(self, host: Host) -> str | None: ...


READERS: dict[str, Reader] = {"Linux": linux, "Windows": windows, "Darwin": macos}


@dataclass(frozen=True)
class Inventory:
    """What was found. `versions` keeps the configured order.

    `default_browser` is the app name of the OS default browser, "other" when the OS
    names one that is not listed (which one is not kept), None when it cannot be read.
    """

    os_name: str
    os_version: str
    versions: dict[str, str]
    running: frozenset[str]
    default_browser: str | None


def take(host: Host, apps: list[App]) -> Inventory:
    """Read everything for `apps` through `host`. Other Unixes are read like Linux."""
    reader = READERS.get(host.system, linux)
    os_name, os_version = reader.os_info(host)
    found = reader.installed(host, apps) if apps else {}
    default_id = reader.default_browser(host) if any(a.kind == "browser" for a in apps) else None
    return Inventory(
        os_name=os_name,
        os_version=os_version,
        versions={app.name: found[app.name] for app in apps if app.name in found},
        running=frozenset(catalogue.running(host.process_names(), apps)),
        default_browser=_default_browser(default_id, apps),
    )


def _default_browser(default_id: str | None, apps: list[App]) -> str | None:
    if not default_id:
        return None
    return next((app.name for app in apps if default_id in app.browser_ids), "other")
