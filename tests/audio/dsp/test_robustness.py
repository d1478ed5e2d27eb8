"""Bad input from a driver: non-finite samples are zeroed and counted, an offset is no sound."""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pytest

from tests.audio.signals import at_level, pink, speech_like
from tests.rigs.dsp import analyse


def speech_over_bed(rate: int) -> np.ndarray:
    return at_level(speech_like(5, rate), -26) + at_level(pink(5, rate), -60)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_one_non_finite_sample_is_zeroed_and_counted(bad: float) -> None:
    rate = 16000
    x = speech_over_bed(rate)
    clean = analyse(x, rate)
    x[rate + 123] = bad
    found = analyse(x, rate)
    assert found.invalid_samples == 1 and clean.invalid_samples == 0
    values = asdict(found)
    assert all(math.isfinite(v) for v in values.values() if isinstance(v, float))
    assert found.hum_hz == clean.hum_hz is None
    assert found.noise_floor_dbfs == pytest.approx(clean.noise_floor_dbfs, abs=0.1)
    assert found.snr_db == pytest.approx(clean.snr_db, abs=0.2)


@pytest.mark.parametrize("rate", [16000, 48000])
def test_a_dc_offset_moves_neither_the_speech_level_nor_the_snr(rate: int) -> None:
    x = speech_over_bed(rate)
    clean, offset = analyse(x, rate), analyse(x + 0.05, rate)
    assert offset.speech_level_dbfs == pytest.approx(clean.speech_level_dbfs, abs=0.2)
    assert offset.snr_db == pytest.approx(clean.snr_db, abs=0.2)
    assert offset.noise_floor_dbfs == pytest.approx(clean.noise_floor_dbfs, abs=0.2)
