"""Every metric pinned on two known mixtures, so a faster analysis cannot drift unnoticed.

The values are what the analyser reported before its speed-ups (frame-parallel tonality
sums, doubling running maximum, scaled P.56 recurrences); the rewrites are exact or differ
only by floating-point rounding, far below the metrics' rounding. They moved once, on
purpose, when the A-weighting stopped counting a hum's leakage (the low band weighted on
the decimated signal, Hann-windowed frames): the noise floor of the mix with a 50 Hz hum
fell 0.2 dB, L10 − L90 and Leq moved 0.1–0.3 dB, the windowed spectra's speech share moved
the 44.1/48 kHz speech ratio by 0.01, and tonality fell (a windowed tone spreads over three
bins, so fewer frames have half their power in peak bins). 7.3 s and 4.1 s at 1024-sample
blocks exercise whole and partial batches, a partly filled hum second and, at 44.1 kHz, a
tonality band that is a small part of the spectrum.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
import pytest

from tests.audio.signals import at_level, clicks, hum, music, pink, speech_like
from tests.rigs.dsp import analyse


def mixed(rate: int) -> np.ndarray:
    """Speech at −26 dBFS over pink noise and a 50 Hz hum."""
    seconds = 7.3
    return (
        at_level(speech_like(seconds, rate), -26)
        + at_level(pink(seconds, rate), -58)
        + hum(50, seconds, rate, -62)
    )


def loud(rate: int) -> np.ndarray:
    """Music with full-scale clicks, clipped: tonal frames and clipped samples."""
    seconds = 4.1
    return np.clip(at_level(music(seconds, rate), -4) + clicks(seconds, rate, dbfs_peak=0.0), -1, 1)


COMMON_MIXED = dict(
    leq_dbfs=-26.0, hum_hz=50, clipping_pct=0.0, mic_dead=False, tonal_ratio=0.0,
    noise_class="speech", analysed_s=7.3, speech_level_dbfs=-24.7, invalid_samples=0,
)  # fmt: skip
COMMON_LOUD = dict(
    leq_dbfs=-11.8, spread_db=8.7, speech_level_dbfs=None, snr_db=None, speech_ratio=0.0,
    hum_db=5.1, hum_hz=None, mic_dead=False, tonal_ratio=0.176, noise_class="music",
    analysed_s=4.1, invalid_samples=0,
)  # fmt: skip
PINNED: list[tuple[str, int, dict[str, Any]]] = [
    ("mixed", 16000, COMMON_MIXED | dict(
        noise_floor_dbfs=-61.9, spread_db=41.5, snr_db=33.0, speech_ratio=0.362, hum_db=13.3,
        level_std_pct=2.73,
    )),
    ("mixed", 44100, COMMON_MIXED | dict(
        noise_floor_dbfs=-62.1, spread_db=41.7, snr_db=32.7, speech_ratio=0.353, hum_db=13.8,
        level_std_pct=2.73,
    )),
    ("mixed", 48000, COMMON_MIXED | dict(
        noise_floor_dbfs=-62.1, spread_db=41.7, snr_db=32.8, speech_ratio=0.356, hum_db=13.9,
        level_std_pct=2.729,
    )),
    ("loud", 16000, COMMON_LOUD | dict(
        noise_floor_dbfs=-17.5, clipping_pct=11.032, level_std_pct=10.649,
    )),
    ("loud", 44100, COMMON_LOUD | dict(
        noise_floor_dbfs=-17.5, clipping_pct=11.022, level_std_pct=10.648,
    )),
    ("loud", 48000, COMMON_LOUD | dict(
        noise_floor_dbfs=-17.5, clipping_pct=11.013, level_std_pct=10.648,
    )),
]  # fmt: skip
SIGNALS = {"mixed": mixed, "loud": loud}


@pytest.mark.parametrize(("signal", "rate", "expected"), PINNED)
def test_metrics_match_the_pinned_values(signal: str, rate: int, expected: dict[str, Any]) -> None:
    found = asdict(analyse(SIGNALS[signal](rate), rate))
    assert found == expected
