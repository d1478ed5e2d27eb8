"""A two-namespace rig: a "client" whose default route goes over a veth pair to a
"router" namespace that holds the gateway address and a test DNS responder.

Built on the namespace primitives of `tests.rigs.netns` (`available`, `sh`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agentprobe.checks.network import FALLBACK_DNS_NAME
from tests.rigs.netns import available, sh

GATEWAY, CLIENT = "198.18.0.1", "198.18.0.2"  # RFC 2544 benchmarking range
RESPONDER = Path(__file__).with_name("dnsresponder.py")


@dataclass
class Rig:
    client: str  # namespace names
    router: str
    client_if: str
    router_if: str = ""


def _ip(*args: str) -> None:
    sh("ip", *args)


def in_ns(ns: str, *argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", ns, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def _up(rig: Rig, router_if: str) -> None:
    _ip("netns", "add", rig.client)
    _ip("netns", "add", rig.router)
    _ip("link", "add", rig.client_if, "netns", rig.client, "type", "veth",
        "peer", "name", router_if, "netns", rig.router)  # fmt: skip
    for ns, dev, address in ((rig.client, rig.client_if, CLIENT), (rig.router, router_if, GATEWAY)):
        _ip("-n", ns, "addr", "add", f"{address}/24", "dev", dev)
        _ip("-n", ns, "link", "set", dev, "up")
        _ip("-n", ns, "link", "set", "lo", "up")
    _ip("-n", rig.client, "route", "add", "default", "via", GATEWAY)
    resolv = Path("/etc/netns") / rig.client
    resolv.mkdir(parents=True, exist_ok=True)
    (resolv / "resolv.conf").write_text(f"nameserver {GATEWAY}\noptions timeout:1 attempts:1\n")


@contextmanager
def namespaces(tag: str) -> Iterator[Rig]:
    """Create the rig, run the DNS responder in the router namespace, tear all down after."""
    suffix = f"{os.getpid() % 100000}"
    rig = Rig(f"ap-{tag}-cli-{suffix}", f"ap-{tag}-gw-{suffix}", f"apc{tag[:2]}{suffix}",
              f"apg{tag[:2]}{suffix}")  # fmt: skip
    responder = None
    try:
        _up(rig, rig.router_if)
        responder = subprocess.Popen(
            ["ip", "netns", "exec", rig.router, sys.executable, str(RESPONDER),
             GATEWAY, "53", f"cc.test={GATEWAY}", f"{FALLBACK_DNS_NAME}={GATEWAY}"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert responder.stdout is not None and responder.stdout.readline() == "ready\n"
        yield rig
    finally:
        if responder is not None:
            responder.terminate()
            responder.wait(timeout=10)
            if responder.stdout is not None:
                responder.stdout.close()
        for ns in (rig.client, rig.router):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        shutil.rmtree(Path("/etc/netns") / rig.client, ignore_errors=True)


def usable() -> str | None:
    """None when the rig can run here, else the reason it cannot."""
    return available()
