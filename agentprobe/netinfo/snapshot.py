"""Reading a snapshot on the running OS: the real command runner and interface list."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from agentprobe.config.environ import c_locale
from agentprobe.netinfo import linux, macos, windows
from agentprobe.netinfo.model import Interface, Runner, Snapshot


def run_command(argv: Sequence[str], timeout: float = 10.0) -> str | None:
    """stdout of a command run with the C locale, or None if it is missing or fails.

    Windows console tools write the OEM code page when piped (cp850 for German "Übertragung");
    the PowerShell script switches its own output to UTF-8.
    """
    encoding = None
    if sys.platform == "win32":
        encoding = "utf-8" if argv[0].startswith("powershell") else "oem"
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            encoding=encoding,
            errors="replace",
            timeout=timeout,
            env=c_locale(os.environ),
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def psutil_interfaces() -> list[Interface]:
    """Every interface with its up flag and addresses, from psutil."""
    import psutil

    stats = psutil.net_if_stats()
    interfaces = []
    for name, addresses in sorted(psutil.net_if_addrs().items()):
        up = bool(stats[name].isup) if name in stats else False
        values = tuple(
            a.address for a in addresses if a.family in (socket.AF_INET, socket.AF_INET6)
        )
        interfaces.append(Interface(name, up, values))
    return interfaces


def read_snapshot(
    platform: str,
    run: Runner = run_command,
    root: Path = Path("/"),
    interfaces: Callable[[], list[Interface]] = psutil_interfaces,
) -> Snapshot:
    """A snapshot for `platform` (sys.platform spelling)."""
    if platform.startswith("linux"):
        addresses = {i.name: i.addresses for i in interfaces()}
        return linux.read(run, root, addresses)
    if platform == "darwin":
        return macos.read(run, interfaces())
    if platform.startswith("win"):
        return windows.read(run)
    return Snapshot(notes=[f"reading the network on {platform} is not supported"])
