"""Can the collector store anything? `storage_trouble` answers for /healthz.

A full disk makes every write fail (enrolment, login, ingest) while the process still
answers, so liveness alone would say "ok" to a collector that loses everything. This
probe writes a small file in the data dir, checks the free space left, and asks the
database a trivial question; any failure is the reason /healthz answers 503.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

MIN_FREE_BYTES = 16 * 2**20  # below this a batch commit or a WAL checkpoint may not fit
PROBE_BYTES = 4096


def storage_trouble(data_dir: Path, engine: Engine, min_free: int = MIN_FREE_BYTES) -> str | None:
    """None when storage works, else one line saying what is wrong."""
    try:
        free = shutil.disk_usage(data_dir).free
        probe = data_dir / f".healthz.{os.getpid()}"
        try:
            probe.write_bytes(b"\0" * PROBE_BYTES)
        finally:
            probe.unlink(missing_ok=True)
    except OSError as error:
        return f"data dir {data_dir} not writable: {error.strerror or error}"
    if free < min_free:
        return f"data dir {data_dir} has {free} bytes free (needs {min_free})"
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        return f"database unreachable: {type(getattr(error, 'orig', None) or error).__name__}"
    return None
