"""Is a call's media flowing right now? The capture service says so in its spool.

The agent's own call signal (a microphone in use, a softphone's UDP socket) guesses; the
capture service sees the media itself. It rewrites `live.state` in the spool every
second or so with the number of calls whose media flowed in the last few seconds, and
the agent trusts that over its guesses while the file is fresh. The voice probe is
never a call (the capture leaves the reflector out), so the probe does not make the
daemon hold back its own checks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

LIVE_FILE = "live.state"  # not *.json: the spool's readers take only records
FRESH_S = 15.0


def write_live(spool: Path, live_calls: int, now: float, file_mode: int = 0o600) -> None:
    """Record how many calls are live, atomically (a reader never sees half a file)."""
    temporary = spool / f".{LIVE_FILE}.{os.getpid()}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(handle.fileno(), file_mode)
        json.dump({"live_calls": live_calls, "at": now}, handle)
    os.replace(temporary, spool / LIVE_FILE)


def read_live(spool: Path, now: float) -> bool | None:
    """True or False while the capture service's word is fresh; None when it has none."""
    try:
        data = json.loads((spool / LIVE_FILE).read_text())
        live, at = int(data["live_calls"]), float(data["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not 0 <= now - at <= FRESH_S:
        return None
    return live > 0
