"""The seam between the inventory and the machine: run a command, read a file, list process names.

`LocalHost` is the real one. Commands run with a time limit, no stdin, the C locale and
(on Windows) no console window, so a tray or service never flashes a window. A missing
command is not an error: it means that source does not exist on this machine.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agentprobe.config.environ import c_locale


@dataclass(frozen=True)
class Output:
    """What a command printed on stdout, and its exit code."""

    code: int
    text: str


class Host(Protocol):
    """The slice of the machine the inventory reads; tests pass a small fake."""

    @property
    def system(self) -> str:
        """platform.system(): "Linux", "Windows" or "Darwin"."""
        ...

    def run(self, argv: Sequence[str]) -> Output | None:
        """Run a command; None when it does not exist here or did not finish in time."""
        ...

    def read_text(self, path: str) -> str | None:
        """A text file's contents; None when it cannot be read."""
        ...

    def process_names(self) -> Iterator[str]:
        """Names of running processes, for matching against the configured apps only."""
        ...


class LocalHost:
    """This machine."""

    def __init__(self, timeout_s: float = 10.0) -> None:
        self.timeout_s = timeout_s
        self._environ = c_locale(os.environ)

    @property
    def system(self) -> str:
        return platform.system()

    def run(self, argv: Sequence[str]) -> Output | None:
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        try:
            done = subprocess.run(
                list(argv),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout_s,
                env=self._environ,
                creationflags=flags,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        # Windows console tools write the OEM code page when their output is piped.
        encoding = "oem" if os.name == "nt" else "utf-8"
        return Output(done.returncode, done.stdout.decode(encoding, errors="replace"))

    def read_text(self, path: str) -> str | None:
        try:
            return Path(path).read_text(errors="replace")
        except OSError:
            return None

    def process_names(self) -> Iterator[str]:
        import psutil

        for process in psutil.process_iter(["name"]):
            name = process.info.get("name")
            if name:
                yield str(name)
