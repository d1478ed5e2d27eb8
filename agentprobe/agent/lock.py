"""One daemon per data dir: an exclusive lock on `<data_dir>/daemon.lock`.

Two daemons on one outbox would not lose reports (uploads are idempotent by report_id)
but would run every check twice. The OS drops the lock when the process dies, even on
kill -9, so a stale lock never blocks a restart.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

LOCK_FILE = "daemon.lock"


class AlreadyRunning(Exception):
    """Another daemon holds the lock; the message names its PID when known."""


def hold(data_dir: Path) -> IO[str]:
    """Take the lock and keep it for as long as the returned file stays open."""
    handle = (data_dir / LOCK_FILE).open("a+")
    try:
        _lock(handle)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise AlreadyRunning(f"another agentprobe daemon (pid {holder}) uses {data_dir}") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _lock(handle: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
