"""Mains hum: the 50 or 60 Hz family (fundamental and harmonics) and how far it stands out.

Ground loops and unshielded cables add the mains frequency and its harmonics. We average
Hann-windowed 1 s spectra (1 Hz bins) up to 1 kHz and, for each harmonic k·f0 of 50 and
60 Hz (k = 1..5), measure its peak prominence: the peak's power over the median power of
the neighbouring bins (±20 Hz, excluding ±3 Hz around the peak), in dB. The family with
the strongest prominent harmonic wins (references: DESIGN §9; the mains frequencies of
IEC 60038).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MAINS_HZ = (50, 60)
HARMONICS = 5
TOP_HZ = 1000
NEIGHBOURS_HZ = 20
GUARD_HZ = 3
FOUND_DB = 10.0  # a harmonic this far above its neighbours counts as hum


@dataclass(frozen=True)
class Hum:
    """Strongest mains family: frequency (None when no hum stands out) and prominence in dB."""

    hz: int | None
    prominence_db: float
    power: float  # mean square of the hum peaks (full scale = 1.0), 0 when no hum


class HumDetector:
    """Feed samples in any block sizes; whole seconds are analysed, the rest waits."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._window = np.hanning(rate).astype(np.float32)
        self._window_power = float(np.sum(self._window**2))
        self._pending = np.zeros(rate, dtype=np.float32)
        self._filled = 0
        self._spectrum = np.zeros(TOP_HZ + NEIGHBOURS_HZ + 1)
        self._seconds = 0
        self._total = 0.0

    def feed(self, samples: NDArray[np.floating]) -> None:
        while samples.size:
            take = min(samples.size, self.rate - self._filled)
            self._pending[self._filled : self._filled + take] = samples[:take]
            self._filled += take
            samples = samples[take:]
            if self._filled == self.rate:
                self._analyse_second()

    def _analyse_second(self) -> None:
        segment = self._pending - self._pending.mean()
        bins = np.fft.rfft(segment * self._window)[: len(self._spectrum)].astype(np.complex128)
        # scaled so that a tone's peak bin holds its mean square
        self._spectrum += 2.0 * np.abs(bins) ** 2 / (self._window_power * self.rate)
        self._total += float(np.dot(segment, segment)) / self.rate
        self._seconds += 1
        self._filled = 0

    def result(self) -> Hum:
        if self._seconds == 0:
            return Hum(None, 0.0, 0.0)
        spectrum = self._spectrum / self._seconds
        # a peak must also matter against the whole signal: at least −60 dB of its power
        least = max(self._total / self._seconds * 1e-6, 1e-15)
        families = (_family(spectrum, mains, self.rate, least) for mains in MAINS_HZ)
        best = max(families, key=lambda family: family[1])
        mains, prominence, power = best
        prominence = max(prominence, 0.0)  # a dip below the neighbours is simply no hum
        if prominence < FOUND_DB:
            return Hum(None, round(prominence, 1), 0.0)
        return Hum(mains, round(prominence, 1), power)


def _family(
    spectrum: NDArray[np.float64], mains: int, rate: int, least: float
) -> tuple[int, float, float]:
    """(mains, best harmonic prominence in dB, summed power of the prominent harmonics)."""
    best, power = -np.inf, 0.0
    for k in range(1, HARMONICS + 1):
        centre = k * mains
        if centre + NEIGHBOURS_HZ >= min(len(spectrum), rate // 2):
            break
        peak = float(spectrum[centre - 1 : centre + 2].sum())  # Hann spreads a tone over 3 bins
        around = np.r_[
            spectrum[centre - NEIGHBOURS_HZ : centre - GUARD_HZ],
            spectrum[centre + GUARD_HZ + 1 : centre + NEIGHBOURS_HZ + 1],
        ]
        floor = max(float(np.median(around)) * 3.0, least)  # 3 bins' worth of background
        prominence = 10.0 * np.log10(max(peak, 1e-20) / floor)
        best = max(best, prominence)
        if prominence >= FOUND_DB:
            power += peak
    return mains, float(best), power
