"""The noise class and the SNR in the check's 5 s window, with the check's VAD, on a
deterministic subset of the labelled set in bench/noise_classes.py."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from agentprobe.audio.dsp import NoiseAnalyser, NoiseMetrics
from agentprobe.audio.dsp.vad import WebRtcVad
from bench import noise_classes as labelled
from tests.audio.signals import pink
from tests.rigs.dsp import p56

needs_espeak = pytest.mark.skipif(
    not shutil.which("espeak-ng") or not shutil.which("sox"), reason="no espeak-ng or sox"
)


def analysed(x: np.ndarray, rate: int) -> NoiseMetrics:
    analyser = NoiseAnalyser(rate, max_seconds=labelled.SECONDS + 1, vad=WebRtcVad())
    for start in range(0, len(x), 1024):
        analyser.feed(x[start : start + 1024].astype(np.float32))
    return analyser.result()


SYNTHETIC = ["barks", "slams", "keyboard", "music", "fan", "hum", "quiet"]


@pytest.mark.parametrize("rate", [16000, 44100, 48000])
@pytest.mark.parametrize("kind", SYNTHETIC)
def test_synthesised_sounds_get_their_class(kind: str, rate: int) -> None:
    label, make = labelled.MAKERS[kind]
    assert analysed(make(rate, 1), rate).noise_class == label


@pytest.mark.parametrize("kind", ["barks", "keyboard", "music"])
def test_sounds_over_a_fan_keep_their_class(kind: str) -> None:
    rate = 48000
    label, make = labelled.MAKERS[kind]
    fore = make(rate, 2)
    fore_db = float(10 * np.log10(np.mean(np.square(fore))))
    x = fore + labelled.level(labelled.fan(rate, 2), fore_db - 10.0)
    assert analysed(x, rate).noise_class == label


@needs_espeak
@pytest.mark.parametrize("kind", ["speech", "babble"])
def test_voices_and_babble_are_speech(kind: str) -> None:
    rate = 16000
    assert analysed(labelled.MAKERS[kind][1](rate, 0), rate).noise_class == "speech"


def talker(rate: int) -> np.ndarray:
    """Two espeak-ng sentences with a half-second pause, at an active level of −26 dBFS."""
    first = labelled.espeak(labelled.LINES[0], "en", rate)
    second = labelled.espeak(labelled.LINES[3], "en", rate)
    x = labelled.fit(np.concatenate([first, np.zeros(rate // 2), second]), rate)
    level, _ = p56(x, rate)
    assert level is not None
    return np.asarray(x * 10 ** ((-26.0 - level) / 20))


@needs_espeak
def test_snr_in_babble_is_measured_against_the_babble_s_energy() -> None:
    """Design SNR 6 dB (active speech level over the babble's RMS) must read as a fail
    (< 10 dB), not 10–11 dB as the frames near L90 made it."""
    rate = 16000
    x = talker(rate) + labelled.level(labelled.babble(rate, 3), -32.0)
    found = analysed(x, rate)
    assert found.snr_db is not None and found.snr_db < 10.0
    assert found.snr_db == pytest.approx(6.0, abs=2.5)


@needs_espeak
def test_snr_over_steady_noise_stays_right() -> None:
    rate = 16000
    x = talker(rate) + labelled.level(pink(labelled.SECONDS, rate, seed=4), -38.0)
    assert analysed(x, rate).snr_db == pytest.approx(12.0, abs=1.5)
