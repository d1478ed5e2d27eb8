"""Groups captured UDP datagrams into calls and turns each finished call into a record.

(API published first; the implementation follows.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agentprobe.calls.record import CallRecord


@dataclass(frozen=True)
class Datagram:
    """One captured UDP datagram; only the headers inside `payload` are ever read."""

    at: float  # receive time, seconds since the epoch (kernel timestamp)
    src: tuple[str, int]  # source IP address and UDP port
    dst: tuple[str, int]
    payload: bytes  # the UDP payload as captured (maybe truncated)
    length: int  # the UDP payload's full length on the wire


class CallTracker:
    """Calls between this host and each remote, from the datagrams fed in time order."""

    def __init__(
        self,
        is_local: Callable[[str], bool],
        hash_remote: Callable[[str], str],
        idle_s: float = 5.0,
        ignore: Callable[[tuple[str, int]], bool] = lambda a: False,
    ) -> None:
        self.is_local, self.hash_remote = is_local, hash_remote
        self.idle_s, self.ignore = idle_s, ignore

    def feed(self, datagram: Datagram) -> None:
        """Account one datagram (either direction); anything not call media is dropped."""
        raise NotImplementedError

    def expire(self, now: float) -> list[CallRecord]:
        """Records of the calls without media for `idle_s` at `now`; they are forgotten."""
        raise NotImplementedError

    def finish(self) -> list[CallRecord]:
        """Records of every open call, as if each ended at its last media packet."""
        raise NotImplementedError

    def live_calls(self) -> int:
        """Calls with media in the last `idle_s` (by the newest datagram's time)."""
        raise NotImplementedError
