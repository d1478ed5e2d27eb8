"""The seam between capture and the call engine: a `PacketSource` hands over datagrams.

The engine loop asks a source for what arrived within a short wait and for the kernel's
drop count; tests feed it from a list (`ListSource`), and `opener.open_source` picks this OS's
reader. A source that cannot capture raises `CaptureUnavailable` with a sentence the
user can act on (missing privilege, missing driver, unknown interface).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from agentprobe.calls.tracker import Datagram


class CaptureUnavailable(RuntimeError):
    """Passive capture cannot run here; the message says why and what to do."""


class PacketSource(Protocol):
    """Captured UDP datagrams in arrival order."""

    def read(self, timeout_s: float) -> list[Datagram] | None:
        """What arrived within `timeout_s` (maybe nothing); None when the input has ended."""
        ...

    def drops(self) -> int:
        """Packets the kernel dropped for lack of buffer space since the source opened."""
        ...

    def close(self) -> None: ...


class ListSource:
    """A source over a fixed list, `batch` datagrams per read; ends when it is empty."""

    def __init__(self, datagrams: Iterable[Datagram], batch: int = 50) -> None:
        self.pending, self.batch = list(datagrams), batch
        self.closed = False

    def read(self, timeout_s: float) -> list[Datagram] | None:
        if not self.pending:
            return None
        taken, self.pending = self.pending[: self.batch], self.pending[self.batch :]
        return taken

    def drops(self) -> int:
        return 0

    def close(self) -> None:
        self.closed = True
