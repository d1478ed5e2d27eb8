"""The in-call microphone meter: muted seconds are counted and kept out of the levels."""

from __future__ import annotations

import numpy as np
import pytest

from agentprobe.audio.dsp import NoiseAnalyser
from agentprobe.calls.headset import HeadsetTally
from agentprobe.calls.microphone import MicMeter
from tests.audio.signals import at_level, pink, sine

RATE = 16000


def metered(x: np.ndarray, window_s: float = 30.0, block: int = 1000) -> HeadsetTally:
    tally = HeadsetTally()
    meter = MicMeter(RATE, tally, window_s)
    for start in range(0, len(x), block):
        meter.feed(x[start : start + block])
    meter.close()
    return tally


def floor_of(x: np.ndarray) -> float:
    analyser = NoiseAnalyser(RATE, len(x) / RATE + 1)
    analyser.feed(x.astype(np.float32))
    return analyser.result().noise_floor_dbfs


def test_muted_seconds_are_counted_and_kept_out_of_the_noise_floor() -> None:
    bed = at_level(pink(6.0, RATE, seed=3), -45.0)
    x = np.concatenate([bed[: 3 * RATE], np.zeros(4 * RATE), bed[3 * RATE :]])
    metrics = metered(x).metrics()
    assert (metrics["mic_muted_s"], metrics["mic_analysed_s"]) == (4.0, 10.0)
    assert metrics["noise_floor_dbfs"] == floor_of(bed)  # one window of the 6 live seconds


def test_windows_close_after_window_s_of_live_audio() -> None:
    quiet = at_level(pink(6.0, RATE, seed=4), -60.0)
    loud = at_level(pink(3.0, RATE, seed=5), -40.0)
    tally = metered(np.concatenate([quiet, loud]), window_s=3.0)
    # three 3 s windows, two quiet and one loud: the median is the quiet ones' floor
    assert tally.live_s == 9.0
    assert tally.metrics()["noise_floor_dbfs"] == floor_of(quiet[: 3 * RATE])


def test_clipping_counts_every_clipped_sample_of_the_call() -> None:
    tone = np.clip(2.0 * sine(440, 2.0, RATE), -1.0, 1.0)
    x = np.concatenate([at_level(pink(2.0, RATE, seed=6), -50.0), tone])
    clipped = np.count_nonzero(np.abs(tone.astype(np.float32)) >= 0.999)
    metrics = metered(x, window_s=1.0).metrics()
    assert metrics["clipping_pct"] == pytest.approx(100.0 * clipped / len(x), abs=0.002)


def test_a_last_part_slice_is_judged_and_a_sliver_is_dropped() -> None:
    bed = at_level(pink(2.5, RATE, seed=7), -50.0)
    assert metered(bed).metrics()["mic_analysed_s"] == 2.5
    sliver = np.zeros(RATE // 100)  # 10 ms: less than one 20 ms frame
    assert metered(np.concatenate([bed[: 2 * RATE], sliver])).metrics()["mic_analysed_s"] == 2.0
