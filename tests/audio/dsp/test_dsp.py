"""Each detector on synthesised signals with known answers, at 16 and 48 kHz."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from agentprobe.audio.dsp import NoiseAnalyser
from agentprobe.audio.dsp.decimate import Decimator
from agentprobe.audio.dsp.hum import HumDetector
from agentprobe.audio.dsp.levels import FLOOR_DBFS, dbfs
from agentprobe.audio.dsp.p56 import LOWEST_EXPONENT, _interpolate
from agentprobe.audio.dsp.weighting import a_weighting_power, parseval_weights
from tests.audio.signals import at_level, clicks, hum, music, pink, sine, speech_like
from tests.rigs.dsp import analyse, p56

RATES = [16000, 48000]


def test_full_scale_sine_reads_minus_3_01_dbfs() -> None:
    assert dbfs(float(np.mean(sine(1000, 1, 48000) ** 2))) == pytest.approx(-3.01, abs=0.005)
    assert dbfs(0.0) == FLOOR_DBFS


@pytest.mark.parametrize("rate", RATES)
def test_pink_noise_level_and_its_a_weighted_l90(rate: int) -> None:
    x = at_level(pink(5, rate), -30.0)
    found = analyse(x, rate)
    power = np.abs(np.fft.rfft(x)) ** 2 * parseval_weights(len(x))
    true_a = 10 * np.log10(np.sum(power * a_weighting_power(len(x), rate)))
    assert found.leq_dbfs == pytest.approx(true_a, abs=0.2)  # frames vs one long FFT
    assert true_a - 1.5 < found.noise_floor_dbfs < true_a  # L90 sits just under Leq
    assert found.spread_db < 2.0 and found.noise_class == "steady"


@pytest.mark.parametrize("rate", RATES)
def test_p56_continuous_sine_is_its_rms_level(rate: int) -> None:
    level, activity = p56(sine(1000, 3, rate, 0.1), rate)
    assert level == pytest.approx(-23.01, abs=0.1)
    assert activity == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("rate", RATES)
def test_p56_bursts_count_only_active_time(rate: int) -> None:
    on = sine(500, 2, rate, 0.1)
    x = np.concatenate([on, np.zeros_like(on), on, np.zeros_like(on)])
    level, activity = p56(x, rate)
    assert level == pytest.approx(-23.01, abs=1.0)  # the 200 ms hangover costs < 1 dB
    assert 0.5 <= activity < 0.6


def test_p56_silence_has_no_level() -> None:
    assert p56(np.zeros(48000), 48000) == (None, 0.0)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("mains", [50, 60])
def test_hum_is_found_at_its_mains_frequency(rate: int, mains: int) -> None:
    detector = HumDetector(rate)
    x = hum(mains, 3, rate, -50) + at_level(pink(3, rate, seed=4), -60)
    detector.feed(x)
    found = detector.result(float(np.mean(x**2)))
    assert found.hz == mains
    assert found.prominence_db > 20


@pytest.mark.parametrize("rate", RATES)
def test_no_hum_in_pink_noise(rate: int) -> None:
    detector = HumDetector(rate)
    x = at_level(pink(3, rate), -40)
    detector.feed(x)
    assert detector.result(float(np.mean(x**2))).hz is None


@pytest.mark.parametrize("rate", RATES)
def test_snr_of_speech_over_a_quiet_bed(rate: int) -> None:
    speech, bed = at_level(speech_like(6, rate), -26), at_level(pink(6, rate), -60)
    true_level, _ = p56(speech, rate)
    assert true_level is not None
    found = analyse(speech + bed, rate)
    assert found.speech_level_dbfs == pytest.approx(true_level, abs=0.5)
    assert found.snr_db == pytest.approx(true_level + 60, abs=1.5)
    assert found.speech_ratio > 0.2 and found.noise_class == "speech"


@pytest.mark.parametrize("rate", RATES)
def test_clipping(rate: int) -> None:
    clipped = analyse(np.clip(1.5 * sine(440, 2, rate), -1, 1), rate)
    clean = analyse(sine(440, 2, rate, 0.5), rate)
    assert clipped.clipping_pct > 30 and clean.clipping_pct == 0.0


@pytest.mark.parametrize("rate", RATES)
def test_digital_silence_and_a_stuck_value_are_a_dead_microphone(rate: int) -> None:
    assert analyse(np.zeros(2 * rate), rate).mic_dead
    assert analyse(np.full(2 * rate, 0.25), rate).mic_dead  # a constant is not sound either
    quiet_room = analyse(at_level(pink(2, rate), -75), rate)
    assert not quiet_room.mic_dead and quiet_room.noise_class == "quiet"


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda rate: at_level(pink(4, rate), -70), "quiet"),
        (lambda rate: at_level(pink(4, rate), -35), "steady"),
        (lambda rate: hum(60, 4, rate, -35), "hum"),
        (lambda rate: clicks(4, rate) + at_level(pink(4, rate), -65), "impulsive"),
        (lambda rate: at_level(speech_like(4, rate), -26), "speech"),
        (lambda rate: at_level(music(4, rate), -25) + at_level(pink(4, rate), -60), "music"),
    ],
    ids=["quiet", "steady", "hum", "impulsive", "speech", "music"],
)
def test_noise_classes(rate: int, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    x = make(rate) + at_level(pink(4, rate, seed=9), -80)
    assert analyse(x, rate).noise_class == expected


def test_block_size_does_not_change_the_answer() -> None:
    x = at_level(speech_like(4, 16000), -30) + at_level(pink(4, 16000), -55)
    assert analyse(x, 16000, block=160) == analyse(x, 16000, block=4096)


def test_memory_is_bounded_by_max_seconds() -> None:
    analyser = NoiseAnalyser(16000, max_seconds=2)
    for _ in range(10):
        analyser.feed(np.zeros(16000, dtype=np.float32) + 0.01)
    assert analyser.full
    assert analyser.result().analysed_s == pytest.approx(2.0, abs=0.02)


def test_no_result_before_a_whole_frame() -> None:
    analyser = NoiseAnalyser(48000)
    analyser.feed(np.zeros(100, dtype=np.float32))
    with pytest.raises(ValueError):
        analyser.result()


def p56_by_the_flow_chart(x: np.ndarray, rate: int) -> tuple[float | None, float]:
    """P.56 method B sample by sample, as the standard's flow chart draws it (slow, short x)."""
    g = np.exp(-1.0 / (rate * 0.03))
    hangover = round(0.2 * rate)
    thresholds = 2.0 ** np.arange(LOWEST_EXPONENT, 1)
    active = np.zeros(len(thresholds), dtype=np.int64)
    since = np.full(len(thresholds), hangover)
    p = q = 0.0
    for sample in np.abs(x.astype(np.float64)):
        p = g * p + (1 - g) * sample
        q = g * q + (1 - g) * p
        reached = q >= thresholds
        since[reached] = 0
        counted = reached | (since < hangover)
        active += counted
        since[~reached & counted] += 1
    levels = 10 * np.log10(np.sum(x.astype(np.float64) ** 2) / np.maximum(active, 1))
    levels[active == 0] = np.inf
    thresholds_db = 20 * np.log10(thresholds)
    found = _interpolate(levels, thresholds_db, active, len(x))
    return found.level_dbfs, found.activity


