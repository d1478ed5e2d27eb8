"""Per-SSRC receive statistics: wrap, loss runs, burst ratio, reordering, duplicates, jitter."""

from __future__ import annotations

import random

import pytest

from agentprobe.calls import codec
from agentprobe.calls.rtp import parse_rtp
from agentprobe.calls.stream import WINDOW, RtpStream, SequenceWindow
from agentprobe.voice import statistics as netstats
from tests.calls.packets import rtp


def feed(
    stream: RtpStream | None, seq: int, ts: int, at: float, pt: int = 0, ssrc: int = 1
) -> RtpStream:
    data = rtp(seq, ts, ssrc=ssrc, pt=pt)
    header = parse_rtp(data)
    assert header is not None
    stream = stream or RtpStream(header, at)
    stream.add(header, at, len(data))
    return stream


def window_of(seqs: list[int]) -> SequenceWindow:
    window = SequenceWindow(seqs[0])
    for seq in seqs:
        window.add(seq)
    window.close()
    return window


def test_sequence_wrap_extends_the_numbers() -> None:
    window = window_of([(65530 + i) % 65536 for i in range(20)])
    assert (window.base, window.highest, window.expected, window.lost) == (65530, 65549, 20, 0)


def test_losses_runs_and_percent() -> None:
    received = [s for s in range(100) if s not in {10, 11, 12, 50}]
    window = window_of(received)
    assert (window.expected, window.lost, window.max_run) == (100, 4, 3)
    assert window.loss_pct == pytest.approx(4.0)


def test_burst_ratio_matches_netstats_on_the_same_pattern() -> None:
    rng = random.Random(7)
    lost, state = [], False
    for _ in range(3000):  # a Gilbert-style bursty pattern
        state = rng.random() < (0.6 if state else 0.03)
        lost.append(state)
    lost[0] = lost[-1] = False
    window = window_of([seq for seq, gone in enumerate(lost) if not gone])
    assert window.burst_ratio == pytest.approx(netstats.burst_ratio(lost), rel=1e-12)
    assert window.burst_ratio > 1.5
    assert window.max_run == max(netstats.loss_runs(lost))


def test_reordering_is_not_loss_and_a_duplicate_is_not_reordering() -> None:
    reordered = window_of([1, 2, 4, 3, 5])
    assert (reordered.reordered, reordered.duplicates, reordered.lost) == (1, 0, 0)
    duplicated = window_of([1, 2, 2, 3])
    assert (duplicated.reordered, duplicated.duplicates, duplicated.lost) == (0, 1, 0)
    late_duplicate = window_of([1, 2, 3, 4, 2])
    assert (late_duplicate.reordered, late_duplicate.duplicates) == (0, 1)


def test_reordering_across_the_wrap() -> None:
    window = window_of([65534, 65535, 1, 0, 2])
    assert (window.reordered, window.lost, window.expected) == (1, 0, 5)


def test_packet_older_than_the_window_is_late_not_lost_twice() -> None:
    seqs = [*range(0, 5), *range(6, WINDOW + 20), 5]
    window = window_of(seqs)
    assert (window.late, window.lost, window.reordered) == (1, 1, 0)


def test_a_jump_is_a_restart_after_two_packets() -> None:
    window = window_of([*range(100, 110), 30000, 30001, 30002])
    assert window.restarts == 1
    assert (window.expected, window.lost) == (10 + 2, 0)


def test_a_jump_back_is_a_restart_too_and_a_stray_packet_is_dropped() -> None:
    back = window_of([*range(30000, 30010), 100, 101, 102])
    assert (back.restarts, back.expected, back.lost) == (1, 12, 0)
    stray = window_of([*range(10, 20), 40000, *range(20, 30)])
    assert (stray.restarts, stray.expected, stray.lost, stray.received) == (0, 20, 0, 20)


