"""Finished calls into the outbox: watch the call spools, have a child grade each record.

The capture service and the browser host leave one JSON file per finished call in a
spool. The daemon only lists those folders (cheap, and no check module is imported
here); a short-lived worker child grades the records into `call_end` reports. Each
report is committed to the outbox before its files are removed, and its report id is
derived from the call id, so a crash between the two hands the collector a duplicate it
drops, never a lost call. A file the child cannot read is set aside as `.bad` for IT.

The headset's record of a call is written when the daemon stops the microphone child,
a little after the call; so while that child runs, fresh records are held back (for at
most HOLD_S, in case a softphone keeps the microphone open all day), and a headset
record alone is handed on only with other records it may belong to, or once it is
HEADSET_WAIT_S old and will be reported by itself.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from agentprobe.calls.merge import HEADSET, HEADSET_WAIT_S
from agentprobe.report import Report

log = logging.getLogger("agentprobe.agent")

SUFFIX = ".json"
MAX_FILES_PER_RUN = 50  # a backlog after a long outage is taken in bounded bites
HOLD_S = 120.0  # while the microphone child runs, records younger than this wait
Graded = list[tuple[list[Path], Report | None]]
Grader = Callable[[Sequence[Path]], Graded]


class CallIntake:
    """Pending call records in some spools, graded by `grade` when there are any."""

    def __init__(
        self,
        spools: Iterable[Path],
        grade: Grader,
        interval_s: float = 5.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.spools, self.grade, self.interval_s, self.wall = list(spools), grade, interval_s, wall
        self.checked_at = float("-inf")

    def pending(self) -> list[tuple[float, Path]]:
        """Record files waiting with their modification times, oldest first."""
        found: list[tuple[float, Path]] = []
        for spool in self.spools:
            try:
                found.extend((p.stat().st_mtime, p) for p in spool.glob(f"*{SUFFIX}"))
            except OSError:
                continue  # a spool that vanished or that we may not read: nothing to take
        return sorted(found)

    def take(self, now: float, listening: bool = False) -> Graded:
        """Graded reports of the calls that finished since the last look (every interval_s);
        `listening`: the microphone child is running, so its record is still to come."""
        if now - self.checked_at < self.interval_s:
            return []
        self.checked_at = now
        files = ready(self.pending(), self.wall(), listening)[:MAX_FILES_PER_RUN]
        return self.grade(files) if files else []

    @staticmethod
    def done(files: Iterable[Path], report: Report | None) -> None:
        """Forget files whose report is in the outbox; set aside those that were no record."""
        for path in files:
            try:
                if report is None:
                    path.rename(path.with_suffix(".bad"))
                else:
                    path.unlink(missing_ok=True)
            except OSError as error:
                log.warning("cannot clear %s from the call spool: %s", path.name, error)


def ready(found: Sequence[tuple[float, Path]], now: float, listening: bool) -> list[Path]:
    """The files to grade now, of (mtime, path) pairs oldest first (see the module text)."""
    if listening:
        found = [(at, path) for at, path in found if now - at >= HOLD_S]
    calls = any(not is_headset(path) for _, path in found)
    return [
        path for at, path in found if calls or not is_headset(path) or now - at >= HEADSET_WAIT_S
    ]


def is_headset(path: Path) -> bool:
    return path.name.startswith(f"{HEADSET}-")


def grade_in_child(config_path: Path | None, timeout_s: float = 60.0) -> Grader:
    """A grader that runs `agentprobe.agent.worker --calls` on the files."""

    def grade(files: Sequence[Path]) -> Graded:
        argv = [sys.executable, "-m", "agentprobe.agent.worker", "--calls"]
        if config_path is not None:
            argv += ["--config", str(config_path)]
        argv += [str(path) for path in files]
        try:
            done = subprocess.run(
                argv, stdout=subprocess.PIPE, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            log.warning("grading %d finished call(s) timed out; will try again", len(files))
            return []
        if done.returncode != 0:
            return []
        return parse_lines(done.stdout.splitlines())

    return grade


def parse_lines(lines: Iterable[str]) -> Graded:
    """The worker's `--calls` output: one report (or an error) per line."""
    graded: Graded = []
    for line in lines:
        try:
            item: dict[str, Any] = json.loads(line)
            files = [Path(name) for name in item["files"]]
            report = Report.from_dict(item["report"]) if "report" in item else None
        except (ValueError, KeyError, TypeError):
            continue
        graded.append((files, report))
    return graded
