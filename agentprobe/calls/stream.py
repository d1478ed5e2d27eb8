"""Receive statistics of one RTP source (SSRC) in bounded memory, for calls of any length.

`SequenceWindow` extends 16-bit sequence numbers across wraps and restarts (RFC 3550
§A.1, MAX_DROPOUT 3000; a packet up to MAX_DROPOUT behind is an old one, not the start
of a restart as §A.1 has it beyond MAX_MISORDER 100) and keeps a ring of the last `WINDOW`
sequence numbers: a number leaves the ring as received or lost, and only then feeds
the loss counters (longest run, and the two-state Markov transitions whose 1/(p + q) is
the G.113 Appendix I burst ratio, as in `netstats.burst_ratio`). Reordering follows
RFC 4737 §3.3 (a packet below the next expected number); a duplicate is neither
reordered nor counted in jitter. `JitterClock` infers the RTP clock of a dynamic
payload type (`codec.from_clock`) and runs the RFC 3550 §A.8 interarrival jitter.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from agentprobe.calls import codec
from agentprobe.calls.rtp import RtpHeader

WINDOW = 1024  # sequence numbers a late packet may trail the highest one and still count
MAX_DROPOUT, SEQ_MOD = 3000, 1 << 16
CLOCK_PAIRS = 50  # consecutive packet pairs (about 1 s at 20 ms) before a clock is guessed
VIDEO_SHARE = 0.2  # pairs with one timestamp (several packets per frame) that mean video


class SequenceWindow:
    """Extended sequence numbers, loss runs, burst ratio, reordering and duplicates."""

    def __init__(self, sequence: int) -> None:
        self.cycles, self.max_seq, self.bad_seq = 0, sequence, -1
        self.base = self.floor = sequence
        self.highest = sequence - 1  # nothing received yet
        self._ring = bytearray(WINDOW)
        self.expected_before = self.restarts = 0
        self.received = self.reordered = self.duplicates = self.late = 0
        self.lost_final = self.max_run = self._run = 0
        self._last_lost: bool | None = None
        self.transitions = [[0, 0], [0, 0]]  # [from lost?][to lost?]

    def add(self, sequence: int) -> int | None:
        """Account one arrival; its extended number, or None for a duplicate, a too-late
        packet or the first of a jump (RFC 3550 §A.1 waits for a second to resync)."""
        ext = self._extend(sequence)
        if ext is None:
            return None
        if ext < self.floor:
            self.late += 1  # behind the ring: too late to tell a duplicate from a reorder
            return None
        slot = ext % WINDOW
        if ext <= self.highest and self._ring[slot]:
            self.duplicates += 1
            return None
        if ext < self.highest:
            self.reordered += 1
        else:
            self._advance(ext)
        self._ring[slot] = 1
        self.received += 1
        return ext

    def _extend(self, seq: int) -> int | None:
        udelta = (seq - self.max_seq) % SEQ_MOD
        if udelta < MAX_DROPOUT:  # ahead, with a permissible gap
            if seq < self.max_seq:
                self.cycles += SEQ_MOD
            self.max_seq = seq
            return self.cycles + seq
        if SEQ_MOD - udelta < MAX_DROPOUT:  # behind: reordered, duplicated or late
            return self.cycles + seq - (SEQ_MOD if seq > self.max_seq else 0)
        if seq != self.bad_seq:  # a jump: believed only if the next packet follows it
            self.bad_seq = (seq + 1) % SEQ_MOD
            return None
        self._restart(seq)
        return seq

    def _restart(self, seq: int) -> None:
        """The source jumped its numbering (RFC 3550 §A.1 resync): a new span begins."""
        self.close()
        self.expected_before += self.highest - self.base + 1
        self.restarts += 1
        self.cycles, self.max_seq, self.bad_seq = 0, seq, -1
        self.base = self.floor = seq
        self.highest = seq - 1

    def _advance(self, ext: int) -> None:
        while ext - self.floor >= WINDOW:
            self._settle(self.floor)
            self.floor += 1
        self.highest = ext

    def _settle(self, ext: int) -> None:
        slot = ext % WINDOW
        lost = not self._ring[slot]
        self._ring[slot] = 0
        if self._last_lost is not None:
            self.transitions[self._last_lost][lost] += 1
        self._last_lost = lost
        if lost:
            self.lost_final += 1
            self._run += 1
            self.max_run = max(self.max_run, self._run)
        else:
            self._run = 0

    def close(self) -> None:
        """Settle every number still in the ring (at the end of the stream)."""
        while self.floor <= self.highest:
            self._settle(self.floor)
            self.floor += 1

    @property
    def expected(self) -> int:
        return self.expected_before + self.highest - self.base + 1

    @property
    def lost(self) -> int:
        return max(0, self.expected - self.received)

    @property
    def loss_pct(self) -> float:
        return 100.0 * self.lost / self.expected if self.expected > 0 else 0.0

    @property
    def burst_ratio(self) -> float:
        return markov_burst_ratio(self.transitions)


def markov_burst_ratio(transitions: list[list[int]]) -> float:
    """G.113 Appendix I BurstR = 1/(p + q) from counts [from lost?][to lost?] of settled
    numbers, p = P(lost | previous received), q = P(received | previous lost); 1 for
    random loss, and estimates below 1 reported as 1, as `netstats.burst_ratio` does."""
    (ok_ok, ok_lost), (lost_ok, lost_lost) = transitions
    if not ok_ok + ok_lost or not lost_ok + lost_lost:
        return 1.0
    p, q = ok_lost / (ok_ok + ok_lost), lost_ok / (lost_ok + lost_lost)
    return max(1.0, 1.0 / (p + q)) if p + q > 0 else 1.0


class JitterClock:
    """RFC 3550 §A.8 interarrival jitter at a clock rate known or inferred from arrivals."""

    def __init__(self, payload_type: int) -> None:
        self.guess = codec.from_payload_type(payload_type) or codec.UNKNOWN
        self._pending: list[tuple[float, int]] = []  # (arrival s, RTP ts) until the clock is known
        self._units, self._seconds, self.pairs, self.same_ts_pairs = 0, 0.0, 0, 0
        self._last: tuple[float, int] | None = None
        self.jitter = self._sum = 0.0  # timestamp units
        self.max_jitter, self.updates = 0.0, 0

    def add(self, at: float, timestamp: int, consecutive: bool) -> None:
        """One in-sequence arrival of the main payload type; `consecutive` if it follows the
        previous such packet by one sequence number (for the clock guess)."""
        if consecutive and self._last is not None:
            self._count_pair(at, timestamp)
        if self.guess.known_clock:
            self._update(at, timestamp)
            return
        self._pending.append((at, timestamp))
        if self.pairs >= CLOCK_PAIRS or len(self._pending) >= 2 * CLOCK_PAIRS:
            self.settle_clock()
        else:
            self._last = (at, timestamp)

    def _count_pair(self, at: float, timestamp: int) -> None:
        assert self._last is not None
        delta = _ts_delta(timestamp, self._last[1])
        self.pairs += 1
        self.same_ts_pairs += delta == 0
        if delta >= 0:  # video frames span several packets: their time counts, units do not
            self._units += delta
            self._seconds += at - self._last[0]

    def settle_clock(self) -> None:
        """Fix the clock from what was seen, then run the waiting arrivals through jitter."""
        if not self.guess.known_clock:
            self.guess = codec.from_clock(self._units, self._seconds)
        pending, self._pending, self._last = self._pending, [], None
        if self.guess.known_clock:
            for at, timestamp in pending:
                self._update(at, timestamp)

    def _update(self, at: float, timestamp: int) -> None:
        if self._last is not None:
            d = (at - self._last[0]) * self.guess.clock_rate - _ts_delta(timestamp, self._last[1])
            self.jitter += (abs(d) - self.jitter) / 16
            self._sum += self.jitter
            self.updates += 1
            self.max_jitter = max(self.max_jitter, self.jitter)
        self._last = (at, timestamp)

    @property
    def is_video(self) -> bool:
        if self.guess.clock_rate == codec.VIDEO_RATE:
            return True
        return self.pairs >= 10 and self.same_ts_pairs > VIDEO_SHARE * self.pairs

    def ms(self, units: float) -> float:
        return 1000.0 * units / self.guess.clock_rate if self.guess.known_clock else math.nan

    @property
    def jitter_ms(self) -> float:
        """The current RFC 3550 estimate, ms (NaN while the clock is unknown)."""
        return self.ms(self.jitter)

    @property
    def mean_jitter_ms(self) -> float:
        """The estimate averaged over every packet that moved it, ms."""
        return self.ms(self._sum / self.updates) if self.updates else self.ms(0.0)


def _ts_delta(now: int, before: int) -> int:
    """Signed difference of two 32-bit RTP timestamps."""
    return (now - before + (1 << 31)) % (1 << 32) - (1 << 31)


class RtpStream:
    """Everything kept about one SSRC in one direction: counters, never packet contents."""

    def __init__(self, header: RtpHeader, at: float) -> None:
        self.ssrc, self.payload_type = header.ssrc, header.payload_type
        self.window = SequenceWindow(header.sequence)
        self.clock = JitterClock(header.payload_type)
        self.first_at = self.last_at = at
        self.packets = self.octets = 0
        self._previous: int | None = None  # extended number of the last arrival counted

    def add(self, header: RtpHeader, at: float, length: int) -> None:
        """Account one packet of `length` bytes (UDP payload) that arrived at `at` (s)."""
        self.packets += 1
        self.octets += length
        self.last_at = max(self.last_at, at)
        ext = self.window.add(header.sequence)
        if ext is None or header.payload_type != self.payload_type:
            return
        # RFC 3550 §A.8 runs jitter over every arrival in order, reordered ones included.
        consecutive = self._previous is not None and ext == self._previous + 1
        self.clock.add(at, header.timestamp, consecutive)
        self._previous = ext

    def close(self) -> None:
        self.window.close()
        self.clock.settle_clock()

    @property
    def codec(self) -> codec.Guess:
        return self.clock.guess

    @property
    def is_audio(self) -> bool:
        """Neither video nor a stream without a recognisable clock (RTX, padding probes)."""
        return self.clock.guess.known_clock and not self.clock.is_video


StreamFilter = Callable[[RtpStream], bool]
