"""The call spool: finished call records waiting for the agent, one JSON file each.

Whatever measures a call (the capture helper, the browser's native host) puts a record
here; the daemon takes them, turns each into a `call_end` report and removes the file
once the report is in the outbox. A record is written to a temporary name and renamed,
so a reader never sees half a record and a crash leaves at most a stray temporary file.

A record has the shape `agentprobe calls watch --json` prints: `call_id`, `started_at`,
`ended_at`, `duration_s`, `transport`, `codec`, `remote` (a salted hash), `metrics`,
and `source` (`capture`, `browser`, or `capture+browser`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SUFFIX = ".json"
MAX_RECORD_BYTES = 64 * 1024
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


class SpoolError(ValueError):
    """A record that cannot be spooled (no usable call_id, or too large)."""


class CallSpool:
    """A directory of finished call records; safe for several writers and one reader."""

    def __init__(self, directory: Path, file_mode: int = 0o600) -> None:
        self.directory, self.file_mode = directory, file_mode  # 0o640: a group may read

    def put(self, record: dict[str, Any]) -> Path:
        """Write one record atomically; returns its path. Raises SpoolError."""
        call_id = str(record.get("call_id", ""))
        if not _SAFE_ID.match(call_id):
            raise SpoolError(f"call_id must match {_SAFE_ID.pattern}, got {call_id!r}")
        body = json.dumps(record, sort_keys=True, allow_nan=False).encode()
        if len(body) > MAX_RECORD_BYTES:
            raise SpoolError(f"record is {len(body)} bytes, more than {MAX_RECORD_BYTES}")
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        final = self.directory / f"{call_id}{SUFFIX}"
        temporary = self.directory / f".{call_id}.{os.getpid()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, self.file_mode)
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), self.file_mode)  # whatever the umask
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        return final

    def pending(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Records waiting, oldest first; unreadable files are skipped (and left for IT)."""
        if not self.directory.is_dir():
            return
        paths = sorted(self.directory.glob(f"*{SUFFIX}"), key=_mtime)
        for path in paths:
            record = read_record(path)
            if record is not None:
                yield path, record

    def remove(self, path: Path) -> None:
        """Forget a record once it has been handed on."""
        path.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def read_record(path: Path) -> dict[str, Any] | None:
    """One spooled record, or None when the file is gone, too large or not a record."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
