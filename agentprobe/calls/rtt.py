"""Round-trip times seen passively: STUN Binding transactions and RTCP LSR/DLSR echoes.

A Binding request this host sends and the success response with the same transaction
id (RFC 8489 §6.3) are one round trip; inside TURN (RFC 8656) the pair crosses the
relay to the peer, the round trip that the call's audio makes. The opposite pairs (a
request received, our response sent) time only this host's own turnaround and are not
used. From RTCP (RFC 3550 §6.4.1): a receiver report about our stream echoes the middle
32 bits of our last SR as LSR and says how long it held it (DLSR), so RTT = arrival of
the RR − departure of that SR − DLSR, both times on this host's capture clock.
"""

from __future__ import annotations

import statistics
from collections import OrderedDict, deque
from typing import TypeVar

MAX_PENDING = 32  # outstanding requests remembered (ICE paces checks; more means noise)
MAX_SAMPLES = 64  # most recent round trips kept; a median of these is reported
REQUEST_TIMEOUT_S = 5.0  # an unanswered request older than this is forgotten
MAX_RTT_S = 10.0
K = TypeVar("K")


class RttMeter:
    """Outstanding requests and the latest round trips, in bounded memory."""

    def __init__(self) -> None:
        self._requests: OrderedDict[bytes, float] = OrderedDict()
        self._reports: OrderedDict[int, float] = OrderedDict()  # SR NTP middle -> sent at
        self.samples: deque[float] = deque(maxlen=MAX_SAMPLES)  # seconds

    def request_sent(self, transaction_id: bytes, at: float) -> None:
        _remember(self._requests, transaction_id, at)

    def response_received(self, transaction_id: bytes, at: float) -> None:
        sent = self._requests.pop(transaction_id, None)
        if sent is not None and 0 <= at - sent <= REQUEST_TIMEOUT_S:
            self.samples.append(at - sent)

    def report_sent(self, ntp_middle: int, at: float) -> None:
        _remember(self._reports, ntp_middle, at)

    def report_echoed(self, lsr: int, dlsr: int, at: float) -> None:
        """An RR block about our stream arrived at `at` with LSR and DLSR (1/65536 s)."""
        sent = self._reports.get(lsr) if lsr else None
        if sent is None:
            return
        rtt = at - sent - dlsr / 65536
        if 0 <= rtt <= MAX_RTT_S:
            self.samples.append(rtt)

    @property
    def median_ms(self) -> float | None:
        return 1000.0 * statistics.median(self.samples) if self.samples else None


def _remember(table: OrderedDict[K, float], key: K, at: float) -> None:
    table[key] = at
    while len(table) > MAX_PENDING:
        table.popitem(last=False)
