"""One call in progress: its RTP streams both ways, RTCP about our streams, round trips.

The tracker hands each confirmed RTP packet, readable RTCP report and STUN Binding
transaction here; ``metrics.finish` turns the counters into a record. The
received direction gives loss, bursts, reordering, duplicates and jitter from RTP
headers; the sent direction gives packets and bitrate, and loss and jitter from the
remote's RTCP receiver reports about our SSRCs.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from agentprobe.calls.rtcp import Report
from agentprobe.calls.rtp import RtpHeader
from agentprobe.calls.rtt import RttMeter
from agentprobe.calls.stream import RtpStream

MAX_STREAMS = 32  # per direction; a call with more SSRCs is something else
MAX_CANDIDATES = 8  # unconfirmed SSRCs remembered per path; junk pushes out junk
# RFC 3550 §A.1 believes a source after MIN_SEQUENTIAL = 2 packets in order; a pair up
# to 3 numbers apart either way is taken too, so loss or reordering in the first packets
# of a call does not cost them. Junk that looks like RTP repeats or scatters its numbers.
PROBATION_GAP, PROBATION_HELD = 3, 4
Held = tuple[RtpHeader, float, int]  # a header waiting for probation, its arrival and size
MAX_PEERS = 64  # TURN peers remembered per allocation


@dataclass
class Path:
    """One UDP 5-tuple (and, through TURN, one peer behind it): what was seen on it."""

    dtls: bool = False  # a DTLS handshake: DTLS-SRTP keys follow (RFC 5764)
    zrtp: bool = False  # ZRTP (RFC 6189) keys SRTP too
    srtcp: bool = False  # RTCP whose lengths do not add up (RFC 3711 §3.4)
    rtt: RttMeter = field(default_factory=RttMeter)
    channels: dict[int, tuple[str, int]] = field(default_factory=dict)  # TURN ChannelBind
    peers: dict[tuple[str, int], None] = field(default_factory=dict)  # TURN peers shown here
    # RFC 3550 §A.1 probation: the last packets of each unconfirmed (direction, SSRC)
    candidates: dict[tuple[bool, int], list[Held]] = field(default_factory=dict)
    last_at: float = 0.0

    @property
    def encrypted(self) -> bool:
        return self.dtls or self.zrtp or self.srtcp

    def saw_peer(self, peer: tuple[str, int]) -> None:
        if peer not in self.peers and len(self.peers) < MAX_PEERS:
            self.peers[peer] = None

    def only_peer(self) -> tuple[str, int] | None:
        """The TURN peer, when this allocation has shown exactly one."""
        return next(iter(self.peers)) if len(self.peers) == 1 else None

    def confirm(self, header: RtpHeader, at: float, length: int, outbound: bool) -> list[Held]:
        """The waiting packets of this SSRC, in arrival order, once `header` lands within
        PROBATION_GAP sequence numbers of one of them (the source is then believed); else
        [] and `header` waits with them."""
        key = (outbound, header.ssrc)
        held = self.candidates.pop(key, [])
        if any(0 < _distance(header.sequence, h[0].sequence) <= PROBATION_GAP for h in held):
            return held
        self.candidates[key] = [*held[-(PROBATION_HELD - 1) :], (header, at, length)]
        while len(self.candidates) > MAX_CANDIDATES:
            del self.candidates[next(iter(self.candidates))]
        return []


@dataclass
class RemoteReports:
    """What the remote's receiver reports said about our streams (RFC 3550 §6.4.2)."""

    count: int = 0
    fraction_sum: int = 0  # of fraction_lost (1/256)
    jitter_ms_sum: float = 0.0
    jitter_count: int = 0


class LiveCall:
    """The counters of one call between this host and one remote."""

    def __init__(self, call_id: str, remote: str, at: float) -> None:
        self.call_id, self.remote = call_id, remote
        self.relayed: set[str] = set()  # turn-send, turn-channel: how media came via a relay
        self.first_at = self.last_at = at
        self.rx: dict[int, RtpStream] = {}
        self.tx: dict[int, RtpStream] = {}
        self.paths: list[Path] = []
        self.rtcp_rtt = RttMeter()
        self.reports = RemoteReports()

    def add_rtp(
        self,
        header: RtpHeader,
        at: float,
        length: int,
        outbound: bool,
        first: RtpHeader | None = None,
    ) -> None:
        """One packet; `first` is the lowest-numbered packet of a new stream when the
        probation let several in at once (so an early reordered one is not late)."""
        streams = self.tx if outbound else self.rx
        stream = streams.get(header.ssrc)
        if stream is None:
            if len(streams) >= MAX_STREAMS:
                return
            stream = streams[header.ssrc] = RtpStream(first or header, at)
        stream.add(header, at, length)
        self.first_at, self.last_at = min(self.first_at, at), max(self.last_at, at)

    def add_rtcp(self, reports: list[Report], at: float, outbound: bool) -> None:
        for report in reports:
            if outbound and report.sender is not None:
                self.rtcp_rtt.report_sent(report.sender.ntp_middle, at)
            if outbound:
                continue
            for block in report.blocks:
                ours = self.tx.get(block.ssrc)
                if ours is None:
                    continue
                self.rtcp_rtt.report_echoed(block.lsr, block.dlsr, at)
                self.reports.count += 1
                self.reports.fraction_sum += block.fraction_lost
                jitter_ms = ours.clock.ms(block.jitter)
                if math.isfinite(jitter_ms):
                    self.reports.jitter_ms_sum += jitter_ms
                    self.reports.jitter_count += 1

    def attach(self, path: Path) -> None:
        if all(p is not path for p in self.paths):
            self.paths.append(path)

    @property
    def encrypted(self) -> bool:
        return any(p.encrypted for p in self.paths)

    def rtt(self) -> tuple[float | None, str]:
        """The median round trip, ms, and where it came from (`stun`, `rtcp` or `none`)."""
        stun = [s for p in self.paths for s in p.rtt.samples]
        if stun:
            return 1000.0 * statistics.median(stun), "stun"
        if self.rtcp_rtt.samples:
            return self.rtcp_rtt.median_ms, "rtcp"
        return None, "none"


def _distance(a: int, b: int) -> int:
    """How far apart two 16-bit sequence numbers are, across the wrap."""
    delta = (a - b) % 65536
    return min(delta, 65536 - delta)