def test_rfc3550_jitter_by_hand() -> None:
    """8 kHz, 160 units per 20 ms. Arrivals 0, 25, 40, 60 ms:
    D = +40, -40, 0 units -> J = 2.5, 2.5 + 37.5/16 = 4.84375, 4.84375 * 15/16."""
    stream = None
    for i, at in enumerate((0.0, 0.025, 0.040, 0.060)):
        stream = feed(stream, 1000 + i, 160 * i, 10.0 + at)
    assert stream is not None
    assert stream.clock.jitter == pytest.approx(4.84375 * 15 / 16, rel=1e-9)
    assert stream.clock.jitter_ms == pytest.approx(4.84375 * 15 / 16 / 8, rel=1e-9)
    assert stream.clock.mean_jitter_ms == pytest.approx((2.5 + 4.84375 + 4.541015625) / 3 / 8)


def test_a_duplicate_does_not_move_jitter() -> None:
    stream = None
    for i, at in enumerate((0.0, 0.025, 0.040)):
        stream = feed(stream, 1000 + i, 160 * i, at)
    assert stream is not None
    before = stream.clock.jitter
    feed(stream, 1001, 160, 0.047)
    assert stream.clock.jitter == before and stream.window.duplicates == 1


def test_static_payload_types_name_the_codec() -> None:
    assert [codec.from_payload_type(pt) for pt in (0, 8, 9, 18)] == [
        codec.Guess("g711", 8000),
        codec.Guess("g711", 8000),
        codec.Guess("g722", 8000),
        codec.Guess("g729", 8000),
    ]
    assert codec.from_payload_type(111) is None


@pytest.mark.parametrize(
    ("step", "guess"),
    [
        (960, codec.Guess("opus", 48000)),
        (320, codec.Guess("unknown", 16000)),
        (160, codec.Guess("unknown", 8000)),
        (777, codec.UNKNOWN),
    ],
)
def test_dynamic_payload_type_clock_from_timestamp_steps(step: int, guess: codec.Guess) -> None:
    stream = None
    for i in range(60):
        stream = feed(stream, i, step * i, 0.02 * i + (0.004 if i % 3 else 0.0), pt=111)
    assert stream is not None
    stream.close()
    assert stream.codec == guess


def test_jitter_waits_for_the_clock_then_counts_every_packet() -> None:
    stream = None
    for i in range(60):
        stream = feed(stream, i, 960 * i, 0.02 * i + (0.005 if i == 30 else 0.0), pt=111)
    assert stream is not None and stream.codec.clock_rate == 48000
    assert stream.clock.updates == 59
    # one packet 5 ms (240 units) late: D = +240 then -240, J = 15 then 15 + 225/16
    assert stream.clock.max_jitter == pytest.approx(15 + 225 / 16, rel=1e-6)


def test_video_is_told_from_audio() -> None:
    stream = None
    for frame in range(20):  # 30 fps at 90 kHz, three packets per frame
        for part in range(3):
            stream = feed(stream, frame * 3 + part, 3000 * frame, frame / 30 + part * 0.001, pt=96)
    assert stream is not None
    stream.close()
    assert stream.codec.clock_rate == 90000 and not stream.is_audio


def test_memory_stays_bounded_over_a_long_call() -> None:
    """40 000 packets (13 minutes at 20 ms) with losses, swaps and duplicates: fixed-size
    state, and the counts `netstats` gives for the same arrivals."""
    arrivals = []
    for i in range(40_000):
        if i % 97 == 5:
            continue
        arrivals.append(i + 1 if i % 50 == 0 else i - 1 if i % 50 == 1 else i)
        if i % 333 == 0:
            arrivals.append(arrivals[-1])
    stream = None
    for n, seq in enumerate(arrivals):
        stream = feed(stream, seq, 160 * seq, 0.02 * n)
    assert stream is not None
    stream.close()
    assert len(stream.window._ring) == WINDOW and not stream.clock._pending
    unique = sorted(set(arrivals))
    assert stream.window.lost == unique[-1] + 1 - len(unique)
    assert stream.window.duplicates == netstats.duplicates(arrivals)
    first_copies = list(dict.fromkeys(arrivals))
    # the first arrival (1) sets the base, so 0 after it is late rather than reordered
    assert stream.window.reordered + stream.window.late == netstats.reordered(first_copies)
