"""Whole-call headset figures from exact window inputs: energy means, medians, sums."""

from __future__ import annotations

import math

from agentprobe.calls.headset import HeadsetTally, Window


def tally_of(*windows: Window, muted_s: float = 0.0) -> HeadsetTally:
    tally = HeadsetTally()
    for window in windows:
        tally.add(window)
    tally.add_muted(muted_s)
    return tally


def test_speech_is_the_time_weighted_energy_mean_of_the_windows() -> None:
    tally = tally_of(Window(30.0, -55.0, -20.0, 0.0), Window(10.0, -55.0, -30.0, 0.0))
    expected = 10 * math.log10((30 * 10**-2.0 + 10 * 10**-3.0) / 40)
    assert tally.metrics()["speech_level_dbfs"] == round(expected, 1) == -21.1


def test_windows_without_speech_give_no_weight_to_the_speech_level() -> None:
    tally = tally_of(Window(30.0, -60.0, None, 0.0), Window(30.0, -60.0, -26.0, 0.0))
    assert tally.metrics()["speech_level_dbfs"] == -26.0


def test_the_noise_floor_is_the_time_weighted_median_of_the_windows() -> None:
    quiet, loud = Window(30.0, -62.3, None, 0.0), Window(30.0, -41.0, None, 0.0)
    assert tally_of(quiet, quiet, loud).metrics()["noise_floor_dbfs"] == -62.3
    assert tally_of(quiet, loud, loud).metrics()["noise_floor_dbfs"] == -41.0
    # a short loud spell does not move it; a long one does
    assert tally_of(quiet, Window(50.0, -41.0, None, 0.0)).metrics()["noise_floor_dbfs"] == -41.0
    assert tally_of(quiet, Window(20.0, -41.0, None, 0.0)).metrics()["noise_floor_dbfs"] == -62.3


def test_clipping_is_the_clipped_share_of_all_live_audio() -> None:
    tally = tally_of(Window(30.0, -50.0, -20.0, 3.0), Window(10.0, -50.0, -20.0, 0.0))
    assert tally.metrics()["clipping_pct"] == 2.25


def test_a_muted_call_has_muted_time_and_no_levels() -> None:
    metrics = tally_of(muted_s=42.0).metrics()
    assert metrics == {"mic_analysed_s": 42.0, "mic_muted_s": 42.0, "device_changes": 0,
                       "narrowband_s": 0.0}  # fmt: skip


def test_a_whole_call_is_aggregates_only() -> None:
    windows = [Window(30.0, -50.0 - i % 3, -25.0, 0.1) for i in range(240)]  # two hours
    metrics = tally_of(*windows, muted_s=12.5).metrics()
    assert metrics == {
        "mic_analysed_s": 7212.5,
        "mic_muted_s": 12.5,
        "device_changes": 0,
        "narrowband_s": 0.0,
        "noise_floor_dbfs": -51.0,
        "clipping_pct": 0.1,
        "speech_level_dbfs": -25.0,
    }


def test_switches_and_hands_free_time_come_from_the_looks_at_the_default_device() -> None:
    tally = HeadsetTally()
    tally.observe(0.0, "usb-headset", False)
    tally.observe(5.0, "usb-headset", False)
    tally.observe(10.0, "bt-headset", True)  # switched, and in hands-free mode
    tally.observe(15.0, None, True)  # the server did not say which: no switch counted
    tally.observe(22.0, "bt-headset", False)  # back to music mode (A2DP)
    tally.observe(30.0, "usb-headset", True)
    tally.finish(33.5)
    metrics = tally.metrics()
    assert metrics["device_changes"] == 2
    assert metrics["narrowband_s"] == 12.0 + 3.5


def test_an_empty_window_changes_nothing() -> None:
    assert tally_of(Window(0.0, -50.0, -20.0, 5.0)).metrics()["mic_analysed_s"] == 0.0
