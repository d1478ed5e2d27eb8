"""The daemon's state files in the data dir: how `status` and the tray see the daemon.

`status.json` (last result per check, upload state, call state) and `last-sent.json`
(the latest report exactly as uploaded) are replaced atomically, so a reader never sees
half a file. The tray asks for a run by creating `run-now.request`, which the daemon
consumes; files work the same on Linux, macOS and Windows.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATUS_FILE = "status.json"
LAST_SENT_FILE = "last-sent.json"
RUN_NOW_FILE = "run-now.request"


def write_json(path: Path, data: Any) -> None:
    """Replace `path` with `data` as JSON, atomically (write, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w") as handle:
        json.dump(data, handle, indent=1, allow_nan=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def read_json(path: Path) -> Any:
    """The parsed file, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def read_status(data_dir: Path) -> dict[str, Any]:
    data = read_json(data_dir / STATUS_FILE)
    return data if isinstance(data, dict) else {}


def write_status(data_dir: Path, status: dict[str, Any]) -> None:
    write_json(data_dir / STATUS_FILE, status)


def write_last_sent(data_dir: Path, body: str) -> None:
    write_json(data_dir / LAST_SENT_FILE, json.loads(body))


def read_last_sent(data_dir: Path) -> dict[str, Any] | None:
    data = read_json(data_dir / LAST_SENT_FILE)
    return data if isinstance(data, dict) else None


def request_run(data_dir: Path) -> None:
    """Ask the running daemon to run its checks now (and to try sending at once)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / RUN_NOW_FILE).touch()


def take_run_request(data_dir: Path) -> bool:
    """True once per request: the daemon consumes the request file."""
    try:
        (data_dir / RUN_NOW_FILE).unlink()
    except FileNotFoundError:
        return False
    return True
