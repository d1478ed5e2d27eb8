"""Debian's coturn as a real TURN relay on loopback, for calls forced through a relay.

`turnserver` listens on 127.0.0.1 (UDP and TCP on one port), relays on 127.0.0.1 only,
accepts one long-term credential, and is allowed loopback peers (both WebRTC peers of
the test page live on this host). The caller stops it by PID.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agentprobe.collector.ports import free_port

TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"
USER, PASSWORD, REALM = "agent", "not-a-secret", "agentprobe.test"
START_TIMEOUT_S = 10.0


@contextmanager
def turn_server(directory: Path) -> Iterator[int]:
    """Run coturn until the block ends; yields its port (UDP and TCP)."""
    port = free_port()
    low = free_port()
    command = [
        TURNSERVER, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
        f"--listening-port={port}", f"--min-port={low}", f"--max-port={low + 20}",
        "--lt-cred-mech", f"--user={USER}:{PASSWORD}", f"--realm={REALM}",
        "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
        "--log-file=stdout", "--simple-log", f"--pidfile={directory / 'turn.pid'}",
        f"--db={directory / 'turndb'}",
    ]  # fmt: skip
    log = (directory / "turn.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"turnserver did not listen on {port} (exit {process.poll()})")


def config(port: int, transport: str) -> dict[str, object]:
    """An RTCConfiguration that only uses this relay, reached over `transport`."""
    url = f"turn:127.0.0.1:{port}?transport={transport}"
    return {
        "iceServers": [{"urls": [url], "username": USER, "credential": PASSWORD}],
        "iceTransportPolicy": "relay",
    }
