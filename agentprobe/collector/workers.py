"""`collector serve --workers N`: N collector processes sharing one port on this host.

The parent makes the TLS files and migrates the database once, then starts N children,
each a plain `collector serve --reuse-port` (the kernel spreads connections and datagrams
across their SO_REUSEPORT sockets by a hash of the 4-tuple, so one connection and one
probe stay on one child). Children hold no state of their own beyond caches: everything
is in PostgreSQL, which is why several workers need it. The parent forwards SIGTERM and
SIGINT to every child by PID, restarts a child that dies (at most `MAX_RESTARTS` in
`RESTART_WINDOW_S`, then it gives up and stops the rest), and on Linux each child gets
SIGTERM should the parent die (prctl PR_SET_DEATHSIG).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from agentprobe.collector.settings import Settings

log = logging.getLogger("agentprobe.collector")

MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0
STOP_TIMEOUT_S = 20.0
_PR_SET_PDEATHSIG = 1


def child_command(settings: Settings, files: tuple[Path, Path] | None, log_level: str) -> list[str]:
    """The `collector serve` command line of one worker (the database URL goes by env)."""
    command = [sys.executable, "-m", "agentprobe", "collector", "serve"]
    command += ["--data-dir", str(settings.data_dir), "--listen", _listen(settings)]
    command += ["--retention", str(round(settings.retention_days * 86400)), "--reuse-port"]
    command += ["--body-limit", str(settings.body_limit), "--log-level", log_level]
    if files is None:
        command.append("--insecure-http")
    else:
        command += ["--tls-cert", str(files[0]), "--tls-key", str(files[1])]
    return command


def _listen(settings: Settings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"{host}:{settings.port}"


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):  # elsewhere they outlive the parent
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    """Starts `count` workers with `command` and keeps them running until told to stop."""

    def __init__(self, command: list[str], count: int, env: dict[str, str]) -> None:
        self.command, self.count, self.env = command, count, env
        self.children: list[subprocess.Popen[bytes]] = []
        self.stopping = False
        self.restarts: list[float] = []

    def _spawn(self) -> subprocess.Popen[bytes]:
        preexec: Callable[[], None] | None = _die_with_parent if sys.platform == "linux" else None
        return subprocess.Popen(self.command, env=self.env, preexec_fn=preexec)

    def stop(self, signum: int = signal.SIGTERM, _frame: object = None) -> None:
        self.stopping = True
        for child in self.children:
            if child.poll() is None:
                os.kill(child.pid, signal.SIGTERM)

    def run(self) -> int:
        """Serve until a signal; returns the exit code for the parent."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.children = [self._spawn() for _ in range(self.count)]
        log.info("started %d workers: %s", self.count, [c.pid for c in self.children])
        while not self.stopping:
            time.sleep(0.5)
            for index, child in enumerate(self.children):
                if child.poll() is not None and not self.stopping:
                    self._replace(index, child)
        return self._reap()

    def _replace(self, index: int, child: subprocess.Popen[bytes]) -> None:
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_S] + [now]
        if len(self.restarts) > MAX_RESTARTS:
            log.error("workers keep dying (%d restarts in a minute); stopping", MAX_RESTARTS)
            self.stop()
            return
        log.warning("worker %d exited %s; starting another", child.pid, child.returncode)
        self.children[index] = self._spawn()

    def _reap(self) -> int:
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in self.children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.kill(child.pid, signal.SIGKILL)
                child.wait(10)
        return 0 if len(self.restarts) <= MAX_RESTARTS else 1
