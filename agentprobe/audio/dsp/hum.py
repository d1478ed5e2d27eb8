"""Mains hum: the 50 or 60 Hz family (fundamental and harmonics) and how far it stands out.

Ground loops and unshielded cables add the mains frequency and its harmonics. We average
Hann-windowed 1 s spectra (1 Hz bins) up to 320 Hz and, for each harmonic k·f0 of 50 and
60 Hz (k = 1..5), measure its peak prominence: the peak's power over the median power of
the neighbouring bins (±20 Hz, excluding ±3 Hz around the peak), in dB. The family with
the strongest prominent harmonic wins (the mains frequencies of
IEC 60038).

Only 0..320 Hz matters (the fifth harmonic of 60 Hz and its neighbours), so each second
is first decimated to about 1 kHz (a linear-phase FIR, flat within 0.003 dB up to 320 Hz,
aliases below −72 dB): the 1 Hz spectrum then costs a 1000-point FFT instead of a
48000-point one, with the same bins.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp.decimate import Decimator

MAINS_HZ = (50, 60)
HARMONICS = 5
NEIGHBOURS_HZ = 20
GUARD_HZ = 3
FOUND_DB = 10.0  # a harmonic this far above its neighbours counts as hum
TOP_HZ = max(MAINS_HZ) * HARMONICS + NEIGHBOURS_HZ  # the highest bin looked at
LOW_RATE = 1000  # the decimated rate: alias-free up to TOP_HZ


@dataclass(frozen=True)
class Hum:
    """Strongest mains family: frequency (None when no hum stands out) and prominence in dB."""

    hz: int | None
    prominence_db: float
    power: float  # mean square of the hum peaks (full scale = 1.0), 0 when no hum


class HumDetector:
    """Feed samples in any block sizes; whole seconds are analysed, the rest waits."""

    def __init__(self, rate: int, factor: int | None = None) -> None:
        """`factor`: the decimation factor to use (a divisor of `rate`), if not the largest."""
        self.rate = rate
        self._low = Decimator(rate, TOP_HZ + 1, LOW_RATE, factor)
        self.factor, self.low_rate, self.lag = self._low.factor, self._low.out_rate, self._low.lag
        self._window, self._scale = _window(self.low_rate)
        self._waiting = np.zeros(0, dtype=np.float32)  # under one block at the full rate
        self._pending = np.zeros(self.low_rate, dtype=np.float32)  # under 1 s, decimated
        self._filled = 0
        self._spectrum = np.zeros(TOP_HZ + 2)
        self._seconds = 0

    def feed(self, samples: NDArray[np.floating]) -> NDArray[np.float32]:
        """Add samples (any length); return the decimated samples they completed."""
        samples = np.asarray(samples, dtype=np.float32).ravel()
        if self._waiting.size:
            samples = np.concatenate([self._waiting, samples])
        whole = samples.size // self.factor * self.factor
        self._waiting = samples[whole:].copy()
        low = self._low.feed(samples[:whole])
        rest = low
        if self._filled:  # complete the waiting second first
            take = min(rest.size, self.low_rate - self._filled)
            self._pending[self._filled : self._filled + take] = rest[:take]
            self._filled += take
            rest = rest[take:]
            if self._filled < self.low_rate:
                return low
            self._analyse(self._pending)
        seconds = rest.size // self.low_rate * self.low_rate
        if seconds:
            self._analyse(rest[:seconds])
        self._filled = rest.size - seconds
        self._pending[: self._filled] = rest[seconds:]
        return low

    def _analyse(self, seconds: NDArray[np.float32]) -> None:
        """Add the spectra of whole decimated seconds (all of them in one FFT call)."""
        low = seconds.reshape(-1, self.low_rate)
        count = len(low)
        low = low - low.sum(axis=1, keepdims=True) / low.shape[1]  # mean(), less overhead
        bins = np.fft.rfft(low * self._window, axis=1)[:, : len(self._spectrum)]
        # scaled so that a tone's peak bin holds its mean square
        power = np.square(bins.real) + np.square(bins.imag)
        self._spectrum += power.sum(axis=0) * self._scale
        self._seconds += count

    def result(self, mean_square: float) -> Hum:
        """The hum so far; `mean_square` is the signal's power (DC removed), which a hum
        peak must matter against: at least −60 dB of it."""
        if self._seconds == 0:
            return Hum(None, 0.0, 0.0)
        spectrum = self._spectrum / self._seconds
        least = max(mean_square * 1e-6, 1e-15)
        families = _families(spectrum, self.rate, least)
        mains, prominence, power = max(families, key=lambda family: family[1])
        prominence = max(prominence, 0.0)  # a dip below the neighbours is simply no hum
        if prominence < FOUND_DB:
            return Hum(None, round(prominence, 1), 0.0)
        return Hum(mains, round(prominence, 1), power)


@lru_cache(maxsize=8)
def _window(rate: int) -> tuple[NDArray[np.float32], float]:
    """A 1 s Hann window and the factor turning its |X|² into a tone's mean square."""
    window = np.hanning(rate).astype(np.float32)
    return window, 2.0 / (float(np.sum(window.astype(np.float64) ** 2)) * rate)