@pytest.mark.parametrize("rate", RATES)
def test_p56_matches_the_flow_chart_sample_by_sample(rate: int) -> None:
    """The vectorised meter against the standard's per-sample recursion and hangover."""
    x = at_level(speech_like(0.9, rate), -26) + at_level(pink(0.9, rate), -60)
    x = x.astype(np.float32)
    level, activity = p56(x, rate)
    true_level, true_activity = p56_by_the_flow_chart(x, rate)
    assert level == pytest.approx(true_level, abs=0.02)
    assert activity == pytest.approx(true_activity, abs=0.002)


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_the_hum_decimator_is_a_flat_alias_free_low_pass(rate: int) -> None:
    low = Decimator(rate, passband_hz=321, min_rate=1000)
    x = np.random.default_rng(3).standard_normal(3 * rate).astype(np.float32)
    # streamed in uneven whole-block pieces, it equals one long convolution, decimated
    cuts = [0, low.factor * 7, rate, 2 * rate + low.factor * 3, 3 * rate]
    streamed = np.concatenate([low.feed(x[a:b]) for a, b in itertools.pairwise(cuts)])
    taps = low.taps()
    direct = np.convolve(x.astype(np.float64), taps)[: len(x)][low.factor - 1 :: low.factor]
    assert np.max(np.abs(streamed - direct)) < 1e-5
    freqs = np.arange(0, rate / 2, 1.0)
    gain_db = 20 * np.log10(np.abs(np.fft.rfft(taps, rate))[: len(freqs)] + 1e-12)
    assert np.all(np.abs(gain_db[freqs <= 321]) < 0.01)  # flat where hum is looked for
    folds = np.abs((freqs + 321) % low.out_rate - 321) <= 321  # lands in 0..321 Hz
    assert np.all(gain_db[folds & (freqs >= low.out_rate / 2)] < -70)
