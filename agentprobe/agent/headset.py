"""The microphone child as the daemon sees it: started when a call turns live, stopped after.

The analysis needs numpy and an audio library, which the resident daemon never
imports, so it runs in `python -m agentprobe.agent.headset_child`. The daemon starts
it when its call signal turns live and sends SIGTERM when the signal turns off; the
child then writes one record of the whole call to the user's call spool and exits.
Its own recording stream must not look like a call, so the call signal is told its PID.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

log = logging.getLogger("agentprobe.agent")

STOP_GRACE_S = 10.0  # the child writes its record within a second of SIGTERM


class Listening(Protocol):
    """A running microphone child: its PID, whether it still runs, and how to stop it."""

    pid: int

    def running(self) -> bool: ...
    def stop(self) -> None: ...


Launch = Callable[[], Listening]


class HeadsetChild:
    """One `agentprobe.agent.headset_child` process."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process, self.pid = process, process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM, then up to STOP_GRACE_S for the record to be written; SIGKILL after."""
        if self.running():
            log.info("call over: stopping the headset measurement (pid %d)", self.pid)
            os.kill(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            log.warning("the headset measurement did not stop; killed it (no record)")
            self.process.kill()
            self.process.wait(timeout=STOP_GRACE_S)


def command(spool: Path, config_path: Path | None) -> list[str]:
    """The child's command line."""
    argv = [sys.executable, "-m", "agentprobe.agent.headset_child", "--out-spool", str(spool)]
    return argv + (["--config", str(config_path)] if config_path is not None else [])


class Launcher:
    """Starts the child (stderr goes to the daemon's log) and remembers the running one."""

    def __init__(self, spool: Path, config_path: Path | None) -> None:
        self.argv = command(spool, config_path)
        self.current: HeadsetChild | None = None

    def __call__(self) -> HeadsetChild:
        self.current = HeadsetChild(subprocess.Popen(self.argv, stdout=subprocess.DEVNULL))
        log.info("call live: measuring the headset (pid %d)", self.current.pid)
        return self.current

    def pids(self) -> set[int]:
        """The running child's PID, for the call signal to leave out."""
        child = self.current
        return {child.pid} if child is not None and child.running() else set()
