"""A real UPnP IGD (miniupnpd) in the router namespace of `tests.rigs.router`, with a
boot clock of its own, so that a test can "reboot" the router.

miniupnpd with `system_uptime=yes` reports the system's uptime, read from /proc/uptime
when it starts; inside a Linux time namespace (`unshare --time --boottime OFFSET`) that
file reads whatever the offset makes it. Started with an uptime of three days, stopped
and started again with five seconds, the router looks, from the agent's side, exactly
like one that rebooted. Its WAN side is a veth pair inside the router namespace with a
TEST-NET-3 address (RFC 5737): nothing leaves the machine, and namespace removal takes
it and the daemon's nftables rules away.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.rigs.netns import sh
from tests.rigs.router import GATEWAY, Rig

MINIUPNPD = "/usr/sbin/miniupnpd"
WAN_ADDRESS = "203.0.113.2/24"
WAN = "apwan0"  # names are per namespace: this one lives only in the router's
LISTENING = re.compile(rb"HTTP listening on port (\d+)")


def usable() -> str | None:
    """None when miniupnpd and time namespaces are here, else why not."""
    if not Path(MINIUPNPD).exists():
        return f"{MINIUPNPD} is not installed (Debian: miniupnpd-nftables)"
    probe = subprocess.run(
        ["unshare", "--time", "--fork", "--boottime", "10", "true"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return None if probe.returncode == 0 else f"no time namespaces: {probe.stderr.strip()}"


def _config(rig: Rig, folder: Path) -> Path:
    path = folder / "miniupnpd.conf"
    path.write_text(
        f"ext_ifname={WAN}\n"
        f"listening_ip={rig.router_if}\n"
        "http_port=0\nenable_upnp=yes\nenable_natpmp=no\nsecure_mode=yes\n"
        "system_uptime=yes\n"  # the "router's" boot, set by the time namespace
        "uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b\n"
        "allow 1024-65535 198.18.0.0/24 1024-65535\n"
        "deny 0-65535 0.0.0.0/0 0-65535\n"
    )
    return path


def wan_side(rig: Rig) -> None:
    """The router's WAN interface (a veth pair kept inside its namespace) and route."""
    sh("ip", "-n", rig.router, "link", "add", WAN, "type", "veth", "peer", "name", WAN + "p")
    sh("ip", "-n", rig.router, "addr", "add", WAN_ADDRESS, "dev", WAN)
    for dev in (WAN, WAN + "p"):
        sh("ip", "-n", rig.router, "link", "set", dev, "up")
    sh("ip", "-n", rig.router, "route", "add", "default", "via", "203.0.113.1")


def _host_uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])


@contextmanager
def running(rig: Rig, folder: Path, uptime_s: float) -> Iterator[int]:
    """miniupnpd answering on the gateway address as if booted `uptime_s` ago; its HTTP port."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "miniupnpd.log"
    offset = round(uptime_s - _host_uptime())
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["ip", "netns", "exec", rig.router, "unshare", "--time", "--fork", "--kill-child",
             f"--boottime={offset}", MINIUPNPD, "-d", "-f", str(_config(rig, folder))],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield _port(process, log)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM miniupnpd itself: unshare ignores it while it waits for its child."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    for pid in children.read_text().split() if children.exists() else []:
        os.kill(int(pid), signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()  # --kill-child: the daemon goes with it
        process.wait(timeout=10)


def _port(process: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_bytes())
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"miniupnpd did not start on {GATEWAY}: {log.read_text()[-2000:]}")
