"""Synthesised test signals with known answers (full scale = 1.0; seeded, so repeatable)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Signal = NDArray[np.float64]


def rms_db(x: Signal) -> float:
    return float(10.0 * np.log10(np.mean(np.square(x))))


def at_level(x: Signal, dbfs: float) -> Signal:
    """`x` scaled so its RMS level is `dbfs` (20·log10 RMS)."""
    return np.asarray(x * 10.0 ** ((dbfs - rms_db(x)) / 20.0), dtype=np.float64)


def sine(freq: float, seconds: float, rate: int, amplitude: float = 1.0) -> Signal:
    t = np.arange(round(seconds * rate)) / rate
    return np.asarray(amplitude * np.sin(2 * np.pi * freq * t), dtype=np.float64)


def pink(seconds: float, rate: int, seed: int = 1) -> Signal:
    """Pink noise (power ∝ 1/f from 20 Hz) with unit RMS, shaped in the frequency domain."""
    n = round(seconds * rate)
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    spectrum *= 1.0 / np.sqrt(np.maximum(freqs, 20.0))
    spectrum[0] = 0.0
    x = np.fft.irfft(spectrum, n)
    return np.asarray(x / np.sqrt(np.mean(x**2)), dtype=np.float64)


def hum(mains: float, seconds: float, rate: int, dbfs: float) -> Signal:
    """Mains hum: fundamental plus decaying odd and even harmonics, at `dbfs` RMS."""
    x = sum(sine(k * mains, seconds, rate, 1.0 / k) for k in range(1, 6))
    return at_level(np.asarray(x), dbfs)


def speech_like(seconds: float, rate: int, seed: int = 2) -> Signal:
    """Voiced 'syllables': a 120 Hz buzz shaped by two formants, 4 per second, with pauses.

    Every third second is a pause, as between sentences, so a background can be measured.
    """
    n = round(seconds * rate)
    t = np.arange(n) / rate
    rng = np.random.default_rng(seed)
    f0 = 120.0 * (1 + 0.1 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    buzz = sum(
        np.sin(k * phase) * (_formant(k * 120.0, 700.0) + _formant(k * 120.0, 1800.0))
        for k in range(1, 30)
    )
    syllable = (np.sin(2 * np.pi * 4.0 * t) > 0.2).astype(float)
    sentence = (np.floor(t) % 3 != 2).astype(float)
    wobble = 1.0 + 0.3 * rng.standard_normal(int(seconds * 4) + 2)[(t * 4).astype(int)]
    return np.asarray(buzz * syllable * sentence * np.abs(wobble), dtype=np.float64)


def _formant(freq: float, centre: float, width: float = 300.0) -> float:
    return float(1.0 / (1.0 + ((freq - centre) / width) ** 2))


def clicks(seconds: float, rate: int, every_s: float = 0.7, dbfs_peak: float = -6.0) -> Signal:
    """Short decaying knocks (5 ms) every `every_s` seconds on silence."""
    x = np.zeros(round(seconds * rate))
    knock = np.exp(-np.arange(round(0.005 * rate)) / (0.001 * rate))
    knock = knock * np.sign(np.sin(np.arange(knock.size) * 2 * np.pi * 2000 / rate))
    for start in range(round(0.1 * rate), x.size - knock.size, round(every_s * rate)):
        x[start : start + knock.size] += knock * 10 ** (dbfs_peak / 20)
    return x


def music(seconds: float, rate: int) -> Signal:
    """Legato chords changing every 300 ms, with a swelling loudness: tonal but not steady."""
    n = round(seconds * rate)
    t = np.arange(n) / rate
    roots = np.array([220.0, 261.6, 329.6, 293.7, 246.9, 196.0])
    root = roots[(t / 0.3).astype(int) % roots.size]
    phase = 2 * np.pi * np.cumsum(root) / rate
    chord = sum(np.sin(phase * ratio) / (i + 1) for i, ratio in enumerate((1.0, 1.26, 1.5, 2.0)))
    swell = 1.0 + 0.4 * np.sin(2 * np.pi * 0.5 * t)
    return np.asarray(chord * swell, dtype=np.float64)
