"""Pure statistics of a probe stream: RFC 3550 jitter, loss runs, burstiness, reordering.

No I/O. The voice probe hands in its per-packet timestamps (T1..T4, in nanoseconds on
two unsynchronised clocks) and gets back per-direction figures. One-way transit times
carry the unknown clock offset, but jitter and delay variation use only differences of
transit times, in which the offset cancels.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

NS_PER_MS = 1e6


@dataclass(frozen=True)
class Echo:
    """One answered probe packet. t1/t4 on the sender's clock, t2/t3 on the reflector's."""

    seq: int
    t1: int
    t2: int
    t3: int
    t4: int
    count: int = -1  # packets the reflector had accepted before this one; -1 unknown

    @property
    def rtt_ms(self) -> float:
        """Round trip without the reflector's own turnaround time."""
        return ((self.t4 - self.t1) - (self.t3 - self.t2)) / NS_PER_MS


def rfc3550_jitter(transits_ms: Iterable[float]) -> float:
    """RFC 3550 §6.4.1 interarrival jitter, J += (|D| − J)/16, over transits in arrival order."""
    jitter, previous = 0.0, None
    for transit in transits_ms:
        if previous is not None:
            jitter += (abs(transit - previous) - jitter) / 16
        previous = transit
    return jitter


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks. NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def delay_variation_ms(transits_ms: Sequence[float]) -> float:
    """Packet delay variation (RFC 5481 PDV): 95th percentile of transit above the minimum."""
    if not transits_ms:
        return math.nan
    floor = min(transits_ms)
    return percentile([t - floor for t in transits_ms], 95)


def lost_flags(sent: int, received: Iterable[int]) -> list[bool]:
    """For sequence numbers 0..sent-1, whether each went unanswered."""
    got = set(received)
    return [seq not in got for seq in range(sent)]


def loss_runs(lost: Sequence[bool]) -> list[int]:
    """Lengths of the runs of consecutive losses, in order."""
    runs, current = [], 0
    for flag in lost:
        if flag:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    if current:
        runs.append(current)
    return runs


def burst_ratio(lost: Sequence[bool]) -> float:
    """G.107 BurstR from a two-state Markov fit of the loss pattern: 1/(p + q).

    p = P(loss after a received packet), q = P(receipt after a lost packet). Random loss
    gives 1; longer runs than chance give more. Estimates below 1 (losses more spread
    than random, or sampling noise) are reported as 1, the model's random-loss case.
    """
    if lost and lost[-1]:
        # A run cut off by the end of the trace has not ended yet: close it with a receipt
        # rather than read "no recovery seen" as a run that never ends (BurstR -> sent).
        lost = [*lost, False]
    pairs = list(itertools.pairwise(lost))
    after_ok = [b for a, b in pairs if not a]
    after_lost = [b for a, b in pairs if a]
    if not after_ok or not after_lost:
        return 1.0
    p = sum(after_ok) / len(after_ok)
    q = sum(1 for b in after_lost if not b) / len(after_lost)
    return max(1.0, 1.0 / (p + q)) if p + q > 0 else 1.0


def reordered(arrival_seqs: Sequence[int]) -> int:
    """Packets that arrived after a packet with a higher sequence number (RFC 4737 §3).

    A second copy of a packet already seen is a duplicate, not a reordered packet.
    """
    count, highest, seen = 0, -1, set()
    for seq in arrival_seqs:
        if seq in seen:
            continue
        seen.add(seq)
        if seq < highest:
            count += 1
        highest = max(highest, seq)
    return count


def duplicates(arrival_seqs: Sequence[int]) -> int:
    return len(arrival_seqs) - len(set(arrival_seqs))


@dataclass(frozen=True)
class StreamStats:
    """Per-direction and round-trip figures of one probe stream."""

    sent: int
    received: int
    loss_up_pct: float
    loss_down_pct: float
    loss_pct: float
    max_burst_loss: int
    burst_r: float
    burst_r_up: float
    burst_r_down: float
    rtt_ms: float
    rtt_p95_ms: float
    rtt_min_ms: float
    jitter_up_ms: float
    jitter_down_ms: float
    pdv_up_ms: float
    pdv_down_ms: float
    reordered: int
    duplicates: int


def stream_stats(sent: int, reflected: int, arrivals: Sequence[Echo]) -> StreamStats:
    """Figures for `sent` packets of which the reflector accepted `reflected` and
    `arrivals` (in arrival order, duplicates included) came back."""
    unique: dict[int, Echo] = {}
    for echo in arrivals:
        unique.setdefault(echo.seq, echo)  # the first copy's timestamps; later ones are dups
    reflected = min(max(reflected, len(unique)), sent)
    lost = lost_flags(sent, unique)
    up_lost, down_lost = direction_losses(sent, reflected, unique, lost)
    by_t2 = sorted(unique.values(), key=lambda s: s.t2)
    up = [(s.t2 - s.t1) / NS_PER_MS for s in by_t2]
    down = [(s.t4 - s.t3) / NS_PER_MS for s in unique.values()]
    rtts = [s.rtt_ms for s in unique.values()]
    runs = loss_runs(lost)
    return StreamStats(
        sent=sent,
        received=len(unique),
        loss_up_pct=_pct(sent - reflected, sent),
        loss_down_pct=_pct(reflected - len(unique), reflected),
        loss_pct=_pct(sent - len(unique), sent),
        max_burst_loss=max(runs, default=0),
        burst_r=burst_ratio(lost),
        burst_r_up=burst_ratio(up_lost),
        burst_r_down=burst_ratio(down_lost),
        rtt_ms=percentile(rtts, 50),
        rtt_p95_ms=percentile(rtts, 95),
        rtt_min_ms=min(rtts, default=math.nan),
        jitter_up_ms=rfc3550_jitter(up),
        jitter_down_ms=rfc3550_jitter(down),
        pdv_up_ms=delay_variation_ms(up),
        pdv_down_ms=delay_variation_ms(down),
        reordered=reordered([s.seq for s in arrivals]),
        duplicates=duplicates([s.seq for s in arrivals]),
    )


def direction_losses(
    sent: int, reflected: int, unique: Mapping[int, Echo], lost: Sequence[bool]
) -> tuple[list[bool], list[bool]]:
    """The loss pattern of each direction: (up over every packet sent, down over every
    packet that reached the reflector).

    Each reply carries how many packets the reflector had accepted before it, so a gap
    between two answered packets splits into those lost on the way there and those lost
    on the way back. Their order inside a gap is not known; each part is taken as one
    run (gaps are short, and a run is what burstiness is about). Without the counts
    (an older reflector) both directions get the round-trip pattern.
    """
    if any(echo.count < 0 for echo in unique.values()):
        return list(lost), list(lost)
    up: list[bool] = []
    down: list[bool] = []
    previous_seq, previous_count = -1, -1
    for seq in sorted(unique):
        _gap(up, down, seq - previous_seq - 1, unique[seq].count - previous_count - 1)
        up.append(False)
        down.append(False)
        previous_seq, previous_count = seq, unique[seq].count
    _gap(up, down, sent - previous_seq - 1, reflected - previous_count - 1)
    return up, down


def _gap(up: list[bool], down: list[bool], missing: int, reached: int) -> None:
    """`missing` unanswered packets, of which `reached` got to the reflector."""
    reached = min(max(reached, 0), missing)
    up.extend([True] * (missing - reached) + [False] * reached)
    down.extend([True] * reached)


def _pct(part: int, whole: int) -> float:
    return 100.0 * max(0, part) / whole if whole else 0.0