@dataclass(frozen=True)
class _Layout:
    """Where the harmonics of both mains families and their neighbours sit in the spectrum."""

    mains: tuple[int, ...]  # per harmonic row: its family
    peaks: NDArray[np.intp]  # (harmonics, 3): a Hann-windowed tone spreads over 3 bins
    around: NDArray[np.intp]  # (harmonics, neighbours): ±NEIGHBOURS_HZ but the guard


@lru_cache(maxsize=8)
def _layout(rate: int) -> _Layout:
    offsets = np.r_[-NEIGHBOURS_HZ:-GUARD_HZ, GUARD_HZ + 1 : NEIGHBOURS_HZ + 1]
    top = min(TOP_HZ + 2, rate // 2)
    rows = [
        (mains, k * mains)
        for mains in MAINS_HZ
        for k in range(1, HARMONICS + 1)
        if k * mains + NEIGHBOURS_HZ < top
    ]
    centres = np.array([centre for _, centre in rows], dtype=np.intp).reshape(-1, 1)
    peaks = centres + np.arange(-1, 2)
    return _Layout(tuple(mains for mains, _ in rows), peaks, centres + offsets)


def _families(
    spectrum: NDArray[np.float64], rate: int, least: float
) -> list[tuple[int, float, float]]:
    """Per mains family: (mains, best harmonic prominence in dB, summed power of the
    prominent harmonics), all harmonics measured at once."""
    layout = _layout(rate)
    if not layout.mains:
        return [(mains, -np.inf, 0.0) for mains in MAINS_HZ]
    peak = spectrum[layout.peaks].sum(axis=1)
    floor = np.maximum(_median(spectrum[layout.around]) * 3.0, least)  # 3 bins' worth
    prominence = (10.0 * np.log10(np.maximum(peak, 1e-20) / floor)).tolist()
    found = []
    for mains in MAINS_HZ:
        rows = [i for i, family in enumerate(layout.mains) if family == mains]
        best = max((prominence[i] for i in rows), default=-np.inf)
        power = sum(float(peak[i]) for i in rows if prominence[i] >= FOUND_DB)
        found.append((mains, float(best), power))
    return found


def _median(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """np.median along the rows, by one partial sort (np.median's overhead is the cost here)."""
    middle = rows.shape[1] // 2
    if rows.shape[1] % 2:
        return np.partition(rows, middle, axis=1)[:, middle]
    ordered = np.partition(rows, [middle - 1, middle], axis=1)
    return np.asarray((ordered[:, middle - 1] + ordered[:, middle]) * 0.5)
