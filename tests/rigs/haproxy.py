"""Debian `haproxy` in front of collectors: TCP passthrough (TLS ends at the collectors),
round robin per connection, and health checks on `/healthz` over HTTPS.

`start_balancer(tmp_path, backends)` writes the config beside the test, runs
`haproxy -db` (foreground) by PID and waits until the frontend accepts connections.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from agentprobe.collector.ports import free_port
from tests.rigs.waiting import wait_until

CONFIG = """global
    maxconn 4096
defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
frontend collectors
    bind 127.0.0.1:{port}
    default_backend collectors
backend collectors
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
{servers}
"""
SERVER = "    server c{n} 127.0.0.1:{port} check check-ssl verify none inter 500 fall 2 rise 1"


def binary() -> str | None:
    return shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )


def config_text(port: int, backends: list[int]) -> str:
    servers = "\n".join(SERVER.format(n=n, port=p) for n, p in enumerate(backends, 1))
    return CONFIG.format(port=port, servers=servers)


@dataclass
class Balancer:
    port: int
    config: Path
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.config.unlink(missing_ok=True)


def start_balancer(directory: Path, backends: list[int], command: str = "haproxy") -> Balancer:
    port = free_port()
    config = directory / "haproxy.cfg"
    config.write_text(config_text(port, backends))
    log = (directory / "haproxy.log").open("ab")
    process = subprocess.Popen([command, "-db", "-f", str(config)], stdout=log, stderr=log)
    log.close()
    balancer = Balancer(port, config, process)

    def accepts() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"haproxy exited {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return False
        return True

    try:
        wait_until(accepts, 15, "haproxy to accept connections")
    except BaseException:
        balancer.stop()
        raise
    return balancer
