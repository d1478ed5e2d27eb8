"""A-weighting against the IEC 61672-1 table, at 16 and 48 kHz, through the frame FFT."""

from __future__ import annotations

import numpy as np
import pytest

from agentprobe.audio.dsp import NoiseAnalyser
from agentprobe.audio.dsp.frames import FrameAnalyser
from agentprobe.audio.dsp.weighting import a_weighting_db, a_weighting_power, parseval_weights
from tests.audio.signals import at_level, pink, sine

# IEC 61672-1:2013 Table 3, A-weighting (dB) at the nominal frequencies.
IEC_TABLE = {
    10: -70.4, 12.5: -63.4, 16: -56.7, 20: -50.5, 25: -44.7, 31.5: -39.4, 40: -34.6,
    50: -30.2, 63: -26.2, 80: -22.5, 100: -19.1, 125: -16.1, 160: -13.4, 200: -10.9,
    250: -8.6, 315: -6.6, 400: -4.8, 500: -3.2, 630: -1.9, 800: -0.8, 1000: 0.0,
    1250: 0.6, 1600: 1.0, 2000: 1.2, 2500: 1.3, 3150: 1.2, 4000: 1.0, 5000: 0.5,
    6300: -0.1, 8000: -1.1, 10000: -2.5, 12500: -4.3, 16000: -6.6, 20000: -9.3,
}  # fmt: skip


def test_response_matches_the_iec_table() -> None:
    freqs = np.array(list(IEC_TABLE))
    # the table is the exact response at the exact (base-ten) frequencies, rounded to 0.1 dB
    exact = 1000 * 10 ** (np.round(10 * np.log10(freqs / 1000)) / 10)
    assert a_weighting_db(exact) == pytest.approx(list(IEC_TABLE.values()), abs=0.051)


@pytest.mark.parametrize("rate", [16000, 48000])
def test_whole_signal_weighting_reads_the_table(rate: int) -> None:
    """A 2 s sine (0.5 Hz bins, so every table frequency is on a bin) weighted by FFT."""
    for freq, expected in IEC_TABLE.items():
        if freq >= rate / 2:
            continue
        x = sine(freq, 2.0, rate)
        power = np.abs(np.fft.rfft(x)) ** 2 * parseval_weights(len(x))
        weighted = np.sum(power * a_weighting_power(len(x), rate)) / np.sum(power)
        exact = float(a_weighting_db(np.array([freq]))[0])
        assert 10 * np.log10(weighted) == pytest.approx(exact, abs=1e-6), freq
        if freq >= 40:  # below, the nominal frequency is too far from the exact one
            assert exact == pytest.approx(expected, abs=0.35), freq


@pytest.mark.parametrize("rate", [16000, 48000])
def test_frame_levels_apply_the_table_near_nyquist(rate: int) -> None:
    """20 ms Hann-windowed frames (50 Hz bins): tones above the low band's crossover read
    the table, including 6.3 kHz at 16 kHz (the band below is tested through the analyser)."""
    analyser = FrameAnalyser(rate)
    for freq in (400, 500, 800, 1000, 2000, 2500, 4000, 5000, 6300, 8000):
        if freq >= rate / 2:
            continue
        frames = sine(freq, 0.2, rate).reshape(-1, analyser.frame_len)
        found = analyser.features(frames)
        ratio = 10 * np.log10(found.a_high_mean_square.mean() / found.mean_square.mean())
        assert ratio == pytest.approx(IEC_TABLE[freq], abs=0.1), freq


THIRD_OCTAVES = [
    31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250,
    1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000,
]  # fmt: skip
ALL_RATES = [16000, 44100, 48000]


def noise_floor(x: np.ndarray, rate: int) -> float:
    analyser = NoiseAnalyser(rate, max_seconds=len(x) / rate + 1)
    for start in range(0, len(x), 1024):
        analyser.feed(x[start : start + 1024].astype(np.float32))
    return analyser.result().noise_floor_dbfs


def test_a_60_hz_hum_at_minus_35_dbfs_passes_the_noise_floor_limit() -> None:
    """The A-weighted level of a 60 Hz tone at −35 dBFS is −61.2 dBFS(A): a pass (≤ −60)."""
    exact = -35.0 + float(a_weighting_db(np.array([60.0]))[0])
    found = noise_floor(at_level(sine(60, 5, 48000), -35.0), 48000)
    assert found == pytest.approx(exact, abs=0.5)
    assert found <= -60.0


@pytest.mark.parametrize("rate", ALL_RATES)
def test_tones_read_their_exact_a_weighted_level(rate: int) -> None:
    """Every 1/3-octave centre below Nyquist: the L90 within 0.5 dB of level + A(f)."""
    errors = {}
    for nominal in THIRD_OCTAVES:
        freq = 1000 * 10 ** (np.round(10 * np.log10(nominal / 1000)) / 10)  # the exact centre
        if freq >= 0.95 * rate / 2:
            continue
        exact = -35.0 + float(a_weighting_db(np.array([freq]))[0])
        errors[nominal] = noise_floor(at_level(sine(freq, 3, rate), -35.0), rate) - exact
    assert max(abs(error) for error in errors.values()) <= 0.5, errors


def exact_l90(x: np.ndarray, rate: int) -> float:
    """L90 of 20 ms frames of `x` A-weighted exactly (one FFT over the whole signal)."""
    spectrum = np.fft.rfft(x) * np.sqrt(a_weighting_power(len(x), rate))
    y = np.fft.irfft(spectrum, len(x))
    width = round(rate * 0.02)
    frames = y[: len(y) // width * width].reshape(-1, width)
    mean_square = np.mean((frames - frames.mean(axis=1, keepdims=True)) ** 2, axis=1)
    return float(np.percentile(10 * np.log10(mean_square), 10))


@pytest.mark.parametrize("rate", ALL_RATES)
@pytest.mark.parametrize("colour", ["pink", "white"])
def test_noise_reads_the_l90_of_its_exactly_weighted_frames(rate: int, colour: str) -> None:
    raw = (
        pink(5, rate, seed=3)
        if colour == "pink"
        else np.random.default_rng(3).standard_normal(5 * rate)
    )
    x = at_level(raw, -40.0)
    assert noise_floor(x, rate) == pytest.approx(exact_l90(x, rate), abs=0.5)
